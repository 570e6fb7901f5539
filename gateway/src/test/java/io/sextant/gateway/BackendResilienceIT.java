package io.sextant.gateway;

import static io.sextant.gateway.GatewayIT.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.sextant.platform.grpc.TargetRetries;
import io.sextant.platform.server.SextantServer;
import io.sextant.platform.testing.Poll;
import io.sextant.users.v1.GetUserRequest;
import io.sextant.users.v1.GetUserResponse;
import io.sextant.users.v1.ListUsersRequest;
import io.sextant.users.v1.UsersServiceGrpc;
import io.sextant.users.v1.UsersServiceGrpc.UsersServiceBlockingStub;

/**
 * The gateway's resilience toward its backends, against real ones on loopback: per-service
 * deadlines, retries of idempotent calls within a budget, a circuit breaker per backend, and
 * several endpoints per backend.
 */
class BackendResilienceIT {

    private static final String A_USER = "/v1/users/0f8fad5b-d9cb-469f-a165-70867728950e";

    /** The auth stand-in whose keys the gateway verifies tokens with, when a test has no auth of its own. */
    private static SextantServer identity;

    @BeforeAll
    static void startIdentity() {
        identity = TestMesh.startService("auth", new TestAuthService());
    }

    @AfterAll
    static void stopIdentity() {
        TestMesh.closeAll(identity);
    }

    /** A gateway in front of the targets, verifying tokens with the auth stand-in unless the test brings auth. */
    private static SextantServer startGateway(Map<String, String> targets, Map<String, String> settings) {
        final Map<String, String> withAuth = new java.util.HashMap<>(targets);
        withAuth.putIfAbsent("auth", TestMesh.target(identity));
        // rate limits have their tests in EdgeIT; here they would only count the retries' callers
        final Map<String, String> unlimited = new java.util.HashMap<>(settings);
        unlimited.putIfAbsent("RATE_LIMIT_USER", "off");
        unlimited.putIfAbsent("RATE_LIMIT_AUTH", "off");
        return TestMesh.startGateway(withAuth, unlimited);
    }

    @Test
    void openBreakerAnswers503AtOnceAndTheBackendGetsNoMoreCalls() throws Exception {
        final TestUsersService users = new TestUsersService();
        users.unavailableLeft.set(-1); // up, but every ListUsers fails
        final SextantServer backend = TestMesh.startService("users", users);
        final SextantServer gateway = startGateway(
                Map.of("users", TestMesh.target(backend)),
                // no trial call during the test: the breaker stays open once it opened
                Map.of("CIRCUIT_BREAKER_FAILURES", "3", "CIRCUIT_BREAKER_OPEN_FOR", "10m", "RETRY_MAX_ATTEMPTS", "1"));
        try {
            for (int i = 0; i < 3; i++) {
                assertError(get(gateway, "/v1/users"), 503, "DATABASE_UNAVAILABLE");
            }
            assertThat(users.listCalls).hasValue(3);
            // the breaker counts a call when its log completes, just after its caller has the answer:
            // a call sent at once may still find it closed (and fail like the three before it)
            Poll.until(() -> assertError(get(gateway, "/v1/users"), 503, "BACKEND_CIRCUIT_OPEN"));
            final int reached = users.listCalls.get();
            assertThat(reached).isBetween(3, 5);

            for (int i = 0; i < 5; i++) {
                final AggregatedHttpResponse response = get(gateway, "/v1/users");
                final JsonNode body = assertError(response, 503, "BACKEND_CIRCUIT_OPEN");
                assertThat(body.at("/details/metadata/service").asText()).isEqualTo("users");
                assertThat(body.at("/details/retry_delay").asText()).isEqualTo("600s");
                assertThat(response.headers().get("retry-after")).isEqualTo("600");
            }
            assertThat(users.listCalls).as("calls that reached the backend once it was open").hasValue(reached);
            // the breaker is the users service's alone: auth still answers
            assertError(post(gateway, "/v1/auth/login", "{\"username\": \"a\", \"password\": \"b\"}"),
                        401, "INVALID_CREDENTIALS");
        } finally {
            TestMesh.closeAll(gateway, backend);
        }
    }

