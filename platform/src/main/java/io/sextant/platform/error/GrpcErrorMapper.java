package io.sextant.platform.error;

import java.util.Locale;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.protobuf.Any;
import com.google.protobuf.util.Durations;
import com.google.rpc.BadRequest;
import com.google.rpc.RetryInfo;
import com.google.rpc.ErrorInfo;

import com.linecorp.armeria.common.RequestContext;
import com.linecorp.armeria.common.ResponseCompleteException;
import com.linecorp.armeria.common.grpc.GoogleGrpcExceptionHandlerFunction;
import com.linecorp.armeria.common.grpc.GrpcExceptionHandlerFunction;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.sextant.platform.telemetry.RequestIds;

/**
 * The one exception handler of every service: a {@link ServiceException} becomes a
 * {@code google.rpc.Status} with an {@code ErrorInfo} (reason, domain = the service) and, for bad
 * input, a {@code BadRequest}. A status from a downstream call passes through with its details.
 * Anything else is a bug: it is logged with its stack trace and the client sees INTERNAL with the
 * request id, never the trace.
 */
public final class GrpcErrorMapper implements GoogleGrpcExceptionHandlerFunction {

    private static final Logger log = LoggerFactory.getLogger(GrpcErrorMapper.class);

    private final String domain;

    public GrpcErrorMapper(String serviceName) {
        this.domain = serviceName + ".sextant.io";
    }

    @Override
    public com.google.rpc.Status applyStatusProto(RequestContext ctx, Throwable throwable, Metadata metadata) {
        final Throwable cause = unwrap(throwable);
        if (cause instanceof ServiceException e) {
            return toStatusProto(e, domain);
        }
        if (cause instanceof StatusRuntimeException || cause instanceof StatusException) {
            final com.google.rpc.Status fromCall = StatusProto.fromThrowable(cause);
            if (fromCall != null) {
                return fromCall;
            }
            final Status status = Status.fromThrowable(cause);
            return statusProto(status.getCode(), status.getCode().name(),
                               status.getDescription() == null ? status.getCode().name() : status.getDescription(),
                               domain);
        }
        if (cause instanceof ResponseCompleteException) {
            // the service answered before the client finished sending (a client stream refused or
            // answered early): what the client still sends has nowhere to go, which is not an error
            log.debug("{} {} answered before its request ended", ctx.method(), ctx.path());
            return statusProto(Status.Code.CANCELLED, Status.Code.CANCELLED.name(), "the call was already answered",
                               domain);
        }
        // the client went away, time ran out, the request was too large: not a bug of the service
        final Status.Code transport = GrpcExceptionHandlerFunction.of()
                                                                  .apply(ctx, Status.UNKNOWN, cause, metadata)
                                                                  .getCode();
        switch (transport) {
            case CANCELLED -> {
                log.debug("{} {} cancelled: {}", ctx.method(), ctx.path(), cause.toString());
                return statusProto(transport, transport.name(), "the call was cancelled", domain);
            }
            case DEADLINE_EXCEEDED -> {
                log.warn("{} {} timed out: {}", ctx.method(), ctx.path(), cause.toString());
                return statusProto(transport, transport.name(), "the call did not complete in time", domain);
            }
            case RESOURCE_EXHAUSTED -> {
                log.warn("{} {} refused: {}", ctx.method(), ctx.path(), cause.toString());
                return statusProto(transport, transport.name(), "the request is too large", domain);
            }
            default -> { }
        }
        log.error("Unexpected error in {}", ctx.method() + " " + ctx.path(), cause);
        return statusProto(Status.Code.INTERNAL, "INTERNAL",
                           "internal error; quote request id " + RequestIds.current() + " when reporting it", domain);
    }

    /** The {@code google.rpc.Status} of a domain error. */
    public static com.google.rpc.Status toStatusProto(ServiceException e, String domain) {
        final ErrorInfo.Builder info = ErrorInfo.newBuilder()
                                                .setReason(e.reason().toUpperCase(Locale.ROOT))
                                                .setDomain(domain)
                                                .putAllMetadata(e.metadata());
        final com.google.rpc.Status.Builder status = com.google.rpc.Status.newBuilder()
                                                                          .setCode(e.code().value())
                                                                          .setMessage(e.getMessage())
                                                                          .addDetails(Any.pack(info.build()));
        if (!e.violations().isEmpty()) {
            status.addDetails(Any.pack(BadRequest.newBuilder().addAllFieldViolations(e.violations()).build()));
        }
        if (e.retryDelay() != null) {
            status.addDetails(retryInfo(e.retryDelay()));
        }
        return status.build();
    }

    /**
     * The {@code google.rpc.Status} of a domain error that says when to come back: with a
     * {@code google.rpc.RetryInfo} of the delay (the REST answer's Retry-After; callers' breakers and
     * retries read it as a living service pacing them).
     */
    public static com.google.rpc.Status toStatusProto(ServiceException e, String domain, java.time.Duration retryDelay) {
        return e.retryDelay() != null ? toStatusProto(e, domain)
                                      : toStatusProto(e, domain).toBuilder().addDetails(retryInfo(retryDelay)).build();
    }

    private static Any retryInfo(java.time.Duration delay) {
        return Any.pack(RetryInfo.newBuilder().setRetryDelay(Durations.fromMillis(delay.toMillis())).build());
    }

    /** A status exception to close a call with, for code that must not throw (interceptors). */
    public static StatusRuntimeException toStatusException(ServiceException e, String domain) {
        return StatusProto.toStatusRuntimeException(toStatusProto(e, domain));
    }

    /**
     * Ends a call with a domain error, for code that must not throw (interceptors): closes it with
     * the status and its details in the trailers, and returns a listener that ignores whatever the
     * caller still sends, for an interceptor to return instead of starting the call.
     */
    public static <Q, R> ServerCall.Listener<Q> closeCall(ServerCall<Q, R> call, ServiceException e, String domain) {
        final StatusRuntimeException status = toStatusException(e, domain);
        call.close(status.getStatus(), status.getTrailers() == null ? new Metadata() : status.getTrailers());
        return new ServerCall.Listener<>() { };
    }

    private static com.google.rpc.Status statusProto(Status.Code code, String reason, String message, String domain) {
        return com.google.rpc.Status.newBuilder()
                                    .setCode(code.value())
                                    .setMessage(message)
                                    .addDetails(Any.pack(ErrorInfo.newBuilder().setReason(reason).setDomain(domain).build()))
                                    .build();
    }

    private static Throwable unwrap(Throwable t) {
        Throwable cause = t;
        while ((cause instanceof java.util.concurrent.CompletionException
                || cause instanceof java.util.concurrent.ExecutionException
                || cause instanceof java.lang.reflect.UndeclaredThrowableException)
               && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
