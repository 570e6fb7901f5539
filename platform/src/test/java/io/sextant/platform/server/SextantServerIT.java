package io.sextant.platform.server;

import static io.sextant.platform.testing.GrpcErrors.badRequest;
import static io.sextant.platform.testing.GrpcErrors.details;
import static io.sextant.platform.testing.GrpcErrors.errorInfo;
import static io.sextant.platform.testing.GrpcErrors.failure;
import static io.sextant.platform.testing.TestServers.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.net.InetAddress;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.google.rpc.BadRequest.FieldViolation;
import com.google.rpc.ErrorInfo;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import io.sextant.auth.v1.AuthServiceGrpc;
import io.sextant.auth.v1.GetMeRequest;
import io.sextant.auth.v1.GetMeResponse;
import io.sextant.auth.v1.LoginRequest;
import io.sextant.auth.v1.LoginResponse;
import io.sextant.auth.v1.RegisterRequest;
import io.sextant.auth.v1.RegisterResponse;
import io.sextant.auth.v1.Token;
import io.sextant.auth.v1.ValidateTokenRequest;
import io.sextant.auth.v1.ValidateTokenResponse;
import io.sextant.platform.config.CommonConfig;
import io.sextant.platform.db.Database;
import io.sextant.platform.error.Errors;
import io.sextant.platform.testing.Poll;
import io.sextant.platform.testing.TestPostgres;
import io.sextant.platform.testing.TestServers;

/**
 * A real server as every service runs it (one port, a real PostgreSQL behind it) hosting a small
 * AuthService, called over real gRPC and HTTP as clients and operators would.
 */
class SextantServerIT {

    private static final String SECRET_DETAIL = "connection to 10.3.4.5 as admin/hunter2 refused";

    /** The thread each RPC of the test service last ran on: whether it was an event loop, by method. */
    static final java.util.Map<String, Boolean> RAN_ON_EVENT_LOOP = new java.util.concurrent.ConcurrentHashMap<>();

    /** A tiny AuthService: each RPC shows one kind of outcome. */
    static final class TestAuthService extends AuthServiceGrpc.AuthServiceImplBase {
        @Override
        public void register(RegisterRequest request, StreamObserver<RegisterResponse> response) {
            RAN_ON_EVENT_LOOP.put("register", Thread.currentThread() instanceof com.linecorp.armeria.common.NonBlocking);
            response.onNext(RegisterResponse.newBuilder().setMessage("welcome, " + request.getUsername()).build());
            response.onCompleted();
        }

        @Override
        @NonBlocking
        public void login(LoginRequest request, StreamObserver<LoginResponse> response) {
            RAN_ON_EVENT_LOOP.put("login", Thread.currentThread() instanceof com.linecorp.armeria.common.NonBlocking);
            response.onNext(LoginResponse.newBuilder()
                                         .setToken(Token.newBuilder().setAccessToken("t").setTokenType("Bearer"))
                                         .build());
            response.onCompleted();
        }

        @Override
        public void getMe(GetMeRequest request, StreamObserver<GetMeResponse> response) {
            throw Errors.notFound("account", "accounts/42");
        }

        @Override
        public void validateToken(ValidateTokenRequest request, StreamObserver<ValidateTokenResponse> response) {
            throw new IllegalStateException(SECRET_DETAIL);
        }
    }

    private static SextantServer server;
    private static int port;