    @Test
    void internalErrorsACallerProvokesNeverOpenTheBreaker() throws Exception {
        // a backend that answers, but fails on what one caller sends (as PostgreSQL did on a NUL byte)
        final AtomicInteger calls = new AtomicInteger();
        final SextantServer backend = TestMesh.startService("users", new UsersServiceGrpc.UsersServiceImplBase() {
            @Override
            public void getUser(GetUserRequest request, StreamObserver<GetUserResponse> response) {
                calls.incrementAndGet();
                throw new IllegalStateException("ERROR: invalid byte sequence for encoding \"UTF8\": 0x00");
            }
        });
        final SextantServer gateway = startGateway(
                Map.of("users", TestMesh.target(backend)),
                Map.of("CIRCUIT_BREAKER_FAILURES", "3", "CIRCUIT_BREAKER_OPEN_FOR", "10m", "RETRY_MAX_ATTEMPTS", "1"));
        try {
            for (int i = 0; i < 10; i++) {
                final AggregatedHttpResponse response = get(gateway, A_USER);
                assertThat(response.status().code()).as(response.contentUtf8()).isEqualTo(500);
                assertThat(response.contentUtf8()).doesNotContain("BACKEND_CIRCUIT_OPEN");
            }
            assertThat(calls).as("calls that reached the backend").hasValue(10);
        } finally {
            TestMesh.closeAll(gateway, backend);
        }
    }

