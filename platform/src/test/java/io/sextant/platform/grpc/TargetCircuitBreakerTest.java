package io.sextant.platform.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import java.time.Duration;
import java.util.Base64;

import org.junit.jupiter.api.Test;

import com.google.protobuf.Any;
import com.google.protobuf.util.Durations;
import com.google.rpc.RetryInfo;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.UnprocessedRequestException;
import com.linecorp.armeria.client.circuitbreaker.CircuitBreakerDecision;
import com.linecorp.armeria.client.circuitbreaker.CircuitState;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.grpc.protocol.GrpcHeaderNames;

import io.sextant.platform.testing.Poll;

class TargetCircuitBreakerTest {

    @Test
    void onlyAnUnavailableOrTooSlowBackendCounts() {
        assertThat(decision("14")).as("UNAVAILABLE").isEqualTo(CircuitBreakerDecision.failure());
        assertThat(decision("4")).as("DEADLINE_EXCEEDED").isEqualTo(CircuitBreakerDecision.failure());
        assertThat(decision("0")).as("OK").isEqualTo(CircuitBreakerDecision.success());
        assertThat(decision("3")).as("INVALID_ARGUMENT").isEqualTo(CircuitBreakerDecision.success());
        assertThat(decision("5")).as("NOT_FOUND").isEqualTo(CircuitBreakerDecision.success());
        assertThat(decision("7")).as("PERMISSION_DENIED").isEqualTo(CircuitBreakerDecision.success());
        assertThat(decision("8")).as("RESOURCE_EXHAUSTED").isEqualTo(CircuitBreakerDecision.success());
        assertThat(decision("1")).as("CANCELLED").isEqualTo(CircuitBreakerDecision.ignore());
    }

    @Test
    void errorsOneCallerCanProvokeAreAnswersOfAWorkingBackend() {
        // a NUL byte that fails in PostgreSQL, a bug hit by one odd request: the backend answered,
        // and a breaker opened by them would turn everyone away
        assertThat(decision("13")).as("INTERNAL").isEqualTo(CircuitBreakerDecision.success());
        assertThat(decision("2")).as("UNKNOWN").isEqualTo(CircuitBreakerDecision.success());
        assertThat(decision("15")).as("DATA_LOSS").isEqualTo(CircuitBreakerDecision.success());
        assertThat(decision("10")).as("ABORTED").isEqualTo(CircuitBreakerDecision.success());
        assertThat(decision("12")).as("UNIMPLEMENTED").isEqualTo(CircuitBreakerDecision.success());
    }

    @Test
    void noAnswerIsAFailure() {
        final ClientRequestContext ctx = ClientRequestContext.of(HttpRequest.of(HttpMethod.POST, "/x.Service/Call"));
        final Throwable refused = UnprocessedRequestException.of(new ConnectException("Connection refused"));
        ctx.logBuilder().endRequest(refused);
        ctx.logBuilder().endResponse(refused);

        assertThat(new TargetCircuitBreaker("users", 5, Duration.ofSeconds(10)).rule().shouldReportAsSuccess(ctx, refused).toCompletableFuture().join())
                .isEqualTo(CircuitBreakerDecision.failure());
    }

    @Test
    void aTargetSheddingLoadIsNeitherSuccessNorFailure() {
        final com.google.rpc.Status shed = com.google.rpc.Status.newBuilder()
                .setCode(14)
                .addDetails(Any.pack(RetryInfo.newBuilder().setRetryDelay(Durations.fromSeconds(1)).build()))
                .build();
        final String details = Base64.getEncoder().withoutPadding().encodeToString(shed.toByteArray());
        final TargetCircuitBreaker breaker = new TargetCircuitBreaker("users", 5, Duration.ofSeconds(10));

        assertThat(decision(breaker, HttpHeaders.of(GrpcHeaderNames.GRPC_STATUS, "14",
                                                    "grpc-status-details-bin", details)))
                .isEqualTo(CircuitBreakerDecision.ignore());
        // without a RetryInfo, an UNAVAILABLE is the target saying it cannot serve: a failure
        assertThat(decision(breaker, HttpHeaders.of(GrpcHeaderNames.GRPC_STATUS, "14")))
                .isEqualTo(CircuitBreakerDecision.failure());
    }

