package io.sextant.platform.error;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.google.rpc.BadRequest.FieldViolation;

import io.grpc.Status;

/**
 * A domain error with everything a client needs: the gRPC code, an UPPER_SNAKE reason (the
 * {@code ErrorInfo.reason}), a message for people, optional metadata and field violations, and
 * optionally when to try again (a {@code google.rpc.RetryInfo}, Retry-After at the gateway). The
 * platform's {@link GrpcErrorMapper} turns it into a {@code google.rpc.Status}; the gateway turns
 * that into the REST error body. Build one with {@link Errors}.
 */
public final class ServiceException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final Status.Code code;
    private final String reason;
    private final transient Map<String, String> metadata;
    private final transient List<FieldViolation> violations;
    private final transient Duration retryDelay;

    ServiceException(Status.Code code, String reason, String message, Map<String, String> metadata,
                     List<FieldViolation> violations) {
        this(code, reason, message, metadata, violations, null);
    }

    ServiceException(Status.Code code, String reason, String message, Map<String, String> metadata,
                     List<FieldViolation> violations, Duration retryDelay) {
        super(message, null, false, false);
        this.code = code;
        this.reason = reason;
        this.metadata = Map.copyOf(metadata);
        this.violations = List.copyOf(violations);
        this.retryDelay = retryDelay;
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

    /** How long the caller should wait before trying again, or null when the error does not say. */
    public Duration retryDelay() {
        return retryDelay;
    }
}
