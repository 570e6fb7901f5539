package io.sextant.gateway;

import static io.sextant.gateway.GatewayIT.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;

import io.grpc.stub.StreamObserver;
import io.sextant.platform.config.CommonConfig;
import io.sextant.platform.config.Env;
import io.sextant.platform.server.SextantServer;
import io.sextant.platform.testing.Poll;
import io.sextant.users.v1.GetUserRequest;
import io.sextant.users.v1.GetUserResponse;
import io.sextant.users.v1.ListUsersRequest;
import io.sextant.users.v1.ListUsersResponse;
import io.sextant.users.v1.UsersServiceGrpc;

/**
 * Past capacity the mesh refuses at once what it cannot serve and keeps serving the rest, against
 * real servers on loopback: the gateway's bound on calls in flight per backend, a backend's own
 * bound, a breaker that overload never opens, and connections to a backend that a storm of
 * cancelled calls does not close.
 */
class OverloadIT {

    /** Calls sent at once to a backend bounded to 2. */
    private static final int BURST = 12;

    private static final String A_USER = "/v1/users/0f8fad5b-d9cb-469f-a165-70867728950e";

    private static SextantServer identity;

    @BeforeAll
    static void startIdentity() {
        identity = TestMesh.startService("auth", new TestAuthService());
    }

    @AfterAll
    static void stopIdentity() {
        TestMesh.closeAll(identity);
    }

    @Test
    void pastItsBoundTheGatewayAnswers503AtOnceAndServesTheRest() throws Exception {
        final TestUsersService users = new TestUsersService();
        final SextantServer backend = TestMesh.startService("users", users);
        final SextantServer gateway = startGateway(backend, Map.of("BACKEND_CONCURRENCY_MIN", "2",
                                                                   "BACKEND_CONCURRENCY_MAX", "2",
                                                                   "CIRCUIT_BREAKER_FAILURES", "1"));
        try {
            warmUp(gateway);
            users.listCalls.set(0);
            users.delayMillis = 3_000;
            final int served = servedOfABurst(gateway, users, "BACKEND_OVERLOADED", "service", "users");
            assertThat(served).as("the calls within the bound").isEqualTo(2);
            assertThat(BURST - served).as("refused").isEqualTo(10);
            assertThat(users.listCalls).as("refused calls never reach the backend").hasValue(2);

            final String metrics = metrics(gateway);
            assertThat(sample(metrics, "sextant_client_calls_refused_total", "users")).isEqualTo(10);
            // even with a breaker that opens on the first failure
            assertThat(sample(metrics, "sextant_circuit_breaker_opened_total", "users")).isZero();
            assertThat(sample(metrics, "sextant_circuit_breaker_state", "users")).isZero();

            // once the load is gone, calls pass again
            users.delayMillis = 0;
            assertThat(client(gateway).blocking().get("/v1/users").status().code()).isEqualTo(200);
        } finally {
            TestMesh.closeAll(gateway, backend);
        }
    }

    @Test
    void pastItsBoundOnRequestsInFlightTheGatewayRefusesAtOnceInTheCallersProtocol() throws Exception {
        final TestUsersService users = new TestUsersService();
        final SextantServer backend = TestMesh.startService("users", users);
        final SextantServer gateway = startGateway(backend, Map.of("MAX_REQUESTS_IN_FLIGHT", "2"));
        try {
            warmUp(gateway);
            users.listCalls.set(0);
            users.delayMillis = 3_000;
            // REST: the error body, GATEWAY_OVERLOADED, with Retry-After
            final int served = servedOfABurst(gateway, users, "GATEWAY_OVERLOADED", "max_requests_in_flight", "2");
            assertThat(served).isEqualTo(2);
            assertThat(users.listCalls).hasValue(2);

            // gRPC: UNAVAILABLE with the same ErrorInfo and a RetryInfo, while two calls hold the bound
            final List<CompletableFuture<Timed>> holding = List.of(timed(client(gateway), "/v1/users"),
                                                                  timed(client(gateway), "/v1/users"));
            Poll.until(() -> assertThat(users.listCalls).hasValue(4));
            final UsersServiceGrpc.UsersServiceBlockingStub grpc =
                    com.linecorp.armeria.client.grpc.GrpcClients.builder("http://127.0.0.1:" + gateway.port())
                            .addHeader("authorization", TestAuthService.BEARER)
                            .build(UsersServiceGrpc.UsersServiceBlockingStub.class);
            final long start = System.nanoTime();
            final io.grpc.StatusRuntimeException refused = org.assertj.core.api.Assertions.catchThrowableOfType(
                    () -> grpc.listUsers(ListUsersRequest.getDefaultInstance()), io.grpc.StatusRuntimeException.class);
            assertThat((System.nanoTime() - start) / 1_000_000).as("refused at once").isLessThan(1_500);
            assertThat(refused.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.UNAVAILABLE);
            final com.google.rpc.Status details = io.grpc.protobuf.StatusProto.fromThrowable(refused);
            assertThat(details).isNotNull();
            assertThat(details.getDetailsList()).anySatisfy(any -> {
                assertThat(any.is(com.google.rpc.ErrorInfo.class)).isTrue();
                assertThat(any.unpack(com.google.rpc.ErrorInfo.class).getReason()).isEqualTo("GATEWAY_OVERLOADED");
            }).anySatisfy(any -> assertThat(any.is(com.google.rpc.RetryInfo.class)).isTrue());
            holding.forEach(CompletableFuture::join);

            // nothing is left held: the bound frees as requests end, and a refused one never took it
            users.delayMillis = 0;
            assertThat(client(gateway).blocking().get("/v1/users").status().code()).isEqualTo(200);
            Poll.until(() -> assertThat(sample(metrics(gateway), "sextant_gateway_requests_in_flight", null)).isZero());
            assertThat(sample(metrics(gateway), "sextant_gateway_requests_refused_total", null)).isEqualTo(11);
        } finally {
            TestMesh.closeAll(gateway, backend);
        }
    }

