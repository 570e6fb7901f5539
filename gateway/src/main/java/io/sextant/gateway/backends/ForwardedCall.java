package io.sextant.gateway.backends;

import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.protobuf.Message;
import com.google.rpc.BadRequest.FieldViolation;

import com.linecorp.armeria.client.circuitbreaker.FailFastException;
import com.linecorp.armeria.client.retry.RetryLimitedException;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.sextant.gateway.errors.RestErrorBody;
import io.sextant.platform.error.Errors;
import io.sextant.platform.error.GrpcErrorMapper;
import io.sextant.platform.error.ServiceException;
import io.sextant.platform.grpc.StorableText;
import io.sextant.platform.grpc.TargetCircuitBreaker;
import io.sextant.platform.grpc.TargetOverloadedException;
import io.sextant.platform.telemetry.RequestIds;

/**
 * One call forwarded from a client of the gateway to a backend: messages, half-close and
 * cancellation go one way, headers, messages and the final status the other. Flow control holds in
 * both directions: the next message is requested from one side only once the other side is ready
 * for it, so a slow reader slows the writer instead of filling the gateway's memory.
 *
 * <p>A message with text no backend can store ({@link StorableText}: a NUL, a lone surrogate from
 * JSON) is refused with INVALID_ARGUMENT naming the field; the backend call starts only with a first
 * message that passes, so a refused unary call never reaches the backend (a stream refused midway
 * is cancelled).
 */
final class ForwardedCall<Q, R> {

    private static final Logger log = LoggerFactory.getLogger(ForwardedCall.class);
    private static final Metadata.Key<byte[]> STATUS_DETAILS =
            Metadata.Key.of("grpc-status-details-bin", Metadata.BINARY_BYTE_MARSHALLER);

    private final ServerCall<Q, R> serverCall;
    private final ClientCall<Q, R> clientCall;
    private final String backend;
    /** The gateway's side of the call (null outside a server, in tests). */
    private final ServiceRequestContext served;
    // Guarded by this: a message that was not requested because the side it goes to was not ready.
    private boolean requestOwedToCaller;
    private boolean requestOwedToBackend;
    /** Whether the gateway refused a message of the caller and closed the call itself. */
    private volatile boolean refused;

    private ForwardedCall(ServerCall<Q, R> serverCall, ClientCall<Q, R> clientCall, String backend) {
        this.serverCall = serverCall;
        this.clientCall = clientCall;
        this.backend = backend;
        this.served = ServiceRequestContext.currentOrNull();
    }

    /**
     * Starts forwarding the call; returns the listener of the gateway's side of it. The call to the
     * backend starts with the caller's first message that passes the gateway's checks (or its
     * half-close): a refused first message costs the backend nothing, not even a call to cancel.
     */
    static <Q, R> ServerCall.Listener<Q> start(ServerCall<Q, R> serverCall, ClientCall<Q, R> clientCall,
                                               String backend) {
        final ForwardedCall<Q, R> call = new ForwardedCall<>(serverCall, clientCall, backend);
        serverCall.request(1);
        return call.new FromCaller();
    }

    /** What the caller sends, on its way to the backend (its callbacks come one at a time). */
    private final class FromCaller extends ServerCall.Listener<Q> {

        /** Whether the call to the backend has started. */
        private boolean started;

        private void startBackendCall() {
            if (!started) {
                started = true;
                // Only what ServiceClient's decorators add goes to the backend (authorization, request
                // id, trace context, client address), not the caller's other headers.
                clientCall.start(new FromBackend(), new Metadata());
                clientCall.request(1);
            }
        }

        @Override
        public void onMessage(Q message) {
            if (refused) {
                return;
            }
            final List<FieldViolation> unstorable = StorableText.violations((Message) message);
            if (!unstorable.isEmpty()) {
                // text the backend could not store, or that protobuf would carry changed (a lone
                // surrogate from JSON becomes '?'): refused here, naming the field, like the backend would
                refuse(Errors.invalidFields(unstorable), started);
                return;
            }
            startBackendCall();
            clientCall.sendMessage(message);
            synchronized (ForwardedCall.this) {
                if (clientCall.isReady()) {
                    serverCall.request(1);
                } else {
                    requestOwedToCaller = true;
                }
            }
        }

        @Override
        public void onHalfClose() {
            if (!refused) {
                startBackendCall(); // a call without a message: the backend says what it makes of it
                clientCall.halfClose();
            }
        }

        @Override
        public void onCancel() {
            if (!refused && started) {
                TargetCircuitBreaker.cancelledForCaller(served);
                clientCall.cancel("the caller cancelled the call", null);
            }
        }

        @Override
        public void onReady() {
            synchronized (ForwardedCall.this) {
                if (requestOwedToBackend) {
                    requestOwedToBackend = false;
                    clientCall.request(1);
                }
            }
        }
    }

    /** What the backend answers, on its way to the caller. */
    private final class FromBackend extends ClientCall.Listener<R> {

        @Override
        public void onHeaders(Metadata headers) {
            if (refused) {
                return;
            }
            // The backend's response headers are its own (request id, content type): the gateway
            // answers with its own.
            serverCall.sendHeaders(new Metadata());
        }

