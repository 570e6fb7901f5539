package io.sextant.platform.grpc;

import java.time.Duration;
import java.util.Base64;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.RetryInfo;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.HttpClient;
import com.linecorp.armeria.client.circuitbreaker.CircuitBreaker;
import com.linecorp.armeria.client.circuitbreaker.CircuitBreakerClient;
import com.linecorp.armeria.client.circuitbreaker.CircuitBreakerListenerAdapter;
import com.linecorp.armeria.client.circuitbreaker.CircuitBreakerRule;
import com.linecorp.armeria.client.circuitbreaker.CircuitState;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.grpc.protocol.GrpcHeaderNames;
import com.linecorp.armeria.common.logging.RequestLogProperty;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.Status.Code;
import io.netty.util.AttributeKey;

/**
 * The circuit breaker of one target service (the backend, as the gateway calls it), for every
 * client of it ({@link ServiceClient}): Armeria's, opened by {@code failures} calls in a row that
 * failed, whatever time they took. While open (for {@code openFor}) every call fails at once with
 * Armeria's {@code FailFastException} (UNAVAILABLE to a gRPC stub), which the gateway answers as
 * 503 BACKEND_CIRCUIT_OPEN; then
 * it lets one trial call through (half-open) and closes if that call succeeds, or opens again.
 *
 * <p>Armeria's own trigger is a failure rate over a sliding window, evaluated once a second; "N
 * failures in a row" is what the settings promise and is easier to reason about, so this
 * class counts them and opens Armeria's breaker itself ({@link CircuitBreaker#enterState}); the
 * rate trigger is switched off. The state machine, the half-open trial and the fail-fast path are
 * Armeria's.
 *
 * <p>A failure is only what says the backend is unavailable or too slow for everyone: no
 * connection, no answer within the client's deadline for the target, or UNAVAILABLE or
 * DEADLINE_EXCEEDED from the backend. A timeout of a deadline the caller made shorter than the
 * client's (at the gateway a gRPC caller's own, or any stream's, which has only the caller's;
 * {@link #callersDeadline}) is ignored, and so
 * is the end of a call its caller cancelled: a caller sending 1 ms deadlines, or hanging up, says
 * nothing of the backend. Every other answer is a success, INTERNAL and UNKNOWN included: the
 * backend is up and answered, and those are errors a single caller can provoke with what it sends
 * (a NUL byte PostgreSQL refused, a bug one odd request hits); counting them would let anyone turn
 * the service away for everyone, again and again. An answer such as INVALID_ARGUMENT, NOT_FOUND or
 * PERMISSION_DENIED is a success alike: the backend is well and said no.
 *
 * <p>Overload is not unavailability: the breaker must not open because the caller itself, or the
 * target, was busy. So, further:
 * <ul>
 *   <li>a call refused by the caller's own admission control ({@link TargetAdmission}) never reaches
 *       the breaker (that decorator runs first);</li>
 *   <li>an UNAVAILABLE that carries a {@code google.rpc.RetryInfo} is a living target shedding load
 *       and saying when to come back (the platform's servers do so past their bound,
 *       {@code CallShedding}): ignored, neither success nor failure;</li>
 *   <li>a timeout (the client's deadline, or DEADLINE_EXCEEDED from the target) counts only if the
 *       target answered no other call while this one was in flight. A target that answers others
 *       is alive: the call waited in a queue, the caller's (an overloaded gateway whose event loop
 *       fell behind) or the target's, and the admission limits deal with queues; a hung or dead
 *       target answers nothing, and its timeouts open the breaker as before.</li>
 * </ul>
 *
 * <p>Its state is exported ({@link ClientMetrics}): {@code sextant_circuit_breaker_state} (0 closed,
 * 1 half-open, 2 open) and {@code sextant_circuit_breaker_opened_total}.
 */
public final class TargetCircuitBreaker implements CircuitBreaker {

    /** The answers that say the backend is unavailable or too slow; all others are successes. */
    private static final Set<String> FAILURE_CODES = Set.of(
            String.valueOf(Code.UNAVAILABLE.value()), String.valueOf(Code.DEADLINE_EXCEEDED.value()));