    @Test
    void timeoutsOfACallersOwnShortDeadlineNeverOpenTheBreaker() throws Exception {
        final TestUsersService users = new TestUsersService();
        users.delayMillis = 300; // well within the gateway's deadline for users
        final SextantServer backend = TestMesh.startService("users", users);
        final SextantServer gateway = startGateway(
                Map.of("users", TestMesh.target(backend)),
                Map.of("CIRCUIT_BREAKER_FAILURES", "3", "CIRCUIT_BREAKER_OPEN_FOR", "10m", "RETRY_MAX_ATTEMPTS", "1",
                       "BACKEND_DEADLINE", "20s"));
        try {
            final UsersServiceBlockingStub stub = GrpcClients.builder("http://127.0.0.1:" + gateway.port())
                                                             .addHeader("authorization", TestAuthService.BEARER)
                                                             .build(UsersServiceBlockingStub.class);
            for (int i = 0; i < 10; i++) {
                // a caller that gives the backend 20 ms for a call that takes 300
                assertThatThrownBy(() -> stub.withDeadlineAfter(20, TimeUnit.MILLISECONDS)
                                             .listUsers(ListUsersRequest.getDefaultInstance()))
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
                                .isEqualTo(Status.Code.DEADLINE_EXCEEDED));
            }
            // everyone else still gets through
            final AggregatedHttpResponse response = get(gateway, "/v1/users");
            assertThat(response.status().code()).as(response.contentUtf8()).isEqualTo(200);
        } finally {
            TestMesh.closeAll(gateway, backend);
        }
    }

    @Test
    void breakerOpensWhenTheServiceDiesAndClosesWhenItIsBack() throws Exception {
        SextantServer backend = TestMesh.startService("users", new TestUsersService());
        final int port = backend.port();
        final SextantServer gateway = startGateway(
                Map.of("users", TestMesh.target(backend)),
                Map.of("CIRCUIT_BREAKER_FAILURES", "3", "CIRCUIT_BREAKER_OPEN_FOR", "1s"));
        try {
            assertThat(get(gateway, "/v1/users").status().code()).isEqualTo(200);
            backend.close();

            assertError(get(gateway, "/v1/users"), 503, "BACKEND_UNAVAILABLE");
            Poll.until(() -> {
                final JsonNode body = assertError(get(gateway, "/v1/users"), 503, "BACKEND_CIRCUIT_OPEN");
                assertThat(body.at("/details/metadata/service").asText()).isEqualTo("users");
            });

            final TestUsersService restarted = new TestUsersService();
            backend = TestMesh.startService("users", port, builder -> { }, restarted);
            // half-open after CIRCUIT_BREAKER_OPEN_FOR: the trial call succeeds and closes it
            Poll.until(() -> assertThat(get(gateway, "/v1/users").status().code()).isEqualTo(200));
            for (int i = 0; i < 5; i++) {
                assertThat(get(gateway, "/v1/users").status().code()).isEqualTo(200);
            }
            assertThat(restarted.listCalls.get()).isGreaterThanOrEqualTo(6);
        } finally {
            TestMesh.closeAll(gateway, backend);
        }
    }

    @Test
    void eachServiceHasItsOwnDeadline() throws Exception {
        final SextantServer auth = TestMesh.startService("auth", new TestAuthService());
        final TestUsersService users = new TestUsersService();
        users.delayMillis = 1_000;
        final SextantServer usersBackend = TestMesh.startService("users", users);
        final SextantServer gateway = startGateway(
                Map.of("auth", TestMesh.target(auth), "users", TestMesh.target(usersBackend)),
                Map.of("BACKEND_DEADLINE", "300ms", "USERS_DEADLINE", "20s"));
        try {
            // auth has BACKEND_DEADLINE, shorter than its slow answer
            final JsonNode body = assertError(
                    post(gateway, "/v1/auth/register",
                         "{\"username\": \"slowpoke\", \"email\": \"slow@example.com\", \"password\": \"a long password\"}"),
                    504, "BACKEND_TIMEOUT");
            assertThat(body.at("/details/metadata/service").asText()).isEqualTo("auth");
            // users has its own, longer than its slow answer
            final AggregatedHttpResponse list = get(gateway, "/v1/users");
            assertThat(list.status().code()).as(list.contentUtf8()).isEqualTo(200);
            assertThat(list.contentUtf8()).contains("alice");
        } finally {
            TestMesh.closeAll(gateway, auth, usersBackend);
        }
    }

    @Test
    void idempotentCallIsRetriedAndOtherCallsAreNot() throws Exception {
        final TestUsersService users = new TestUsersService();
        final SextantServer backend = TestMesh.startService("users", users);
        final SextantServer gateway = startGateway(Map.of("users", TestMesh.target(backend)), Map.of());
        try {
            users.unavailableLeft.set(1);
            final AggregatedHttpResponse list = get(gateway, "/v1/users");

            assertThat(list.status().code()).as(list.contentUtf8()).isEqualTo(200);
            assertThat(users.listCalls).as("the failed attempt and its retry").hasValue(2);

            // DELETE is not idempotent here: the backend's UNAVAILABLE goes to the caller as it is
            final AggregatedHttpResponse delete = client(gateway).blocking().delete(A_USER);
            assertError(delete, 503, "DATABASE_UNAVAILABLE");
            assertThat(users.deleteCalls).hasValue(1);
        } finally {
            TestMesh.closeAll(gateway, backend);
        }
    }

    @Test
    void retryBudgetStopsRetriesAgainstAServiceThatKeepsFailing() throws Exception {
        final TestUsersService users = new TestUsersService();
        users.unavailableLeft.set(-1);
        final SextantServer backend = TestMesh.startService("users", users);
        final SextantServer gateway = startGateway(
                Map.of("users", TestMesh.target(backend)),
                Map.of("CIRCUIT_BREAKER_FAILURES", "1000000", "RETRY_MAX_ATTEMPTS", "3"));
        try {
            assertThat(get(gateway, "/v1/users").status().code()).isEqualTo(503);
            assertThat(users.listCalls).as("one call and its two retries").hasValue(3);

            for (int i = 0; i < 2 * TargetRetries.BURST; i++) {
                assertThat(get(gateway, "/v1/users").status().code()).isEqualTo(503);
            }
            final int before = users.listCalls.get();
            assertThat(before).isLessThan(3 * (1 + 2 * TargetRetries.BURST));
            for (int i = 0; i < 10; i++) {
                final AggregatedHttpResponse response = get(gateway, "/v1/users");
                assertThat(response.status().code()).isEqualTo(503);
            }
            assertThat(users.listCalls.get() - before).as("the budget is spent: no call is retried").isEqualTo(10);
        } finally {
            TestMesh.closeAll(gateway, backend);
        }
    }

    @Test
    void callsGoOnWhenOneOfTwoEndpointsGoesDown() throws Exception {
        final TestUsersService first = new TestUsersService();
        final TestUsersService second = new TestUsersService();
        final SextantServer one = TestMesh.startService("users", first);
        final SextantServer two = TestMesh.startService("users", second);
        final SextantServer gateway = startGateway(
                Map.of("users", TestMesh.target(one) + "," + TestMesh.target(two)), Map.of());
        try {
            Poll.until(() -> {
                assertThat(get(gateway, "/v1/users").status().code()).isEqualTo(200);
                // round robin over both, once the health checks found both ready
                assertThat(first.listCalls.get()).isPositive();
                assertThat(second.listCalls.get()).isPositive();
            });

            one.close();
            // at once: a call that picks the stopped one is retried on the other, until the
            // health check takes it out
            for (int i = 0; i < 10; i++) {
                final AggregatedHttpResponse response = get(gateway, "/v1/users");
                assertThat(response.status().code()).as(response.contentUtf8()).isEqualTo(200);
            }
        } finally {
            TestMesh.closeAll(gateway, one, two);
        }
    }

    @Test
    void aDownEndpointOfTwoGetsNoCalls() throws Exception {
        final TestUsersService users = new TestUsersService();
        final SextantServer backend = TestMesh.startService("users", users);
        final SextantServer gateway = startGateway(
                Map.of("users", TestMesh.deadTarget() + "," + TestMesh.target(backend)),
                Map.of("RETRY_MAX_ATTEMPTS", "1")); // no retry: only the health check keeps calls off the dead one
        try {
            for (int i = 0; i < 6; i++) {
                final AggregatedHttpResponse response = get(gateway, "/v1/users");
                assertThat(response.status().code()).as(response.contentUtf8()).isEqualTo(200);
            }
            assertThat(users.listCalls).hasValue(6);
        } finally {
            TestMesh.closeAll(gateway, backend);
        }
    }

    @Test
    void noReadyEndpointIs503NamingTheService() throws Exception {
        final SextantServer gateway = startGateway(
                Map.of("users", TestMesh.deadTarget() + "," + TestMesh.deadTarget()), Map.of());
        try {
            final JsonNode body = assertError(get(gateway, "/v1/users"), 503, "BACKEND_UNAVAILABLE");
            assertThat(body.at("/details/metadata/service").asText()).isEqualTo("users");
        } finally {
            TestMesh.closeAll(gateway);
        }
    }

    @Test
    void dnsTargetFindsTheServiceAtEveryAddressOfTheName() throws Exception {
        final TestUsersService users = new TestUsersService();
        final SextantServer backend = TestMesh.startService("users", users);
        final SextantServer gateway = startGateway(
                Map.of("users", "dns:///localhost:" + backend.port()), Map.of());
        try {
            final AggregatedHttpResponse response = get(gateway, "/v1/users");
            assertThat(response.status().code()).as(response.contentUtf8()).isEqualTo(200);
            assertThat(users.listCalls).hasValue(1);
        } finally {
            TestMesh.closeAll(gateway, backend);
        }
    }

    private static AggregatedHttpResponse get(SextantServer gateway, String path) {
        return client(gateway).blocking().get(path);
    }

    private static AggregatedHttpResponse post(SextantServer gateway, String path, String json) {
        return client(gateway).blocking().execute(
                RequestHeaders.builder(HttpMethod.POST, path).contentType(MediaType.JSON_UTF_8).build(), json);
    }

    private static WebClient client(SextantServer gateway) {
        return WebClient.builder("http://127.0.0.1:" + gateway.port()).responseTimeout(Duration.ofSeconds(30))
                        .addHeader("authorization", TestAuthService.BEARER).build();
    }
}
