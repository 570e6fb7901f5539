package io.sextant.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.grpc.GrpcService;

import io.grpc.stub.StreamObserver;
import io.sextant.auth.v1.AuthServiceGrpc;
import io.sextant.auth.v1.ValidateTokenRequest;
import io.sextant.auth.v1.ValidateTokenResponse;

/**
 * The generator against real servers on loopback. Nothing here depends on how fast the machine is:
 * the counts are fixed by the schedule, and a server that never answers holds its requests for as
 * long as the test runs.
 */
class OpenLoopTest {

    private static final Duration TIMEOUT = Duration.ofMinutes(1);
    /** The test's own JVM stands in for the mesh: the server runs in it. */
    private static final CpuMeter CPU = new CpuMeter(OptionalLong.of(ProcessHandle.current().pid()));

    private Server server;
    private Connections connections;

    @AfterEach
    void stop() {
        if (connections != null) {
            connections.close();
        }
        if (server != null) {
            server.stop().join();
        }
    }

    @Test
    void everyMeasuredRequestIsCountedOnceAndTheWarmUpIsLeftOut() throws InterruptedException {
        server = start(Server.builder().service("/v1/auth/validate", (ctx, req) ->
                "Bearer good".equals(req.headers().get(HttpHeaderNames.AUTHORIZATION))
                ? HttpResponse.of("{}") : HttpResponse.of(HttpStatus.UNAUTHORIZED)));
        connections = new Connections(2, 1);
        final Schedule schedule = new Schedule(2000, Duration.ofMillis(100), Duration.ofMillis(200));

        final RunResult good = new OpenLoop(schedule, 10_000, TIMEOUT, CPU).run("good", validate("good"));
        final RunResult bad = new OpenLoop(schedule, 10_000, TIMEOUT, CPU).run("bad", validate("bad"));

        assertThat(schedule.measured()).isEqualTo(400);
        assertThat(good.requests()).isEqualTo(400);
        assertThat(good.errors()).isEmpty();
        assertThat(good.successes()).isEqualTo(400);
        assertThat(good.latencies().getTotalCount()).isEqualTo(400);
        assertThat(bad.successes()).isZero();
        assertThat(bad.errors()).containsExactly(Map.entry("http 401", 400L));
        assertThat(bad.latencies().getTotalCount()).isZero();
        // known, not measured against any figure: the CPU readings of both processes and the machine came through
        assertThat(good.cpu().generatorCores()).isNotNegative();
        assertThat(good.cpu().meshCores()).isNotNegative();
        assertThat(good.cpu().machineBusy()).isBetween(0.0, 1.0);
    }

    @Test
    void pastTheOutstandingBoundRequestsAreDroppedAndCountedNotQueued() throws InterruptedException {
        // a server that never answers: the first three requests stay out for the whole run
        server = start(Server.builder().requestTimeout(Duration.ZERO)
                             .service("/v1/auth/validate", (ctx, req) -> HttpResponse.of(new CompletableFuture<>())));
        connections = new Connections(1, 1);
        final Schedule schedule = new Schedule(1000, Duration.ZERO, Duration.ofMillis(10));

        final RunResult result = new OpenLoop(schedule, 3, Duration.ofMillis(100), CPU).run("held", validate("good"));

        assertThat(result.requests()).isEqualTo(10);
        assertThat(result.successes()).isZero();
        assertThat(result.errors()).containsExactly(Map.entry(OpenLoop.DROPPED, 7L), Map.entry(OpenLoop.UNFINISHED, 3L));
    }

    @Test
    void grpcOutcomesAreNamedByTheirStatusCode() throws InterruptedException {
        server = start(Server.builder().service(GrpcService.builder().addService(new AuthServiceGrpc.AuthServiceImplBase() {
            @Override
            public void validateToken(ValidateTokenRequest request, StreamObserver<ValidateTokenResponse> response) {
                response.onNext(ValidateTokenResponse.newBuilder().setUsername("ada").build());
                response.onCompleted();
            }
        }).build()));
        final Server unimplemented = start(Server.builder().service(
                GrpcService.builder().addService(new AuthServiceGrpc.AuthServiceImplBase() {}).build()));
        connections = new Connections(1, 1);
        final Schedule schedule = new Schedule(1000, Duration.ZERO, Duration.ofMillis(50));
        try {
            final RunResult ok = new OpenLoop(schedule, 100, TIMEOUT, CPU)
                    .run("grpc", new GrpcValidateScenario(connections, uri(server), TIMEOUT, "token"));
            final RunResult failing = new OpenLoop(schedule, 100, TIMEOUT, CPU)
                    .run("grpc", new GrpcValidateScenario(connections, uri(unimplemented), TIMEOUT, "token"));

            assertThat(ok.successes()).isEqualTo(50);
            assertThat(ok.errors()).isEmpty();
            assertThat(failing.errors()).containsExactly(Map.entry("grpc UNIMPLEMENTED", 50L));
        } finally {
            unimplemented.stop().join();
        }
    }

    private Scenario validate(String token) {
        return new RestScenario(connections, uri(server), TIMEOUT,
                                RequestHeaders.builder(HttpMethod.GET, "/v1/auth/validate")
                                              .set(HttpHeaderNames.AUTHORIZATION, "Bearer " + token).build(),
                                HttpData.empty());
    }

    private static Server start(com.linecorp.armeria.server.ServerBuilder builder) {
        final Server started = builder.http(0).gracefulShutdownTimeout(Duration.ZERO, Duration.ZERO).build();
        started.start().join();
        return started;
    }

    private static URI uri(Server server) {
        return URI.create("http://127.0.0.1:" + server.activeLocalPort());
    }
}