    @BeforeAll
    static void start() {
        server = startServer("auth");
        port = server.port();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    static SextantServer startServer(String name) {
        final CommonConfig config = TestServers.config(name);
        final SextantServer.Builder builder = SextantServer.builder(config);
        final Database database = Database.open(name, TestPostgres.newDatabase("server"), builder.registry());
        return builder.database(database)
                      .grpcService(new TestAuthService())
                      .build()
                      .start();
    }

    private static AuthServiceGrpc.AuthServiceBlockingStub auth() {
        return auth(port);
    }

    private static AuthServiceGrpc.AuthServiceBlockingStub auth(int port) {
        return TestServers.grpc(port).build(AuthServiceGrpc.AuthServiceBlockingStub.class);
    }

    private static RegisterRequest validRegistration() {
        return RegisterRequest.newBuilder()
                              .setUsername("alice")
                              .setEmail("alice@example.com")
                              .setPassword("correct horse battery staple")
                              .build();
    }

    // --- gRPC: validation and errors ---------------------------------------------------------

    @Test
    void a_valid_request_reaches_the_service() {
        assertThat(auth().register(validRegistration()).getMessage()).isEqualTo("welcome, alice");
    }

    @Test
    void a_method_marked_non_blocking_runs_on_the_event_loop_and_the_others_on_the_blocking_executor() {
        auth().register(validRegistration());
        auth().login(LoginRequest.newBuilder().setUsername("alice").setPassword("correct horse battery staple").build());
        assertThat(RAN_ON_EVENT_LOOP).containsEntry("register", false).containsEntry("login", true);
    }

    /** A service whose mark is on a method that implements no RPC. */
    static final class MisplacedMark extends AuthServiceGrpc.AuthServiceImplBase {
        @NonBlocking
        public void helper() {
        }
    }

    @Test
    void a_non_blocking_mark_on_a_method_that_is_no_rpc_stops_the_start() {
        final MisplacedMark service = new MisplacedMark();
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> SextantServer.Builder.nonBlockingMethods(MisplacedMark.class, service.bindService()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("helper");
    }

    @Test
    void the_contract_constraints_are_enforced_with_a_violation_per_field() {
        final RegisterRequest bad = validRegistration().toBuilder()
                                                       .setEmail("not-an-email")
                                                       .setPassword("short")
                                                       .build();

        final StatusRuntimeException e = failure(() -> auth().register(bad));

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(badRequest(e).getFieldViolationsList())
                .extracting(FieldViolation::getField)
                .containsExactlyInAnyOrder("email", "password");
        assertThat(badRequest(e).getFieldViolationsList()).allSatisfy(v -> assertThat(v.getDescription()).isNotBlank());
        final ErrorInfo info = errorInfo(e);
        assertThat(info.getDomain()).isEqualTo("auth.sextant.io");
        assertThat(info.getReason()).isEqualTo("INVALID_ARGUMENT");
        assertThat(details(e).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
    }

    @Test
    void a_domain_error_arrives_with_its_code_and_reason() {
        final StatusRuntimeException e = failure(() -> auth().getMe(GetMeRequest.getDefaultInstance()));

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(e.getStatus().getDescription()).contains("accounts/42");
        final ErrorInfo info = errorInfo(e);
        assertThat(info.getReason()).isEqualTo("NOT_FOUND");
        assertThat(info.getDomain()).isEqualTo("auth.sextant.io");
        assertThat(info.getMetadataMap()).containsEntry("resource", "account").containsEntry("name", "accounts/42");
    }

    @Test
    void a_bug_arrives_as_internal_with_the_request_id_and_nothing_else() {
        final AuthServiceGrpc.AuthServiceBlockingStub client =
                TestServers.grpc(port).addHeader("x-request-id", "it-request-0001")
                           .build(AuthServiceGrpc.AuthServiceBlockingStub.class);

        final StatusRuntimeException e = failure(() -> client.validateToken(ValidateTokenRequest.getDefaultInstance()));

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
        final String message = e.getStatus().getDescription();
        assertThat(message).contains("it-request-0001");
        final String everything = message + " " + details(e) + " " + e.getTrailers();
        assertThat(everything).doesNotContain("hunter2")
                              .doesNotContain("10.3.4.5")
                              .doesNotContain("IllegalStateException")
                              .doesNotContain("Exception")
                              .doesNotContain("\tat ")
                              .doesNotContain("io.sextant.platform.server");
        assertThat(errorInfo(e).getReason()).isEqualTo("INTERNAL");
    }

    @Test
    void a_bug_without_a_request_id_quotes_the_generated_one() {
        final StatusRuntimeException e = failure(() -> auth().validateToken(ValidateTokenRequest.getDefaultInstance()));

        assertThat(e.getStatus().getDescription()).containsPattern("[0-9a-f]{32}");
    }

    // --- the address it listens on ------------------------------------------------------------

    @Test
    void bind_address_keeps_the_server_off_every_other_interface() {
        final List<InetAddress> others = TestServers.nonLoopbackAddresses();
        assumeThat(others).as("this machine has an address other than loopback").isNotEmpty();
        assertThat(TestServers.accepts(others.get(0), port))
                .as("by default a server listens on every interface, where a cluster's sidecar reaches it")
                .isTrue();

        try (SextantServer loopbackOnly = SextantServer.builder(TestServers.config("auth", Map.of("BIND_ADDRESS", "127.0.0.1")))
                                                       .grpcService(new TestAuthService())
                                                       .build()
                                                       .start()) {
            assertThat(auth(loopbackOnly.port()).register(validRegistration()).getMessage()).isEqualTo("welcome, alice");
            for (InetAddress other : others) {
                assertThat(TestServers.accepts(other, loopbackOnly.port())).as("reachable on %s", other).isFalse();
            }
        }
    }

    // --- health, metrics, docs -----------------------------------------------------------------

    @Test
    void no_answer_names_the_server_software() {
        for (String path : new String[] {"/health", "/metrics", "/docs/", "/no-such-route"}) {
            assertThat(get(port, path).headers().firstValue("server")).as(path).isEmpty();
        }
    }

    @Test
    void docs_and_the_api_have_their_content_security_policies() {
        final HttpResponse<String> docs = get(port, "/docs/");
        assertThat(docs.statusCode()).isEqualTo(200);
        assertThat(docs.headers().firstValue("content-security-policy")).hasValue(SecurityHeaders.DOCS_POLICY);
        final HttpResponse<String> health = get(port, "/health");
        assertThat(health.headers().firstValue("content-security-policy")).hasValue(SecurityHeaders.API_POLICY);
        assertThat(health.headers().firstValue("cache-control")).hasValue("no-store");
        assertThat(health.headers().firstValue("x-content-type-options")).hasValue("nosniff");
    }

    @Test
    void with_a_management_port_metrics_are_there_on_loopback_and_not_on_the_service_port() {
        final SextantServer separate = SextantServer.builder(TestServers.config("users", java.util.Map.of(
                "METRICS_PORT", "0"))).build().start();
        try {
            assertThat(separate.metricsPort()).isNotEqualTo(separate.port()).isPositive();
            assertThat(get(separate.port(), "/metrics").statusCode()).isEqualTo(404);
            final HttpResponse<String> metrics = get(separate.metricsPort(), "/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).containsPattern("(?m)^jvm_threads_current ");
            assertThat(metrics.headers().firstValue("server")).isEmpty();
            assertThat(separate.armeria().activePorts()).hasSize(1); // the management port is its own server
        } finally {
            separate.close();
        }
    }

    @Test
    void liveness_answers_json() {
        final HttpResponse<String> response = get(port, "/health");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/json"));
        assertThat(response.body()).contains("\"status\":\"ok\"").contains("\"service\":\"auth\"");
    }

    @Test
    void readiness_answers_ok_with_the_database_up() {
        final HttpResponse<String> response = get(port, "/health/ready");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"status\":\"ready\"").contains("\"database\":\"up\"");
    }

    @Test
    void the_grpc_health_service_answers_serving() {
        final HealthGrpc.HealthBlockingStub health = TestServers.grpc(port).build(HealthGrpc.HealthBlockingStub.class);

        Poll.until(() -> assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
                .isEqualTo(ServingStatus.SERVING));
    }

    @Test
    void metrics_count_every_rpc_by_method_and_code() {
        auth().login(LoginRequest.newBuilder().setUsername("alice").setPassword("pw").build());
        failure(() -> auth().getMe(GetMeRequest.getDefaultInstance()));
        failure(() -> auth().login(LoginRequest.getDefaultInstance()));
        failure(() -> auth().validateToken(ValidateTokenRequest.getDefaultInstance()));

        // a call is counted once its answer has been sent, which may be just after the client has it
        Poll.until(() -> {
            final HttpResponse<String> response = get(port, "/metrics");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(
                    type -> assertThat(type).startsWith("text/plain"));
            assertThat(response.body())
                    .containsPattern(handled("Login", "OK"))
                    .containsPattern(handled("Login", "INVALID_ARGUMENT"))
                    .containsPattern(handled("GetMe", "NOT_FOUND"))
                    .containsPattern(handled("ValidateToken", "INTERNAL"))
                    .containsPattern("(?m)^grpc_server_handling_seconds_count\\{[^}]*grpc_method=\"GetMe\"[^}]*\\} [1-9]")
                    .containsPattern("(?m)^grpc_server_started_total\\{[^}]*grpc_method=\"GetMe\"")
                    .containsPattern("(?m)^jvm_memory_bytes_used\\{")
                    .containsPattern("(?m)^jvm_threads_current ")
                    .containsPattern("(?m)^process_cpu_seconds_total ")
                    .containsPattern("(?m)^hikaricp_connections\\{[^}]*pool=\"auth-db\"");
        });
    }

    private static Pattern handled(String method, String code) {
        return Pattern.compile("(?m)^grpc_server_handled_total\\{(?=[^}]*grpc_service=\"sextant\\.auth\\.v1\\.AuthService\")"
                               + "(?=[^}]*grpc_method=\"" + method + "\")(?=[^}]*grpc_code=\"" + code + "\")[^}]*\\}"
                               + " [1-9]");
    }

    @Test
    void docs_list_the_service() {
        final HttpResponse<String> page = get(port, "/docs/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("content-type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/html"));

        final HttpResponse<String> spec = get(port, "/docs/specification.json");
        assertThat(spec.statusCode()).isEqualTo(200);
        assertThat(spec.body()).contains("sextant.auth.v1.AuthService").contains("Register");
    }

    @Test
    void docs_without_the_trailing_slash_lead_to_the_page() {
        final HttpResponse<String> response = get(port, "/docs");

        if (response.statusCode() / 100 == 3) {
            final String location = response.headers().firstValue("location").orElseThrow();
            final String target = java.net.URI.create("/docs").resolve(location).getRawPath();
            assertThat(get(port, target).statusCode()).isEqualTo(200);
        } else {
            assertThat(response.statusCode()).isEqualTo(200);
        }
    }

    // --- request ids ---------------------------------------------------------------------------

    @Test
    void a_sane_request_id_is_echoed() {
        final HttpResponse<String> response = get(port, "/health", "X-Request-Id", "gw-7f3a.01:abc_DEF-9");

        assertThat(response.headers().firstValue("x-request-id")).contains("gw-7f3a.01:abc_DEF-9");
    }

    @Test
    void a_missing_request_id_is_generated_and_unique() {
        final String first = get(port, "/health").headers().firstValue("x-request-id").orElseThrow();
        final String second = get(port, "/health").headers().firstValue("x-request-id").orElseThrow();

        assertThat(first).matches("[0-9a-f]{32}");
        assertThat(second).matches("[0-9a-f]{32}").isNotEqualTo(first);
    }

    @Test
    void an_insane_request_id_is_replaced() {
        final String tooLong = "a".repeat(500);
        final String withSpaces = "id with spaces";
        final String injection = "abc\";DROP TABLE x;--";

        for (String insane : new String[] {tooLong, withSpaces, injection}) {
            final String answered = get(port, "/health", "X-Request-Id", insane)
                    .headers().firstValue("x-request-id").orElseThrow();
            assertThat(answered).as("for %s", insane).matches("[0-9a-f]{32}");
        }
    }

    @Test
    void a_grpc_call_also_answers_its_request_id() {
        final var client = TestServers.grpc(port).addHeader("x-request-id", "grpc-call-42");
        final String[] seen = new String[1];
        final AuthServiceGrpc.AuthServiceBlockingStub stub = client.decorator((delegate, ctx, req) -> {
            final var response = delegate.execute(ctx, req);
            ctx.log().whenAvailable(com.linecorp.armeria.common.logging.RequestLogProperty.RESPONSE_HEADERS)
               .thenAccept(log -> seen[0] = log.responseHeaders().get("x-request-id"));
            return response;
        }).build(AuthServiceGrpc.AuthServiceBlockingStub.class);

        stub.register(validRegistration());

        Poll.until(() -> assertThat(seen[0]).isEqualTo("grpc-call-42"));
    }
}
