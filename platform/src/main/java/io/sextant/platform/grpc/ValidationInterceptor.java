package io.sextant.platform.grpc;

import java.util.ArrayList;
import java.util.List;

import com.google.protobuf.Message;
import com.google.rpc.BadRequest.FieldViolation;

import build.buf.protovalidate.ValidationResult;
import build.buf.protovalidate.Validator;
import build.buf.protovalidate.ValidatorFactory;
import build.buf.protovalidate.exceptions.ValidationException;
import build.buf.validate.FieldPathElement;
import build.buf.validate.Violation;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.sextant.platform.error.Errors;
import io.sextant.platform.error.GrpcErrorMapper;

/**
 * Enforces the protovalidate ({@code buf.validate}) constraints of the contracts on every request
 * message before it reaches a service: a violation answers INVALID_ARGUMENT with one BadRequest
 * field violation per bad field, so every client, in every language, sees the same rules.
 *
 * <p>Besides the contract's own rules, one that holds for every string of every message, however
 * deep: text the database cannot store ({@link StorableText}: a NUL, half of a surrogate pair) is
 * refused here, naming the field, rather than failing in PostgreSQL as an internal error.
 */
public final class ValidationInterceptor implements ServerInterceptor {

    private static final Validator VALIDATOR = ValidatorFactory.newBuilder().build();

    private final String domain;

    public ValidationInterceptor(String serviceName) {
        this.domain = serviceName + ".sextant.io";
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        final ServerCall.Listener<Q> delegate = next.startCall(call, headers);
        return new SimpleForwardingServerCallListener<>(delegate) {
            private boolean closed;

            @Override
            public void onMessage(Q message) {
                if (closed) {
                    return;
                }
                final List<FieldViolation> violations = validate((Message) message);
                if (violations.isEmpty()) {
                    super.onMessage(message);
                    return;
                }
                closed = true;
                GrpcErrorMapper.closeCall(call, Errors.invalidFields(violations), domain);
            }

            @Override
            public void onHalfClose() {
                if (!closed) {
                    super.onHalfClose();
                }
            }

            @Override
            public void onReady() {
                if (!closed) {
                    super.onReady();
                }
            }
        };
    }

    /**
     * The violations of a message's constraints and of text that cannot be stored, as BadRequest
     * field violations (empty when valid).
     */
    public static List<FieldViolation> validate(Message message) {
        final ValidationResult result;
        try {
            result = VALIDATOR.validate(message);
        } catch (ValidationException e) {
            throw Status.INTERNAL.withDescription("the contract's constraints cannot be evaluated: " + e.getMessage())
                                 .asRuntimeException();
        }
        final List<FieldViolation> unstorable = StorableText.violations(message);
        if (result.isSuccess()) {
            return unstorable;
        }
        final List<FieldViolation> out = new ArrayList<>();
        for (var violation : result.getViolations()) {
            final Violation proto = violation.toProto();
            out.add(FieldViolation.newBuilder()
                                  .setField(path(proto))
                                  .setDescription(proto.getMessage())
                                  .setReason(proto.getRuleId())
                                  .build());
        }
        out.addAll(unstorable);
        return out;
    }

    private static String path(Violation violation) {
        final StringBuilder sb = new StringBuilder();
        for (FieldPathElement element : violation.getField().getElementsList()) {
            if (sb.length() > 0) {
                sb.append('.');
            }
            sb.append(element.getFieldName());
            switch (element.getSubscriptCase()) {
                case INDEX -> sb.append('[').append(element.getIndex()).append(']');
                case STRING_KEY -> {
                    sb.append('[');
                    StorableText.appendQuoted(sb, element.getStringKey());
                    sb.append(']');
                }
                case INT_KEY -> sb.append('[').append(element.getIntKey()).append(']');
                case UINT_KEY -> sb.append('[').append(element.getUintKey()).append(']');
                case BOOL_KEY -> sb.append('[').append(element.getBoolKey()).append(']');
                default -> { }
            }
        }
        return sb.length() == 0 ? "(message)" : sb.toString();
    }
}