    @Test
    void aTimeoutCountsOnlyIfTheTargetAnsweredNoOtherCallMeanwhile() {
        final TargetCircuitBreaker breaker = new TargetCircuitBreaker("users", 5, Duration.ofSeconds(10));
        final ClientRequestContext waiting = started();
        assertThat(decision(breaker, waiting, HttpHeaders.of(GrpcHeaderNames.GRPC_STATUS, "4")))
                .as("nothing answered while it waited: a hung target").isEqualTo(CircuitBreakerDecision.failure());

        final ClientRequestContext queued = started();
        breaker.onSuccess(); // another call answered while this one waited
        assertThat(decision(breaker, queued, HttpHeaders.of(GrpcHeaderNames.GRPC_STATUS, "4")))
                .as("a queue, not a dead target").isEqualTo(CircuitBreakerDecision.ignore());

        final ClientRequestContext later = started(); // started after that answer
        assertThat(decision(breaker, later, HttpHeaders.of(GrpcHeaderNames.GRPC_STATUS, "4")))
                .isEqualTo(CircuitBreakerDecision.failure());
    }

    /** What the breaker makes of a call the backend closed with the given grpc-status. */
    private static CircuitBreakerDecision decision(String grpcStatus) {
        return decision(new TargetCircuitBreaker("users", 5, Duration.ofSeconds(10)),
                        HttpHeaders.of(GrpcHeaderNames.GRPC_STATUS, grpcStatus));
    }

    private static CircuitBreakerDecision decision(TargetCircuitBreaker breaker, HttpHeaders trailers) {
        return decision(breaker, started(), trailers);
    }

    private static ClientRequestContext started() {
        final ClientRequestContext ctx = ClientRequestContext.of(HttpRequest.of(HttpMethod.POST, "/x.Service/Call"));
        ctx.logBuilder().endRequest();
        return ctx;
    }

    private static CircuitBreakerDecision decision(TargetCircuitBreaker breaker, ClientRequestContext ctx,
                                                   HttpHeaders trailers) {
        ctx.logBuilder().responseHeaders(ResponseHeaders.of(HttpStatus.OK));
        ctx.logBuilder().responseTrailers(trailers);
        ctx.logBuilder().endResponse();
        return breaker.rule().shouldReportAsSuccess(ctx, null).toCompletableFuture().join();
    }

    @Test
    void opensOnTheNthFailureInARow() {
        final TargetCircuitBreaker breaker = new TargetCircuitBreaker("users", 3, Duration.ofMinutes(1));

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
        final TargetCircuitBreaker breaker = new TargetCircuitBreaker("users", 3, Duration.ofMinutes(1));

        for (int i = 0; i < 10; i++) {
            breaker.onFailure();
            breaker.onFailure();
            breaker.onSuccess();
        }
        assertThat(breaker.circuitState()).isEqualTo(CircuitState.CLOSED);
    }

    @Test
    void halfOpensAfterItsTimeAndASuccessfulTrialClosesIt() {
        final TargetCircuitBreaker breaker = new TargetCircuitBreaker("users", 1, Duration.ofMillis(100));
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
        final TargetCircuitBreaker breaker = new TargetCircuitBreaker("users", 2, Duration.ofMillis(100));
        breaker.onFailure();
        breaker.onFailure();

        Poll.until(() -> assertThat(breaker.tryRequest()).isTrue());
        breaker.onFailure();

        assertThat(breaker.circuitState()).isEqualTo(CircuitState.OPEN);
        assertThat(breaker.tryRequest()).isFalse();
    }
}