    @Test
    void aBackendPastItsBoundShedsAtOnceAndTheBreakerIgnoresIt() throws Exception {
        final TestUsersService users = new TestUsersService();
        final SextantServer backend = startService("users", Map.of("SERVER_CONCURRENCY_MIN", "2",
                                                                   "SERVER_CONCURRENCY_MAX", "2"), users);
        final SextantServer gateway = startGateway(backend, Map.of("CIRCUIT_BREAKER_FAILURES", "1",
                                                                   "RETRY_MAX_ATTEMPTS", "1"));
        try {
            warmUp(gateway);
            users.listCalls.set(0);
            users.delayMillis = 3_000;
            final int served = servedOfABurst(gateway, users, "SERVER_OVERLOADED", "service", "users");
            assertThat(served).as("the calls within the backend's bound").isEqualTo(2);
            assertThat(users.listCalls).as("shed calls never reach the service's code").hasValue(2);
            assertThat(sample(metrics(backend), "sextant_server_calls_shed_total", null)).isEqualTo(10);
            final String metrics = metrics(gateway);
            assertThat(sample(metrics, "sextant_circuit_breaker_opened_total", "users")).isZero();

            users.delayMillis = 0;
            assertThat(client(gateway).blocking().get("/v1/users").status().code()).isEqualTo(200);
        } finally {
            TestMesh.closeAll(gateway, backend);
        }
    }