    private static final String CANCELLED = String.valueOf(Code.CANCELLED.value());
    private static final String DEADLINE_EXCEEDED = String.valueOf(Code.DEADLINE_EXCEEDED.value());

    /** Set on a call whose deadline is the caller's own, shorter than the gateway's for the backend. */
    private static final AttributeKey<Boolean> CALLERS_DEADLINE =
            AttributeKey.valueOf(TargetCircuitBreaker.class, "CALLERS_DEADLINE");
    /** Set on a call whose backend call the gateway cancelled for its caller's doing. */
    private static final AttributeKey<Boolean> CANCELLED_FOR_CALLER =
            AttributeKey.valueOf(TargetCircuitBreaker.class, "CANCELLED_FOR_CALLER");

    private static final String UNAVAILABLE = String.valueOf(Code.UNAVAILABLE.value());
    private static final String STATUS_DETAILS = "grpc-status-details-bin";

    /** Which outcomes count; the first rule that matches decides. */
    private final CircuitBreakerRule rule = CircuitBreakerRule.of(
            // the gateway cancelled the backend call for the caller's doing: nothing learnt of the backend
            CircuitBreakerRule.builder((ctx, headers) -> marked(ctx, CANCELLED_FOR_CALLER)).onException().thenIgnore(),
            // too slow for a deadline the caller chose: the caller's doing, whatever the backend
            CircuitBreakerRule.builder(TargetCircuitBreaker::hasCallersDeadline).onTimeoutException().thenIgnore(),
            CircuitBreakerRule.builder(TargetCircuitBreaker::hasCallersDeadline)
                              .onGrpcTrailers((ctx, trailers) -> DEADLINE_EXCEEDED.equals(
                                      trailers.get(GrpcHeaderNames.GRPC_STATUS)))
                              .thenIgnore(),
            // the target answered another call while this one waited: a queue, not a dead target
            CircuitBreakerRule.builder(this::answeredAnotherMeanwhile).onTimeoutException().thenIgnore(),
            CircuitBreakerRule.builder(this::answeredAnotherMeanwhile)
                              .onGrpcTrailers((ctx, trailers) -> DEADLINE_EXCEEDED.equals(
                                      trailers.get(GrpcHeaderNames.GRPC_STATUS)))
                              .thenIgnore(),
            // a living target shedding load, saying when to come back
            CircuitBreakerRule.builder()
                              .onGrpcTrailers((ctx, trailers) -> isShed(trailers))
                              .thenIgnore(),
            CircuitBreakerRule.builder()
                              .onGrpcTrailers((ctx, trailers) -> FAILURE_CODES.contains(
                                      trailers.get(GrpcHeaderNames.GRPC_STATUS)))
                              .thenFailure(),
            // cancelled by its caller, who went away: says nothing of the backend (Armeria's client
            // may close such a call with CANCELLED as if the backend had answered it)
            CircuitBreakerRule.builder()
                              .onGrpcTrailers((ctx, trailers) -> CANCELLED.equals(trailers.get(GrpcHeaderNames.GRPC_STATUS)))
                              .thenIgnore(),
            CircuitBreakerRule.builder().onGrpcTrailers((ctx, trailers) -> true).thenSuccess(),
            CircuitBreakerRule.onException());

    private final CircuitBreaker delegate;
    private final int failures;
    private final Duration openFor;
    private final AtomicInteger inARow = new AtomicInteger();
    /** {@link System#nanoTime} of the last answer that counted as a success. */
    private volatile long lastSuccessNanos = System.nanoTime() - Long.MAX_VALUE / 2;
    private final LongAdder opened = new LongAdder();

    public TargetCircuitBreaker(String backend, int failures, Duration openFor) {
        this.failures = failures;
        this.openFor = openFor;
        delegate = CircuitBreaker.builder(backend)
                                 .minimumRequestThreshold(Long.MAX_VALUE) // the rate trigger: off
                                 .circuitOpenWindow(openFor)
                                 .trialRequestInterval(openFor)
                                 .listener(new CircuitBreakerListenerAdapter() {
                                     @Override
                                     public void onStateChanged(String name, CircuitState state) {
                                         if (state == CircuitState.OPEN) {
                                             opened.increment();
                                         }
                                     }
                                 })
                                 .build();
    }

