package io.sextant.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.google.rpc.ErrorInfo;

import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.common.grpc.GrpcSerializationFormats;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.sextant.auth.v1.AuthServiceGrpc.AuthServiceBlockingStub;
import io.sextant.auth.v1.LoginRequest;
import io.sextant.auth.v1.Token;
import io.sextant.auth.v1.ValidateTokenRequest;
import io.sextant.auth.v1.WatchRevocationsRequest;
import io.sextant.notification.v1.ListNotificationsRequest;
import io.sextant.notification.v1.NotificationServiceGrpc.NotificationServiceBlockingStub;
import io.sextant.platform.server.SextantServer;
import io.sextant.platform.testing.GrpcErrors;
import io.sextant.storage.v1.DownloadFileRequest;
import io.sextant.storage.v1.DownloadFileResponse;
import io.sextant.storage.v1.File;
import io.sextant.storage.v1.StorageServiceGrpc;
import io.sextant.storage.v1.UploadFileRequest;
import io.sextant.storage.v1.UploadFileResponse;
import io.sextant.storage.v1.UploadMetadata;
import io.sextant.users.v1.UsersServiceGrpc;

/**
 * The gateway in front of real services on loopback (auth, users and storage stand-ins; notification
 * and monitoring down), driven over REST, gRPC and gRPC-Web as its clients would.
 */
class GatewayIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final TestAuthService authService = new TestAuthService();
    private static SextantServer auth;
    private static SextantServer users;
    private static SextantServer storage;
    private static SextantServer gateway;
    private static WebClient http;

    @BeforeAll
    static void start() {
        auth = TestMesh.startService("auth", authService);
        users = TestMesh.startService("users", new UsersServiceGrpc.UsersServiceImplBase() { });
        // uploads longer than the platform's request length limit, as the real storage service will take
        storage = TestMesh.startService("storage", builder -> builder.customize(sb -> sb.maxRequestLength(0)),
                                        new TestStorageService());
        // A long deadline: a down service must answer 503 at once, not when the deadline runs out.
        gateway = TestMesh.startGateway(Map.of("auth", TestMesh.target(auth), "users", TestMesh.target(users),
                                               "storage", TestMesh.target(storage)),
                                        Map.of("BACKEND_DEADLINE", "60s", "HEALTH_TIMEOUT", "2s",
                                               // rate limits have tests of their own (EdgeIT)
                                               "RATE_LIMIT_AUTH", "off", "RATE_LIMIT_USER", "off",
                                               // the test client on loopback is not a trusted proxy
                                               "TRUSTED_PROXIES", "10.0.0.0/8"));
        // Any answer that takes longer than this is a failure: the client gives up first.
        // every call carries a valid token of alice, unless a test sends its own Authorization
        http = WebClient.builder("http://127.0.0.1:" + gateway.port()).responseTimeout(Duration.ofSeconds(10))
                        .addHeader("authorization", TestAuthService.BEARER).build();
    }

    @AfterAll
    static void stop() {
        TestMesh.closeAll(gateway, auth, users, storage);
    }

    /** A gRPC client of the gateway with alice's token. */
    private static <T> T grpcClient(Class<T> type) {
        return GrpcClients.builder("http://127.0.0.1:" + gateway.port())
                          .addHeader("authorization", TestAuthService.BEARER)
                          .build(type);
    }

    // --- REST ---

    @Test
    void restCallIsTranscodedToTheBackend() throws Exception {
        final AggregatedHttpResponse response = post("/v1/auth/login",
                "{\"username\": \"alice\", \"password\": \"correct horse battery\"}");

        assertThat(response.status().code()).isEqualTo(200);
        assertThat(response.contentType().isJson()).isTrue();
        final JsonNode token = JSON.readTree(response.contentUtf8());
        // the rule's response_body: the Token itself, in ProtoJSON (lowerCamel, int64 as a string)
        assertThat(token.get("accessToken").asText()).isEqualTo("access-token-of-alice");
        assertThat(token.get("tokenType").asText()).isEqualTo("Bearer");
        assertThat(token.get("expiresIn").asText()).isEqualTo("900");
    }

    @Test
    void jwksIsAJsonWebKeySet() throws Exception {
        final AggregatedHttpResponse response = get("/.well-known/jwks.json");

        assertThat(response.status().code()).isEqualTo(200);
        final JsonNode jwks = JSON.readTree(response.contentUtf8());
        assertThat(names(jwks)).containsExactly("keys");
        assertThat(jwks.get("keys")).hasSize(1);
        final JsonNode key = jwks.get("keys").get(0);
        assertThat(names(key)).containsExactlyInAnyOrder("kty", "kid", "use", "alg", "n", "e");
        assertThat(key.get("kty").asText()).isEqualTo("RSA");
        assertThat(key.get("kid").asText()).isEqualTo(TestAuthService.KEYS.kid());
        assertThat(key.get("e").asText()).isEqualTo("AQAB");
    }

    @Test
    void validationErrorListsEveryBadField() throws Exception {
        final AggregatedHttpResponse response = post("/v1/auth/login", "{\"username\": \"\", \"password\": \"\"}");

        final JsonNode body = assertError(response, 400, "INVALID_ARGUMENT");
        assertThat(body.at("/details/domain").asText()).isEqualTo("auth.sextant.io");
        final List<String> fields = new ArrayList<>();
        for (JsonNode violation : body.at("/details/field_violations")) {
            fields.add(violation.get("field").asText());
            assertThat(violation.get("description").asText()).isNotBlank();
        }
        assertThat(fields).containsExactlyInAnyOrder("username", "password");
    }

    @Test
    void aStringPostgresCannotStoreIs400NamingTheField() throws Exception {
        // a NUL anywhere, in JSON as \u0000: PostgreSQL's text and jsonb cannot store it
        final AggregatedHttpResponse nul = post("/v1/auth/login",
                "{\"username\": \"alice\\u0000\", \"password\": \"correct horse battery\"}");

        final JsonNode body = assertError(nul, 400, "INVALID_ARGUMENT");
        assertThat(body.at("/details/field_violations")).hasSize(1);
        assertThat(body.at("/details/field_violations/0/field").asText()).isEqualTo("username");
        assertThat(body.at("/details/field_violations/0/reason").asText()).isEqualTo("string.no_nul");
        assertThat(body.at("/details/field_violations/0/description").asText()).contains("U+0000");

        // half of a surrogate pair is no character: refused, not silently turned into '?'
        final AggregatedHttpResponse lone = post("/v1/auth/login",
                "{\"username\": \"alice\", \"password\": \"correct horse \\ud800battery\"}");

        final JsonNode loneBody = assertError(lone, 400, "INVALID_ARGUMENT");
        assertThat(loneBody.at("/details/field_violations/0/field").asText()).isEqualTo("password");
        assertThat(loneBody.at("/details/field_violations/0/reason").asText()).isEqualTo("string.valid_unicode");

        // over gRPC alike; and however often, it costs no one else anything
        final AuthServiceBlockingStub stub = grpcClient(AuthServiceBlockingStub.class);
        for (int i = 0; i < 10; i++) {
            assertThatThrownBy(() -> stub.login(LoginRequest.newBuilder().setUsername("alice\u0000")
                                                            .setPassword(TestAuthService.PASSWORD).build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                        assertThat(GrpcErrors.badRequest(e).getFieldViolations(0).getField()).isEqualTo("username");
                    });
        }
        assertThat(stub.login(login(TestAuthService.PASSWORD)).getToken().getTokenType()).isEqualTo("Bearer");
    }

    @Test
    void wrongCredentialsAre401WithTheReason() throws Exception {
        final AggregatedHttpResponse response = post("/v1/auth/login",
                "{\"username\": \"alice\", \"password\": \"wrong password\"}");

        final JsonNode body = assertError(response, 401, "INVALID_CREDENTIALS");
        assertThat(body.get("message").asText()).isEqualTo("wrong username or password");
        assertThat(body.at("/details/domain").asText()).isEqualTo("auth.sextant.io");
    }

    @Test
    void missingResourceIs404WithItsMetadata() throws Exception {
        final String name = "api-keys/" + UUID.randomUUID();
        final AggregatedHttpResponse response = http.blocking().delete("/v1/auth/" + name);

        final JsonNode body = assertError(response, 404, "NOT_FOUND");
        assertThat(body.at("/details/metadata/resource").asText()).isEqualTo("api key");
        assertThat(body.at("/details/metadata/name").asText()).isEqualTo(name);
    }

    @Test
    void unimplementedMethodIs501() throws Exception {
        final JsonNode users = assertError(get("/v1/users"), 501, "UNIMPLEMENTED");
        assertThat(users.get("message").asText()).contains("sextant.users.v1.UsersService/ListUsers");

        assertError(post("/v1/auth/password:change", "{\"currentPassword\": \"a\", \"newPassword\": \"b1234567890\"}"),
                    501, "UNIMPLEMENTED");
    }

    @Test
    void protoFieldNamesAreAcceptedLikeLowerCamelOnes() throws Exception {
        // reaches the stand-in, which does not implement it: the body was accepted
        assertError(post("/v1/auth/password:change", "{\"current_password\": \"a\", \"new_password\": \"b1234567890\"}"),
                    501, "UNIMPLEMENTED");
    }

    @Test
    void malformedJsonIs400SayingWhatIsWrong() throws Exception {
        final JsonNode body = assertError(post("/v1/auth/login", "{\"username\": \"alice\","), 400, "INVALID_ARGUMENT");
        assertThat(body.get("message").asText()).contains("not valid JSON").contains("line 1");
        assertThat(body.at("/details/domain").asText()).isEqualTo("gateway.sextant.io");

        assertError(post("/v1/auth/login", "[1, 2]"), 400, "INVALID_ARGUMENT");
    }

    @Test
    void unknownJsonFieldIs400NamingIt() throws Exception {
        final JsonNode body = assertError(
                post("/v1/auth/login", "{\"username\": \"alice\", \"password\": \"x\", \"rememberMe\": true}"),
                400, "INVALID_ARGUMENT");
        assertThat(body.get("message").asText()).contains("rememberMe");
        assertThat(body.at("/details/domain").asText()).isEqualTo("gateway.sextant.io");
    }

    @Test
    void valueOfTheWrongTypeIs400() throws Exception {
        final JsonNode body = assertError(post("/v1/auth/login", "{\"username\": {\"first\": \"a\"}, \"password\": \"x\"}"),
                                          400, "INVALID_ARGUMENT");
        assertThat(body.get("message").asText()).isNotBlank();

        assertError(get("/v1/auth/api-keys?page_size=many"), 400, "INVALID_ARGUMENT");
    }

    @Test
    void unknownRouteIs404Json() throws Exception {
        final JsonNode body = assertError(get("/v1/no-such-thing"), 404, "NOT_FOUND");
        assertThat(body.get("message").asText()).contains("GET /v1/no-such-thing");
        assertThat(body.at("/details/domain").asText()).isEqualTo("gateway.sextant.io");
    }

    @Test
    void wrongMethodIs405Json() throws Exception {
        assertError(get("/v1/auth/login"), 405, "METHOD_NOT_ALLOWED");
        assertError(http.blocking().delete("/.well-known/jwks.json"), 405, "METHOD_NOT_ALLOWED");
    }

    @Test
    void bodyThatIsNotJsonIs415() throws Exception {
        final AggregatedHttpResponse response = http.blocking().prepare()
                                                    .post("/v1/auth/login")
                                                    .content(MediaType.PLAIN_TEXT_UTF_8, "username=alice")
                                                    .execute();
        final JsonNode body = assertError(response, 415, "UNSUPPORTED_MEDIA_TYPE");
        assertThat(body.get("message").asText()).contains("application/json");
    }

    @Test
    void grpcPathCalledWithoutGrpcGetsJsonErrors() throws Exception {
        assertError(get("/sextant.auth.v1.AuthService/Login"), 405, "METHOD_NOT_ALLOWED");
        assertError(post("/sextant.auth.v1.AuthService/Login", "{}"), 415, "UNSUPPORTED_MEDIA_TYPE");
        assertError(get("/grpc.health.v1.Health/Check"), 405, "METHOD_NOT_ALLOWED");
    }

    @Test
    void errorsOfThePlatformsRoutesAreJsonToo() throws Exception {
        assertError(get("/docs/no-such-file.js"), 404, "NOT_FOUND");
        assertError(post("/docs/", "{}"), 405, "METHOD_NOT_ALLOWED");
    }

    @Test
    void oversizeBodyIs413Json() throws Exception {
        final byte[] huge = new byte[17 * 1024 * 1024];
        Arrays.fill(huge, (byte) ' ');
        final AggregatedHttpResponse response = http.blocking().prepare()
                                                    .post("/v1/auth/login")
                                                    .content(MediaType.JSON_UTF_8, huge)
                                                    .execute();
        final JsonNode body = assertError(response, 413, "REQUEST_ENTITY_TOO_LARGE");
        assertThat(body.get("message").asText()).contains("16777216 bytes");
    }

    @Test
    void callerHeadersReachTheBackend() throws Exception {
        final String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        final AggregatedHttpResponse response = http.blocking().execute(
                RequestHeaders.builder(HttpMethod.GET, "/v1/auth/validate")
                              .add("authorization", TestAuthService.BEARER)
                              .add("traceparent", "00-" + traceId + "-00f067aa0ba902b7-01")
                              .add("x-request-id", "request-42")
                              .add("x-forwarded-for", "203.0.113.9")
                              .add("cookie", "session=secret")
                              .build());

        assertThat(response.status().code()).isEqualTo(200);
        assertThat(response.headers().get("x-request-id")).isEqualTo("request-42");
        final RequestHeaders atBackend = authService.lastValidateHeaders.get();
        assertThat(atBackend.getAll("authorization")).containsExactly(TestAuthService.BEARER);
        assertThat(atBackend.get("x-request-id")).isEqualTo("request-42");
        assertThat(atBackend.get("traceparent")).startsWith("00-" + traceId + "-");
        // the address the gateway saw: an X-Forwarded-For from an untrusted client is not passed on
        assertThat(atBackend.getAll("x-forwarded-for")).containsExactly("127.0.0.1");
        assertThat(atBackend.contains("cookie")).isFalse();
        assertThat(grpcTimeoutMillis(atBackend)).isPositive().isLessThanOrEqualTo(60_000);
    }

    @Test
    void grpcCallersDeadlineIsPassedOn() {
        final AuthServiceBlockingStub stub = GrpcClients.builder("http://127.0.0.1:" + gateway.port())
                                                        .addHeader("authorization", TestAuthService.BEARER)
                                                        .build(AuthServiceBlockingStub.class);
        stub.withDeadlineAfter(5, TimeUnit.SECONDS).validateToken(ValidateTokenRequest.getDefaultInstance());

        final RequestHeaders atBackend = authService.lastValidateHeaders.get();
        assertThat(atBackend.get("authorization")).isEqualTo(TestAuthService.BEARER);
        assertThat(grpcTimeoutMillis(atBackend)).isPositive().isLessThanOrEqualTo(5_000);
    }

    @Test
    void errorBodyCarriesTheCallersTraceId() throws Exception {
        final String traceId = "0af7651916cd43dd8448eb211c80319c";
        final int before = authService.validateCalls.get();
        final AggregatedHttpResponse response = WebClient.of("http://127.0.0.1:" + gateway.port()).blocking().execute(
                RequestHeaders.builder(HttpMethod.GET, "/v1/auth/validate")
                              .add("traceparent", "00-" + traceId + "-b7ad6b7169203331-01")
                              .build());

        // refused at the edge: the backend never saw it
        final JsonNode body = assertError(response, 401, "TOKEN_MISSING");
        assertThat(body.get("trace_id").asText()).isEqualTo(traceId);
        assertThat(authService.validateCalls.get()).isEqualTo(before);
    }

    @Test
    void queryParametersBindByProtoAndCamelCaseNames() throws Exception {
        // ListApiKeys is UNIMPLEMENTED in the stand-in: both spellings reach it (a bad value would be 400)
        assertError(get("/v1/auth/api-keys?page_size=10"), 501, "UNIMPLEMENTED");
        assertError(get("/v1/auth/api-keys?pageSize=10"), 501, "UNIMPLEMENTED");
        assertError(get("/v1/auth/api-keys?pageSize=ten"), 400, "INVALID_ARGUMENT");
    }

    // --- down services, health ---

    @Test
    void routeOfADownServiceAnswers503AtOnce() throws Exception {
        final JsonNode body = assertError(get("/v1/notifications"), 503, "BACKEND_UNAVAILABLE");
        assertThat(body.get("message").asText()).contains("notification");
        assertThat(body.at("/details/domain").asText()).isEqualTo("gateway.sextant.io");
        assertThat(body.at("/details/metadata/service").asText()).isEqualTo("notification");
        // the message names the service, not its address
        assertThat(body.toString()).doesNotContain("127.0.0.1");
    }

    @Test
    void healthListsEveryServiceAndIsDegradedWhenSomeAreDown() throws Exception {
        final AggregatedHttpResponse response = get("/health");

        assertThat(response.status().code()).isEqualTo(200);
        final JsonNode health = JSON.readTree(response.contentUtf8());
        assertThat(health.get("status").asText()).isEqualTo("degraded");
        assertThat(health.get("gateway").asText()).isEqualTo("ok");
        assertThat(names(health.get("services")))
                .containsExactly("auth", "users", "notification", "storage", "monitoring");
        assertThat(health.at("/services/auth").asText()).isEqualTo("healthy");
        assertThat(health.at("/services/users").asText()).isEqualTo("healthy");
        assertThat(health.at("/services/storage").asText()).isEqualTo("healthy");
        assertThat(health.at("/services/notification").asText()).isEqualTo("unhealthy");
        assertThat(health.at("/services/monitoring").asText()).isEqualTo("unhealthy");
    }

    // --- gRPC and gRPC-Web ---

    @Test
    void grpcCallsAreForwarded() {
        final AuthServiceBlockingStub stub = grpcClient(
                                                                   AuthServiceBlockingStub.class);
        final Token token = stub.login(login(TestAuthService.PASSWORD)).getToken();
        assertThat(token.getAccessToken()).isEqualTo("access-token-of-alice");

        assertThatThrownBy(() -> stub.login(login("wrong password")))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                    assertThat(reason(e)).isEqualTo("INVALID_CREDENTIALS");
                });
    }

    @Test
    void grpcWebCallsAreForwarded() {
        final AuthServiceBlockingStub stub =
                GrpcClients.builder(SessionProtocol.H1C, Endpoint.of("127.0.0.1", gateway.port()))
                           .addHeader("authorization", TestAuthService.BEARER)
                           .serializationFormat(GrpcSerializationFormats.PROTO_WEB)
                           .build(AuthServiceBlockingStub.class);
        assertThat(stub.login(login(TestAuthService.PASSWORD)).getToken().getTokenType()).isEqualTo("Bearer");

        assertThatThrownBy(() -> stub.login(login("")))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(reason(e)).isEqualTo("INVALID_ARGUMENT");
                });
    }

    @Test
    void grpcCallToADownServiceIsUnavailable() {
        final NotificationServiceBlockingStub stub = grpcClient(
                                                                           NotificationServiceBlockingStub.class);
        assertThatThrownBy(() -> stub.listNotifications(ListNotificationsRequest.getDefaultInstance()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                    assertThat(reason(e)).isEqualTo("BACKEND_UNAVAILABLE");
                });
    }

    @Test
    void internalMethodsAreNotServed() {
        final AuthServiceBlockingStub stub = grpcClient(
                                                                   AuthServiceBlockingStub.class);
        assertThatThrownBy(() -> stub.watchRevocations(WatchRevocationsRequest.getDefaultInstance()).hasNext())
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
    }

    @Test
    void serverStreamIsForwardedAsAStream() {
        final var stub = grpcClient(
                                               StorageServiceGrpc.StorageServiceBlockingStub.class);
        final Iterator<DownloadFileResponse> parts = stub.downloadFile(
                DownloadFileRequest.newBuilder().setName("files/" + UUID.randomUUID()).build());

        assertThat(parts.next().getInfo().getFilename()).isEqualTo("report.pdf");
        int chunks = 0;
        while (parts.hasNext()) {
            final ByteString data = parts.next().getData();
            assertThat(data.size()).isEqualTo(1024);
            assertThat(data.byteAt(0)).isEqualTo((byte) chunks);
            chunks++;
        }
        assertThat(chunks).isEqualTo(TestStorageService.CHUNKS);
    }

    @Test
    void clientStreamIsForwardedAsAStream() throws Exception {
        final var stub = grpcClient(
                                               StorageServiceGrpc.StorageServiceStub.class);
        final CompletableFuture<UploadFileResponse> answer = new CompletableFuture<>();
        final StreamObserver<UploadFileRequest> upload = stub.uploadFile(new StreamObserver<>() {
            @Override
            public void onNext(UploadFileResponse value) {
                answer.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                answer.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
            }
        });
        upload.onNext(UploadFileRequest.newBuilder()
                                       .setMetadata(UploadMetadata.newBuilder()
                                                                  .setFile(File.newBuilder().setFilename("notes.txt")))
                                       .build());
        // 20 MiB in all: longer than the gateway's limit for a whole request, which bounds REST bodies only
        final ByteString chunk = ByteString.copyFrom(new byte[1024 * 1024]);
        for (int i = 0; i < 20; i++) {
            upload.onNext(UploadFileRequest.newBuilder().setData(chunk).build());
        }
        upload.onCompleted();

        final File file = answer.get(30, TimeUnit.SECONDS).getFile();
        assertThat(file.getFilename()).isEqualTo("notes.txt");
        assertThat(file.getSizeBytes()).isEqualTo(20 * 1024 * 1024);
    }

    @Test
    void longServerStreamIsNotCutShort() {
        final var stub = GrpcClients.builder("http://127.0.0.1:" + gateway.port())
                                    .addHeader("authorization", TestAuthService.BEARER)
                                    .maxResponseLength(0)
                                    .build(StorageServiceGrpc.StorageServiceBlockingStub.class);
        final Iterator<DownloadFileResponse> parts = stub.downloadFile(
                DownloadFileRequest.newBuilder().setName("files/" + UUID.randomUUID())
                                   .setReadLimit(20 * 1024 * 1024).build());

        long bytes = 0;
        while (parts.hasNext()) {
            bytes += parts.next().getData().size();
        }
        assertThat(bytes).isEqualTo(20 * 1024 * 1024);
    }

    // --- docs, metrics ---

    @Test
    void docsListEveryApi() throws Exception {
        final AggregatedHttpResponse response = get("/docs/specification.json");

        assertThat(response.status().code()).isEqualTo(200);
        assertThat(response.contentUtf8())
                .contains("sextant.auth.v1.AuthService", "sextant.users.v1.UsersService",
                          "sextant.notification.v1.NotificationService", "sextant.storage.v1.StorageService",
                          "sextant.monitoring.v1.MonitoringService", "/v1/auth/login");
    }

    @Test
    void metricsCountForwardedCalls() throws Exception {
        post("/v1/auth/login", "{\"username\": \"alice\", \"password\": \"correct horse battery\"}");

        // the public port has no metrics: they are on the management port, on loopback
        assertError(get("/metrics"), 404, "NOT_FOUND");
        final AggregatedHttpResponse response =
                WebClient.of("http://127.0.0.1:" + gateway.metricsPort()).blocking().get("/metrics");
        assertThat(response.status().code()).isEqualTo(200);
        assertThat(response.contentUtf8())
                .contains("grpc_server_handled_total{grpc_service=\"sextant.auth.v1.AuthService\",grpc_method=\"Login\"");
    }

    // --- what every REST answer carries, and what it does not ---

    @Test
    void restAnswersAreNeverStoredByACache() {
        final List<AggregatedHttpResponse> answers = List.of(
                post("/v1/auth/login", LOGIN),
                get("/v1/auth/validate"),
                get("/v1/auth/me"),
                post("/v1/auth/login", "{\"username\": \"alice\", \"password\": \"wrong password\"}"),
                get("/v1/no-such-thing"));
        for (AggregatedHttpResponse answer : answers) {
            assertThat(answer.headers().get("cache-control")).as(answer.contentUtf8()).isEqualTo("no-store");
            assertThat(answer.headers().get("pragma")).as(answer.contentUtf8()).isEqualTo("no-cache");
        }
        // a route that sets its own keeps it: health's is no-store as well
        assertThat(get("/health").headers().get("cache-control")).isEqualTo("no-store");
    }

    @Test
    void apiAnswersHaveAStrictContentSecurityPolicy() {
        for (AggregatedHttpResponse answer : List.of(post("/v1/auth/login", LOGIN), get("/v1/no-such-thing"))) {
            assertThat(answer.headers().get("content-security-policy"))
                    .isEqualTo("default-src 'none'; frame-ancestors 'none'");
        }
    }

    @Test
    void docsPageHasAContentSecurityPolicyThatAllowsWhatItLoads() {
        final AggregatedHttpResponse page = get("/docs/");
        assertThat(page.status().code()).isEqualTo(200);
        final String policy = page.headers().get("content-security-policy");
        assertThat(policy).contains("default-src 'self'", "script-src 'self'", "connect-src 'self'",
                                    "object-src 'none'", "frame-ancestors 'none'")
                          .doesNotContain("unsafe-eval");
        // the page's own scripts come from its origin (no inline script, which the policy would block)
        final String html = page.contentUtf8();
        final java.util.regex.Matcher scripts = java.util.regex.Pattern.compile("<script([^>]*)>").matcher(html);
        int count = 0;
        while (scripts.find()) {
            assertThat(scripts.group(1)).contains("src=\"").doesNotContain("src=\"http", "src=\"//");
            final String source = scripts.group(1).replaceAll(".*src=\"([^\"]+)\".*", "$1");
            final AggregatedHttpResponse script = get("/docs/" + source);
            assertThat(script.status().code()).as(source).isEqualTo(200);
            assertThat(script.headers().get("content-security-policy")).isEqualTo(policy);
            count++;
        }
        assertThat(count).isPositive();
    }

    @Test
    void restAnswersCarryNoGrpcOrServerHeaders() {
        for (AggregatedHttpResponse answer : List.of(post("/v1/auth/login", LOGIN), get("/v1/auth/me"),
                                                     get("/v1/notifications"), get("/health"), get("/docs/"))) {
            final List<String> names = new ArrayList<>();
            answer.headers().names().forEach(name -> names.add(name.toString()));
            answer.trailers().names().forEach(name -> names.add(name.toString()));
            assertThat(names).as(answer.headers().toString())
                             .noneMatch(name -> name.startsWith("grpc-") || name.startsWith("armeria-"))
                             .doesNotContain("server");
        }
    }

    @Test
    void grpcAnswersKeepTheirGrpcHeadersButNoServerHeader() {
        final AggregatedHttpResponse answer = http.blocking().execute(
                RequestHeaders.builder(HttpMethod.POST, "/sextant.auth.v1.AuthService/Login")
                              .contentType(GrpcSerializationFormats.PROTO_WEB.mediaType()).build(),
                grpcWebFrame(login(TestAuthService.PASSWORD).toByteArray()));
        assertThat(answer.status().code()).isEqualTo(200);
        assertThat(answer.headers().contains("server")).isFalse();
        // gRPC-Web puts the trailers into the body: grpc-status is there
        assertThat(answer.content().toStringAscii()).contains("grpc-status: 0");
        assertThat(answer.headers().get("grpc-encoding")).isNotNull();
    }

    @Test
    void bodyFollowedByMoreThanOneJsonValueIs400() throws Exception {
        for (String body : List.of(LOGIN + " xx", LOGIN + " {}", LOGIN + LOGIN, "\"alice\" \"x\"")) {
            final JsonNode error = assertError(post("/v1/auth/login", body), 400, "INVALID_ARGUMENT");
            assertThat(error.get("message").asText()).as(body).contains("one JSON value");
        }
        // whitespace after the value is fine
        assertThat(post("/v1/auth/login", LOGIN + " \n\t ").status().code()).isEqualTo(200);
    }

    @Test
    void numberOrBooleanForAStringFieldIs400NamingTheField() throws Exception {
        for (String username : List.of("123", "true", "1.5", "[\"alice\"]")) {
            final JsonNode error = assertError(
                    post("/v1/auth/login", "{\"username\": " + username + ", \"password\": \"correct horse battery\"}"),
                    400, "INVALID_ARGUMENT");
            assertThat(error.get("message").asText()).as(username).contains("username");
            assertThat(error.at("/details/field_violations/0/field").asText()).isEqualTo("username");
        }
        // null is the field's default, as ProtoJSON says: here an empty username, which validation refuses
        final JsonNode empty = assertError(post("/v1/auth/login", "{\"username\": null, \"password\": \"x\"}"),
                                           400, "INVALID_ARGUMENT");
        assertThat(empty.at("/details/domain").asText()).isEqualTo("auth.sextant.io");
    }

    // --- helpers ---

    private static final String LOGIN = "{\"username\": \"alice\", \"password\": \"correct horse battery\"}";

    /** One gRPC-Web data frame: a flag byte, the length, the message. */
    private static byte[] grpcWebFrame(byte[] message) {
        final byte[] frame = new byte[5 + message.length];
        frame[1] = (byte) (message.length >>> 24);
        frame[2] = (byte) (message.length >>> 16);
        frame[3] = (byte) (message.length >>> 8);
        frame[4] = (byte) message.length;
        System.arraycopy(message, 0, frame, 5, message.length);
        return frame;
    }

    private static AggregatedHttpResponse get(String path) {
        return http.blocking().get(path);
    }

    private static AggregatedHttpResponse post(String path, String json) {
        // not prepare().post(path): it would take ':change' in '/password:change' for a path parameter
        return http.blocking().execute(RequestHeaders.builder(HttpMethod.POST, path)
                                                     .contentType(MediaType.JSON_UTF_8).build(), json);
    }

    /** Checks the status and the whole shape of the REST error body; returns the body. */
    static JsonNode assertError(AggregatedHttpResponse response, int status, String error) throws Exception {
        assertThat(response.status().code()).as(response.contentUtf8()).isEqualTo(status);
        assertThat(response.contentType()).isNotNull();
        assertThat(response.contentType().isJson()).isTrue();
        final JsonNode body = JSON.readTree(response.contentUtf8());
        assertThat(names(body)).containsExactlyInAnyOrder("error", "message", "details", "timestamp", "trace_id");
        assertThat(body.get("error").asText()).isEqualTo(error);
        assertThat(body.get("message").asText()).isNotBlank();
        assertThat(body.get("details").isObject()).isTrue();
        assertThat(Instant.parse(body.get("timestamp").asText())).isBefore(Instant.now().plusSeconds(1));
        assertThat(body.get("trace_id").asText()).matches("[0-9a-f]{32}");
        assertThat(body.toString()).doesNotContain("\tat ", "Exception");
        assertThat(response.headers().get("x-request-id")).isNotBlank();
        return body;
    }

    /** The grpc-timeout header (digits and a unit: n, u, m, S, M, H) in milliseconds. */
    private static long grpcTimeoutMillis(RequestHeaders headers) {
        final String value = headers.get("grpc-timeout");
        assertThat(value).isNotNull();
        final long amount = Long.parseLong(value.substring(0, value.length() - 1));
        return switch (value.charAt(value.length() - 1)) {
            case 'n' -> TimeUnit.NANOSECONDS.toMillis(amount);
            case 'u' -> TimeUnit.MICROSECONDS.toMillis(amount);
            case 'm' -> amount;
            case 'S' -> TimeUnit.SECONDS.toMillis(amount);
            case 'M' -> TimeUnit.MINUTES.toMillis(amount);
            case 'H' -> TimeUnit.HOURS.toMillis(amount);
            default -> throw new AssertionError("not a grpc-timeout: " + value);
        };
    }

    private static List<String> names(JsonNode node) {
        final List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static LoginRequest login(String password) {
        return LoginRequest.newBuilder().setUsername(TestAuthService.USERNAME).setPassword(password).build();
    }

    private static String reason(StatusRuntimeException e) {
        final com.google.rpc.Status status = StatusProto.fromThrowable(e);
        assertThat(status).isNotNull();
        return status.getDetailsList().stream()
                     .filter(detail -> detail.is(ErrorInfo.class))
                     .map(detail -> {
                         try {
                             return detail.unpack(ErrorInfo.class).getReason();
                         } catch (Exception ex) {
                             throw new AssertionError(ex);
                         }
                     })
                     .findFirst().orElseThrow();
    }
}
