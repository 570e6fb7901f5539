package io.sextant.platform.error;

import java.util.List;
import java.util.Map;

import com.google.rpc.BadRequest.FieldViolation;

import io.grpc.Status;

/**
 * A domain error with everything a client needs: the gRPC code, an UPPER_SNAKE reason (the
 * {@code ErrorInfo.reason}), a message for people, optional metadata and field violations. The
 * platform's {@link GrpcErrorMapper} turns it into a {@code google.rpc.Status}; the gateway turns
 * that into the REST error body. Build one with {@link Errors}.
 */
public final class ServiceException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final Status.Code code;
    private final String reason;
    private final transient Map<String, String> metadata;
    private final transient List<FieldViolation> violations;

    ServiceException(Status.Code code, String reason, String message, Map<String, String> metadata,
                     List<FieldViolation> violations) {
        super(message, null, false, false);
        this.code = code;
        this.reason = reason;
        this.metadata = Map.copyOf(metadata);
        this.violations = List.copyOf(violations);
    }

    public Status.Code code() {
        return code;
    }

    public String reason() {
        return reason;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    public List<FieldViolation> violations() {
        return violations;
    }
}