    /** The rule of what counts, for tests. */
    CircuitBreakerRule rule() {
        return rule;
    }

    /** Whether an answer of the target that counted as a success came after the call started. */
    private boolean answeredAnotherMeanwhile(ClientRequestContext ctx, RequestHeaders headers) {
        return ctx.log().isAvailable(RequestLogProperty.REQUEST_START_TIME)
               && lastSuccessNanos - ctx.log().partial().requestStartTimeNanos() > 0;
    }

    /** An UNAVAILABLE with a RetryInfo: the target is up and shedding load. */
    static boolean isShed(HttpHeaders trailers) {
        if (!UNAVAILABLE.equals(trailers.get(GrpcHeaderNames.GRPC_STATUS))) {
            return false;
        }
        final String details = trailers.get(STATUS_DETAILS);
        if (details == null) {
            return false;
        }
        try {
            final com.google.rpc.Status status = com.google.rpc.Status.parseFrom(Base64.getDecoder().decode(details));
            for (Any detail : status.getDetailsList()) {
                if (detail.is(RetryInfo.class)) {
                    return true;
                }
            }
        } catch (IllegalArgumentException | InvalidProtocolBufferException e) {
            return false; // not a status a platform server sent
        }
        return false;
    }

    /**
     * Marks the call being served as one whose backend call has the caller's own deadline (shorter
     * than the gateway's, or a stream's): its timeout will not count as a failure of the backend.
     */
    public static void callersDeadline(ServiceRequestContext served) {
        served.setAttr(CALLERS_DEADLINE, Boolean.TRUE);
    }

    /**
     * Marks the call being served as one whose backend call the gateway cancels for its caller's
     * doing (the caller cancelled, hung up or ran out of its own deadline, or sent a message the
     * gateway refused midway through a stream): how that backend call ends does not count.
     */
    public static void cancelledForCaller(ServiceRequestContext served) {
        if (served != null) {
            served.setAttr(CANCELLED_FOR_CALLER, Boolean.TRUE);
        }
    }

    private static boolean hasCallersDeadline(ClientRequestContext ctx, RequestHeaders headers) {
        return marked(ctx, CALLERS_DEADLINE);
    }

    private static boolean marked(ClientRequestContext ctx, AttributeKey<Boolean> mark) {
        final ServiceRequestContext served = ctx.root();
        return served != null && Boolean.TRUE.equals(served.attr(mark));
    }

    /** The client decorator that applies this breaker. */
    public Function<? super HttpClient, ? extends HttpClient> decorator() {
        return CircuitBreakerClient.newDecorator(this, rule);
    }

    /** How long the breaker stays open: a fair Retry-After for the callers it turns away. */
    public Duration openFor() {
        return openFor;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    /** How many times it has opened since the start (a failed trial opening it again included). */
    public long openedCount() {
        return opened.sum();
    }

    /** Its state as a number: 0 closed, 1 half-open, 2 open (the gauge's value). */
    public int stateValue() {
        return switch (delegate.circuitState()) {
            case CLOSED -> 0;
            case HALF_OPEN -> 1;
            case OPEN, FORCED_OPEN -> 2;
        };
    }

    @Override
    public void onSuccess() {
        lastSuccessNanos = System.nanoTime();
        inARow.set(0);
        delegate.onSuccess(); // closes it if it was half-open
    }

    @Override
    public void onFailure() {
        if (delegate.circuitState() != CircuitState.CLOSED) {
            delegate.onFailure(); // a failed trial opens it again
            return;
        }
        if (inARow.incrementAndGet() >= failures) {
            inARow.set(0);
            delegate.enterState(CircuitState.OPEN);
        }
    }

    @Override
    @Deprecated
    public boolean canRequest() {
        return tryRequest();
    }

    @Override
    public boolean tryRequest() {
        return delegate.tryRequest();
    }

    @Override
    public CircuitState circuitState() {
        return delegate.circuitState();
    }

    @Override
    public void enterState(CircuitState circuitState) {
        inARow.set(0);
        delegate.enterState(circuitState);
    }

    @Override
    public String toString() {
        return "TargetCircuitBreaker{" + name() + ", " + circuitState() + ", opens after " + failures
               + " failures in a row, for " + openFor + '}';
    }
}