        @Override
        public void onMessage(R message) {
            serverCall.sendMessage(message);
            synchronized (ForwardedCall.this) {
                if (serverCall.isReady()) {
                    clientCall.request(1);
                } else {
                    requestOwedToBackend = true;
                }
            }
        }

        @Override
        public void onReady() {
            synchronized (ForwardedCall.this) {
                if (requestOwedToCaller) {
                    requestOwedToCaller = false;
                    serverCall.request(1);
                }
            }
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
            if (refused) {
                return; // the caller has its answer already
            }
            final byte[] details = trailers.get(STATUS_DETAILS);
            if (details == null && !status.isOk()
                && (status.getCause() != null || status.getCode() == Code.DEADLINE_EXCEEDED)) {
                // A failure of the gateway's own call (backend down, too slow), not an answer of the
                // backend; or the backend's own timeout on the deadline the gateway sent it, which
                // may come a moment before the gateway's: the same "too slow" for the caller.
                final StatusRuntimeException failure = callFailure(status);
                serverCall.close(failure.getStatus(), failure.getTrailers());
                return;
            }
            final Metadata forwarded = new Metadata();
            if (details != null) {
                forwarded.put(STATUS_DETAILS, details);
            }
            // Without its cause: the backend's status is final, the gateway's exception handler must not remap it.
            serverCall.close(Status.fromCode(status.getCode()).withDescription(status.getDescription()), forwarded);
        }
    }

    /**
     * Answers the caller with the refusal, and cancels the call to the backend if a stream had
     * started it (which does not count for the backend's circuit breaker: the caller's doing).
     */
    private void refuse(ServiceException refusal, boolean backendCallStarted) {
        refused = true;
        if (backendCallStarted) {
            TargetCircuitBreaker.cancelledForCaller(served);
            clientCall.cancel("the gateway refused a message of the caller", null);
        }
        GrpcErrorMapper.closeCall(serverCall, refusal, RestErrorBody.DOMAIN);
    }

    private StatusRuntimeException callFailure(Status status) {
        final Map<String, String> service = Map.of("service", backend);
        final FailFastException circuitOpen = cause(status, FailFastException.class);
        if (circuitOpen != null) {
            return circuitOpen(circuitOpen, service);
        }
        final TargetOverloadedException overloaded = cause(status, TargetOverloadedException.class);
        if (overloaded != null) {
            return overloaded(overloaded, service);
        }
        if (cause(status, RetryLimitedException.class) != null) {
            // a retry the budget refused: the last attempt had failed like this
            return failure(Code.UNAVAILABLE, "BACKEND_UNAVAILABLE",
                           "the " + backend + " service is unavailable; try again later", service);
        }
        return switch (status.getCode()) {
            case UNAVAILABLE -> failure(Code.UNAVAILABLE, "BACKEND_UNAVAILABLE",
                                        "the " + backend + " service is unavailable; try again later", service);
            case DEADLINE_EXCEEDED -> failure(Code.DEADLINE_EXCEEDED, "BACKEND_TIMEOUT",
                                              "the " + backend + " service did not answer in time", service);
            case CANCELLED -> Status.CANCELLED.withDescription("the call was cancelled").asRuntimeException();
            default -> {
                log.warn("Call to the {} service failed: {}", backend, status, status.getCause());
                yield failure(Code.INTERNAL, "BACKEND_CALL_FAILED", "the call to the " + backend
                              + " service failed; quote request id " + RequestIds.current() + " when reporting it",
                              service);
            }
        };
    }

    /** 503 at once, with a RetryInfo of how long the breaker stays open (the Retry-After of the REST answer). */
    private StatusRuntimeException circuitOpen(FailFastException e, Map<String, String> service) {
        final ServiceException refusal = Errors.of(Code.UNAVAILABLE, "BACKEND_CIRCUIT_OPEN", "the " + backend
                                                   + " service is failing; the gateway is not calling it for a few "
                                                   + "seconds; try again later", service);
        return StatusProto.toStatusRuntimeException(
                e.getCircuitBreaker() instanceof TargetCircuitBreaker breaker
                ? GrpcErrorMapper.toStatusProto(refusal, RestErrorBody.DOMAIN, breaker.openFor())
                : GrpcErrorMapper.toStatusProto(refusal, RestErrorBody.DOMAIN));
    }

    /**
     * 503 at once, with a RetryInfo (the Retry-After of the REST answer): as many calls to the backend
     * as the gateway admits are in flight; this one was never sent.
     */
    private StatusRuntimeException overloaded(TargetOverloadedException e, Map<String, String> service) {
        return StatusProto.toStatusRuntimeException(GrpcErrorMapper.toStatusProto(
                Errors.of(Code.UNAVAILABLE, "BACKEND_OVERLOADED", "the " + backend + " service has as many calls "
                          + "in flight as the gateway allows it; try again later", service),
                RestErrorBody.DOMAIN, e.retryAfter()));
    }

    private static <T extends Throwable> T cause(Status status, Class<T> type) {
        for (Throwable t = status.getCause(); t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    private static StatusRuntimeException failure(Code code, String reason, String message,
                                                  Map<String, String> metadata) {
        return GrpcErrorMapper.toStatusException(Errors.of(code, reason, message, metadata), RestErrorBody.DOMAIN);
    }
}
