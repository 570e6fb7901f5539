package io.sextant.gateway;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import com.linecorp.armeria.client.HttpClient;
import com.linecorp.armeria.client.circuitbreaker.CircuitBreaker;
import com.linecorp.armeria.client.circuitbreaker.CircuitBreakerClient;
import com.linecorp.armeria.client.circuitbreaker.CircuitBreakerRule;
import com.linecorp.armeria.client.circuitbreaker.CircuitState;
import com.linecorp.armeria.common.grpc.protocol.GrpcHeaderNames;

import io.grpc.Status.Code;

/**
 * The circuit breaker of one backend: Armeria's, opened by {@code failures} calls in a row that
 * failed, whatever time they took. While open (for {@code openFor}) every call fails at once with
 * Armeria's {@code FailFastException}, which the gateway answers as 503 BACKEND_CIRCUIT_OPEN; then
 * it lets one trial call through (half-open) and closes if that call succeeds, or opens again.
 *
 * <p>Armeria's own trigger is a failure rate over a sliding window, evaluated once a second; "N
 * failures in a row" is what the gateway's settings promise and is easier to reason about, so this
 * class counts them and opens Armeria's breaker itself ({@link CircuitBreaker#enterState}); the
 * rate trigger is switched off. The state machine, the half-open trial and the fail-fast path are
 * Armeria's.
 *
 * <p>A failure is only what says the backend is unavailable or too slow for everyone: no
 * connection, no answer in time (the caller's own deadline included: the backend had all of it),
 * or UNAVAILABLE or DEADLINE_EXCEEDED from the backend. Every other answer is a success, INTERNAL
 * and UNKNOWN included: the backend is up and answered, and those are errors a single caller can
 * provoke with what it sends (a NUL byte PostgreSQL refused, a bug one odd request hits); counting
 * them would let anyone turn the service away for everyone, again and again. An answer such as
 * INVALID_ARGUMENT, NOT_FOUND or PERMISSION_DENIED is a success alike: the backend is well and
 * said no. A stream cancelled by its caller is neither: it does not count.
 */
final class BackendCircuitBreaker implements CircuitBreaker {

    /** The answers that say the backend is unavailable or too slow; all others are successes. */
    private static final Set<String> FAILURE_CODES = Set.of(
            String.valueOf(Code.UNAVAILABLE.value()), String.valueOf(Code.DEADLINE_EXCEEDED.value()));

    private static final String CANCELLED = String.valueOf(Code.CANCELLED.value());

    /** Which outcomes count; the first rule that matches decides. */
    static final CircuitBreakerRule RULE = CircuitBreakerRule.of(
            CircuitBreakerRule.builder()
                              .onGrpcTrailers((ctx, trailers) -> FAILURE_CODES.contains(
                                      trailers.get(GrpcHeaderNames.GRPC_STATUS)))
                              .thenFailure(),
            // cancelled by its caller, who went away: says nothing of the backend (Armeria's client
            // closes such a call with CANCELLED as if the backend had answered it). Only streams:
            // a unary call goes through the RetryingClient, which runs it to the backend's answer.
            CircuitBreakerRule.builder()
                              .onGrpcTrailers((ctx, trailers) -> CANCELLED.equals(trailers.get(GrpcHeaderNames.GRPC_STATUS)))
                              .thenIgnore(),
            CircuitBreakerRule.builder().onGrpcTrailers((ctx, trailers) -> true).thenSuccess(),
            CircuitBreakerRule.onException());

    private final CircuitBreaker delegate;
    private final int failures;
    private final Duration openFor;
    private final AtomicInteger inARow = new AtomicInteger();

    BackendCircuitBreaker(String backend, int failures, Duration openFor) {
        this.failures = failures;
        this.openFor = openFor;
        delegate = CircuitBreaker.builder(backend)
                                 .minimumRequestThreshold(Long.MAX_VALUE) // the rate trigger: off
                                 .circuitOpenWindow(openFor)
                                 .trialRequestInterval(openFor)
                                 .build();
    }

    /** The client decorator that applies this breaker. */
    Function<? super HttpClient, ? extends HttpClient> decorator() {
        return CircuitBreakerClient.newDecorator(this, RULE);
    }

    /** How long the breaker stays open: a fair Retry-After for the callers it turns away. */
    Duration openFor() {
        return openFor;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public void onSuccess() {
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
        return "BackendCircuitBreaker{" + name() + ", " + circuitState() + ", opens after " + failures
               + " failures in a row, for " + openFor + '}';
    }
}