    @Test
    void aStormOfTimedOutCallsDoesNotCloseTheConnectionOthersShare() throws Exception {
        // GetUser never answers: the gateway times each out after USERS_DEADLINE and resets its stream
        // to the backend; ListUsers answers at once, on the same connection
        final SextantServer backend = startService("users", Map.of("SERVER_CONCURRENCY_MIN", "5000",
                                                                   "SERVER_CONCURRENCY_MAX", "5000"),
                                                   new UsersServiceGrpc.UsersServiceImplBase() {
                                                       @Override
                                                       public void getUser(GetUserRequest request,
                                                                           StreamObserver<GetUserResponse> response) {
                                                           // no answer, and no thread held
                                                       }

                                                       @Override
                                                       public void listUsers(ListUsersRequest request,
                                                                             StreamObserver<ListUsersResponse> response) {
                                                           response.onNext(ListUsersResponse.getDefaultInstance());
                                                           response.onCompleted();
                                                       }
                                                   });
        final SextantServer gateway = startGateway(backend, Map.of("USERS_DEADLINE", "20ms",
                                                                   "RETRY_MAX_ATTEMPTS", "1",
                                                                   // this test is about connections only
                                                                   "CIRCUIT_BREAKER_FAILURES", "1000000",
                                                                   "BACKEND_CONCURRENCY_MIN", "5000",
                                                                   "BACKEND_CONCURRENCY_MAX", "5000"));
        try {
            warmUp(gateway);
            final WebClient storm = client(gateway);
            final WebClient others = client(gateway);
            final AtomicBoolean storming = new AtomicBoolean(true);
            final AtomicInteger ok = new AtomicInteger();
            final List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
            final CompletableFuture<Void> meanwhile = CompletableFuture.runAsync(() -> {
                while (storming.get()) {
                    final AggregatedHttpResponse response = others.blocking().get("/v1/users");
                    if (response.status().code() == 200) {
                        ok.incrementAndGet();
                    } else if (response.status().code() != 504) {
                        // a 504 is the 20 ms deadline on a busy machine; a closed connection is a 503
                        failures.add(response.status() + " " + response.contentUtf8());
                    }
                }
            });
            // 1,500 timed-out calls, 50 at a time: more resets in a few seconds than Netty's
            // default guard allows in a minute (400)
            final Semaphore window = new Semaphore(50);
            final AtomicInteger timedOut = new AtomicInteger();
            final Map<String, Integer> answers = new java.util.concurrent.ConcurrentHashMap<>();
            final List<CompletableFuture<?>> all = new ArrayList<>();
            for (int i = 0; i < 1_500; i++) {
                window.acquire();
                all.add(storm.get(A_USER).aggregate().whenComplete((response, e) -> {
                    window.release();
                    if (response != null && response.status().code() == 504) {
                        timedOut.incrementAndGet();
                    } else {
                        answers.merge(response != null ? response.contentUtf8() : e.toString(), 1, Integer::sum);
                    }
                }));
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
            storming.set(false);
            meanwhile.join();

            // (a few may end as the backend's own timeout instead, answered before the gateway's)
            assertThat(timedOut.get()).as("the storm's calls timed out at the gateway: " + answers)
                                      .isGreaterThan(1_000);
            assertThat(failures).as("calls sharing the connection during the storm").isEmpty();
            assertThat(ok.get()).isPositive();
        } finally {
            TestMesh.closeAll(gateway, backend);
        }
    }

    /** Waits for the gateway to have auth's keys and a first answer of users. */
    /**
     * Sends {@link #BURST} listings at once to a slow users service through the gateway; every answer
     * is the listing, after the backend's latency, or a 503 with the reason and metadata, with
     * {@code Retry-After: 1}, well before that latency. Returns how many were served.
     */
    private static int servedOfABurst(SextantServer gateway, TestUsersService users, String reason,
                                      String metadataKey, String metadataValue) throws Exception {
        final List<CompletableFuture<Timed>> calls = new ArrayList<>();
        for (int i = 0; i < BURST; i++) {
            calls.add(timed(client(gateway), "/v1/users"));
        }
        int served = 0;
        for (CompletableFuture<Timed> call : calls) {
            final Timed answer = call.join();
            if (answer.response().status().code() == 200) {
                served++;
                assertThat(answer.millis()).isGreaterThanOrEqualTo(users.delayMillis);
            } else {
                final JsonNode body = assertError(answer.response(), 503, reason);
                assertThat(body.at("/details/metadata/" + metadataKey).asText()).isEqualTo(metadataValue);
                assertThat(answer.response().headers().get("retry-after")).isEqualTo("1");
                assertThat(answer.millis()).as("refused well before the backend's latency").isLessThan(1_500);
            }
        }
        return served;
    }

    private static void warmUp(SextantServer gateway) {
        Poll.until(() -> assertThat(client(gateway).blocking().get("/v1/users").status().code()).isEqualTo(200));
    }

    private record Timed(AggregatedHttpResponse response, long millis) {}

    private static CompletableFuture<Timed> timed(WebClient client, String path) {
        final long start = System.nanoTime();
        return client.get(path).aggregate()
                     .thenApply(response -> new Timed(response, (System.nanoTime() - start) / 1_000_000));
    }

    private static SextantServer startGateway(SextantServer users, Map<String, String> settings) {
        final Map<String, String> env = new HashMap<>(settings);
        env.putIfAbsent("RATE_LIMIT_USER", "off");
        env.putIfAbsent("RATE_LIMIT_AUTH", "off");
        return TestMesh.startGateway(Map.of("auth", TestMesh.target(identity), "users", TestMesh.target(users)), env);
    }

    /** A service with settings of its own (PORT any free one). */
    private static SextantServer startService(String name, Map<String, String> settings,
                                              io.grpc.BindableService service) {
        final Map<String, String> env = new HashMap<>(settings);
        env.put("PORT", "0");
        return SextantServer.builder(CommonConfig.read(name, 0, Env.of(env))).grpcService(service).build().start();
    }

    private static WebClient client(SextantServer gateway) {
        return WebClient.builder("http://127.0.0.1:" + gateway.port()).responseTimeout(Duration.ofSeconds(30))
                        .addHeader("authorization", TestAuthService.BEARER).build();
    }

    private static String metrics(SextantServer server) {
        return WebClient.of("http://127.0.0.1:" + server.metricsPort()).blocking().get("/metrics").contentUtf8();
    }

    /** The value of a sample of the metric, with the target label (or none), failing if absent. */
    private static double sample(String metrics, String name, String target) {
        final String labels = target == null ? "(\\{[^}]*\\})?" : "\\{[^}]*target=\"" + target + "\"[^}]*\\}";
        final Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + labels + " (\\S+)$").matcher(metrics);
        assertThat(m.find()).as(name + " in\n" + metrics).isTrue();
        return Double.parseDouble(m.group(m.groupCount()));
    }
}
