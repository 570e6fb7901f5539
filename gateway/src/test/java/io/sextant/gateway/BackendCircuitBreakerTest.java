package io.sextant.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import com.linecorp.armeria.client.circuitbreaker.CircuitState;

import io.sextant.platform.testing.Poll;

class BackendCircuitBreakerTest {

    @Test
    void opensOnTheNthFailureInARow() {
        final BackendCircuitBreaker breaker = new BackendCircuitBreaker("users", 3, Duration.ofMinutes(1));

        breaker.onFailure();
        breaker.onFailure();
        assertThat(breaker.circuitState()).isEqualTo(CircuitState.CLOSED);
        assertThat(breaker.tryRequest()).isTrue();

        breaker.onFailure();
        assertThat(breaker.circuitState()).isEqualTo(CircuitState.OPEN);
        assertThat(breaker.tryRequest()).isFalse();
    }

    @Test
    void aSuccessStartsTheCountAgain() {
        final BackendCircuitBreaker breaker = new BackendCircuitBreaker("users", 3, Duration.ofMinutes(1));

        for (int i = 0; i < 10; i++) {
            breaker.onFailure();
            breaker.onFailure();
            breaker.onSuccess();
        }
        assertThat(breaker.circuitState()).isEqualTo(CircuitState.CLOSED);
    }

    @Test
    void halfOpensAfterItsTimeAndASuccessfulTrialClosesIt() {
        final BackendCircuitBreaker breaker = new BackendCircuitBreaker("users", 1, Duration.ofMillis(100));
        breaker.onFailure();
        assertThat(breaker.circuitState()).isEqualTo(CircuitState.OPEN);

        Poll.until(() -> assertThat(breaker.tryRequest()).isTrue()); // the trial
        assertThat(breaker.circuitState()).isEqualTo(CircuitState.HALF_OPEN);
        assertThat(breaker.tryRequest()).as("one trial at a time").isFalse();

        breaker.onSuccess();
        assertThat(breaker.circuitState()).isEqualTo(CircuitState.CLOSED);
        assertThat(breaker.tryRequest()).isTrue();
    }

    @Test
    void aFailedTrialOpensItAgain() {
        final BackendCircuitBreaker breaker = new BackendCircuitBreaker("users", 2, Duration.ofMillis(100));
        breaker.onFailure();
        breaker.onFailure();

        Poll.until(() -> assertThat(breaker.tryRequest()).isTrue());
        breaker.onFailure();

        assertThat(breaker.circuitState()).isEqualTo(CircuitState.OPEN);
        assertThat(breaker.tryRequest()).isFalse();
    }
}
