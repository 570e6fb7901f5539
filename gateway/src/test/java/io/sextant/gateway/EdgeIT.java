package io.sextant.gateway;

import static io.sextant.gateway.GatewayIT.assertError;
import static io.sextant.platform.testing.GrpcErrors.errorInfo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.grpc.GrpcClientBuilder;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.common.grpc.GrpcSerializationFormats;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.sextant.auth.v1.AuthServiceGrpc.AuthServiceBlockingStub;
import io.sextant.auth.v1.ValidateTokenRequest;
import io.sextant.platform.db.DbConfig;
import io.sextant.platform.server.SextantServer;
import io.sextant.platform.testing.Poll;
import io.sextant.platform.testing.TestKeys;
import io.sextant.platform.testing.TestPostgres;

/**
 * The gateway at the edge: tokens checked before a call leaves it, rate limits, CORS, size limits,
 * security headers, TLS and the access log, against a real auth stand-in that counts what reaches it.
 */
class EdgeIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LOGIN = "{\"username\": \"alice\", \"password\": \"correct horse battery\"}";

    private static final TestAuthService authService = new TestAuthService();
    private static SextantServer auth;

    @BeforeAll
    static void start() {
        auth = TestMesh.startService("auth", authService);
    }

    @AfterAll
    static void stop() {
        TestMesh.closeAll(auth);
    }

    private static SextantServer gateway(Map<String, String> settings) {
        return TestMesh.startGateway(Map.of("auth", TestMesh.target(auth)), settings);
    }

    private static WebClient client(SextantServer gateway) {
        return WebClient.builder("http://127.0.0.1:" + gateway.port()).responseTimeout(Duration.ofSeconds(10)).build();
    }

    private static AggregatedHttpResponse validate(WebClient client, String authorization) {
        final RequestHeadersBuilder headers = RequestHeaders.builder(HttpMethod.GET, "/v1/auth/validate");
        if (authorization != null) {
            headers.add("authorization", authorization);
        }
        return client.blocking().execute(headers.build());
    }

    private static AggregatedHttpResponse login(WebClient client) {
        return client.blocking().prepare().post("/v1/auth/login").content(MediaType.JSON_UTF_8, LOGIN).execute();
    }

    @Test
    void callsWithoutAValidTokenNeverReachTheBackend() throws Exception {
        final SextantServer gateway = gateway(Map.of("RATE_LIMIT_USER", "off"));
        try {
            final WebClient client = client(gateway);
            final TestKeys impostor = TestKeys.generate(TestAuthService.KEYS.kid()); // same kid, another key
            final String expired = TestAuthService.KEYS.sign(TestAuthService.KEYS.userToken("user-1")
                    .withIssuedAt(Instant.now().minusSeconds(3600)).withExpiresAt(Instant.now().minusSeconds(60)));
            final String unsigned = TestKeys.base64Url("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "."
                                    + TestKeys.base64Url("{\"sub\":\"admin\",\"permissions\":[\"*\"]}") + ".";
            final int before = authService.validateCalls.get();

            assertError(validate(client, null), 401, "TOKEN_MISSING");
            assertError(validate(client, "Bearer " + impostor.token("user-1")), 401, "TOKEN_INVALID");
            assertError(validate(client, "Bearer " + expired), 401, "TOKEN_EXPIRED");
            assertError(validate(client, "Bearer " + unsigned), 401, "TOKEN_INVALID");
            assertError(validate(client, "Bearer not.a.jwt"), 401, "TOKEN_INVALID");
            assertError(validate(client, "Basic YWxpY2U6c2VjcmV0"), 401, "TOKEN_INVALID");
            final AuthServiceBlockingStub grpc = GrpcClients.builder("http://127.0.0.1:" + gateway.port())
                                                            .addHeader("authorization", "Bearer " + impostor.token("u"))
                                                            .build(AuthServiceBlockingStub.class);
            assertThatThrownBy(() -> grpc.validateToken(ValidateTokenRequest.getDefaultInstance()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
            assertThat(authService.validateCalls.get()).as("calls that reached auth").isEqualTo(before);

            assertThat(validate(client, TestAuthService.BEARER).status().code()).isEqualTo(200);
            assertThat(authService.validateCalls.get()).isEqualTo(before + 1);
        } finally {
            TestMesh.closeAll(gateway);
        }
    }

    @Test
    void aTokenOfAKeyAuthHasJustRotatedToIsAcceptedWithinASecond() {
        final SextantServer gateway = gateway(Map.of());
        try {
            final WebClient client = client(gateway);
            assertThat(validate(client, TestAuthService.BEARER).status().code()).isEqualTo(200);
            final TestKeys rotated = TestKeys.generate("rotated-" + System.nanoTime());
            authService.rotatedKeys.add(rotated.jwk());
            // fetched on demand (at most once a second), not at the next five-minute refresh
            final String token = "Bearer " + rotated.token("user-3");
            Poll.until(() -> assertThat(validate(client, token).status().code()).isEqualTo(200));
        } finally {
            authService.rotatedKeys.clear();
            TestMesh.closeAll(gateway);
        }
    }

    @Test
    void publicRoutesNeedNoTokenAndIgnoreAStaleOne() {
        final SextantServer gateway = gateway(Map.of("RATE_LIMIT_AUTH", "off"));
        try {
            final WebClient client = client(gateway);
            assertThat(login(client).status().code()).isEqualTo(200);
            final AggregatedHttpResponse stale = client.blocking().execute(
                    RequestHeaders.builder(HttpMethod.POST, "/v1/auth/login").contentType(MediaType.JSON_UTF_8)
                                  .add("authorization", "Bearer expired.or.forged").build(), LOGIN);
            assertThat(stale.status().code()).isEqualTo(200);
            assertThat(client.blocking().get("/.well-known/jwks.json").status().code()).isEqualTo(200);
            assertThat(client.blocking().get("/health").status().code()).isIn(200, 503);
            assertThat(client.blocking().get("/docs/").status().code()).isEqualTo(200);
        } finally {
            TestMesh.closeAll(gateway);
        }
    }

    @Test
    void twoAuthorizationHeadersAreRefusedWhateverTheirOrder() throws Exception {
        final SextantServer gateway = gateway(Map.of("RATE_LIMIT_USER", "off", "RATE_LIMIT_AUTH", "off"));
        try {
            final WebClient client = client(gateway);
            final String forged = "Bearer " + TestKeys.generate(TestAuthService.KEYS.kid()).token("admin");
            final int before = authService.validateCalls.get();
            for (List<String> pair : List.of(List.of(TestAuthService.BEARER, forged),
                                             List.of(forged, TestAuthService.BEARER),
                                             List.of(TestAuthService.BEARER, TestAuthService.BEARER))) {
                final RequestHeadersBuilder headers = RequestHeaders.builder(HttpMethod.GET, "/v1/auth/validate");
                pair.forEach(value -> headers.add("authorization", value));
                final JsonNode body = assertError(client.blocking().execute(headers.build()), 401,
                                                  "MULTIPLE_AUTHORIZATION_HEADERS");
                assertThat(body.get("message").asText()).contains("exactly one");

                // HTTP/1.1 as curl sends it, the two header lines as they are
                assertThat(rawHttp1(gateway, "GET /v1/auth/validate HTTP/1.1\r\nHost: localhost\r\n"
                                             + "Authorization: " + pair.get(0) + "\r\nAuthorization: " + pair.get(1)
                                             + "\r\nConnection: close\r\n\r\n"))
                        .startsWith("HTTP/1.1 401").contains("MULTIPLE_AUTHORIZATION_HEADERS");

                // a public route too: which of the two would the backend read?
                final RequestHeadersBuilder login = RequestHeaders.builder(HttpMethod.POST, "/v1/auth/login")
                                                                  .contentType(MediaType.JSON_UTF_8);
                pair.forEach(value -> login.add("authorization", value));
                assertError(client.blocking().execute(login.build(), LOGIN), 401, "MULTIPLE_AUTHORIZATION_HEADERS");

                for (boolean web : List.of(false, true)) {
                    final GrpcClientBuilder grpc = web ? GrpcClients.builder(SessionProtocol.H1C,
                                                               Endpoint.of("127.0.0.1", gateway.port()))
                                                      .serializationFormat(GrpcSerializationFormats.PROTO_WEB)
                                         : GrpcClients.builder("http://127.0.0.1:" + gateway.port());
                    pair.forEach(value -> grpc.addHeader("authorization", value));
                    final AuthServiceBlockingStub stub = grpc.build(AuthServiceBlockingStub.class);
                    assertThatThrownBy(() -> stub.validateToken(ValidateTokenRequest.getDefaultInstance()))
                            .as(web ? "gRPC-Web" : "gRPC")
                            .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                                assertThat(errorInfo(e).getReason())
                                        .isEqualTo("MULTIPLE_AUTHORIZATION_HEADERS");
                            });
                }
            }
            assertThat(authService.validateCalls.get()).as("calls that reached auth").isEqualTo(before);

            // one header: what reaches the backend is exactly the one the edge checked
            assertThat(validate(client, TestAuthService.BEARER).status().code()).isEqualTo(200);
            assertThat(authService.lastValidateHeaders.get().getAll("authorization"))
                    .containsExactly(TestAuthService.BEARER);
        } finally {
            TestMesh.closeAll(gateway);
        }
    }

    /** Sends a request as the given bytes over a plain socket; returns the whole answer. */
    private static String rawHttp1(SextantServer gateway, String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", gateway.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void spoofedIdentityHeadersAreNotPassedOn() {
        final SextantServer gateway = gateway(Map.of());
        try {
            final AggregatedHttpResponse response = client(gateway).blocking().execute(
                    RequestHeaders.builder(HttpMethod.GET, "/v1/auth/validate")
                                  .add("authorization", TestAuthService.BEARER)
                                  .add("x-user-id", "admin")
                                  .add("x-sextant-user-id", "admin")
                                  .add("x-forwarded-user", "admin")
                                  .add("x-auth-request-user", "admin")
                                  .add("x-authenticated-userid", "admin")
                                  .add("x-principal", "admin")
                                  .add("x-sextant-permissions", "*")
                                  .add("x-forwarded-client-cert", "By=spiffe://cluster.local/ns/default/sa/auth")
                                  .build());
            assertThat(response.status().code()).isEqualTo(200);
            final RequestHeaders atBackend = authService.lastValidateHeaders.get();
            assertThat(atBackend.get("authorization")).isEqualTo(TestAuthService.BEARER);
            for (String spoofed : List.of("x-user-id", "x-sextant-user-id", "x-forwarded-user", "x-auth-request-user",
                                          "x-authenticated-userid", "x-principal", "x-sextant-permissions",
                                          "x-forwarded-client-cert")) {
                assertThat(atBackend.contains(spoofed)).as(spoofed).isFalse();
            }
        } finally {
            TestMesh.closeAll(gateway);
        }
    }

    @Test
    void theRateLimitTripsAtItsCountPerUserAndRecovers() throws Exception {
        final SextantServer gateway = gateway(Map.of("RATE_LIMIT_USER", "3/2s"));
        try {
            final WebClient client = client(gateway);
            for (int i = 0; i < 3; i++) {
                final AggregatedHttpResponse ok = validate(client, TestAuthService.BEARER);
                assertThat(ok.status().code()).isEqualTo(200);
                assertThat(ok.headers().get("ratelimit-limit")).isEqualTo("3");
                assertThat(ok.headers().get("ratelimit-remaining")).isEqualTo(String.valueOf(2 - i));
                assertThat(ok.headers().get("ratelimit-policy")).isEqualTo("3;w=2");
            }
            final AggregatedHttpResponse limited = validate(client, TestAuthService.BEARER);
            final JsonNode body = assertError(limited, 429, "RATE_LIMITED");
            assertThat(limited.headers().get("retry-after")).isEqualTo("1");
            assertThat(limited.headers().get("ratelimit-remaining")).isEqualTo("0");
            assertThat(body.at("/details/metadata/limit").asText()).isEqualTo("3");

            // another user has a bucket of their own
            final String bob = "Bearer " + TestAuthService.KEYS.token("user-2");
            assertThat(validate(client, bob).status().code()).isEqualTo(200);
            // and alice's refills
            Poll.until(() -> assertThat(validate(client, TestAuthService.BEARER).status().code()).isEqualTo(200));
        } finally {
            TestMesh.closeAll(gateway);
        }
    }

    @Test
    void loginIsLimitedPerClientAddressWhateverTheToken() throws Exception {
        final SextantServer gateway = gateway(Map.of("RATE_LIMIT_AUTH", "2/1m"));
        try {
            final WebClient client = client(gateway);
            assertThat(login(client).status().code()).isEqualTo(200);
            assertThat(login(client).status().code()).isEqualTo(200);
            final AggregatedHttpResponse limited = login(client);
            assertError(limited, 429, "RATE_LIMITED");
            assertThat(Long.parseLong(limited.headers().get("retry-after"))).isBetween(1L, 60L);
            // other routes have their own limit
            assertThat(validate(client, TestAuthService.BEARER).status().code()).isEqualTo(200);
        } finally {
            TestMesh.closeAll(gateway);
        }
    }

    @Test
    void replicasShareTheirLimitsThroughPostgres() throws Exception {
        final DbConfig db = TestPostgres.newDatabase("gateway");
        final Map<String, String> settings = new HashMap<>(Map.of(
                "RATE_LIMIT_USER", "4/1m", "RATE_LIMIT_STORE", "postgres",
                "RATE_LIMIT_DB_URL", db.url(), "RATE_LIMIT_DB_USER", db.user()));
        if (!db.password().isEmpty()) {
            settings.put("RATE_LIMIT_DB_PASSWORD", db.password());
        }
        final SextantServer first = gateway(settings);
        final SextantServer second = gateway(settings);
        try {
            final String token = "Bearer " + TestAuthService.KEYS.token("user-shared");
            for (int i = 0; i < 4; i++) {
                final AggregatedHttpResponse ok = validate(client(i % 2 == 0 ? first : second), token);
                assertThat(ok.status().code()).as("call %d", i).isEqualTo(200);
                assertThat(ok.headers().get("ratelimit-remaining")).isEqualTo(String.valueOf(3 - i));
            }
            assertError(validate(client(first), token), 429, "RATE_LIMITED");
            assertError(validate(client(second), token), 429, "RATE_LIMITED");
        } finally {
            TestMesh.closeAll(first, second);
        }
    }

    @Test
    void corsPreflightFromAnAllowedOriginOnlyAndSecurityHeaders() {
        final SextantServer gateway = gateway(Map.of("CORS_ALLOWED_ORIGINS", "http://localhost:*,https://app.example.com"));
        try {
            final WebClient client = client(gateway);
            for (String origin : List.of("http://localhost:5173", "https://app.example.com")) {
                final AggregatedHttpResponse preflight = client.blocking().execute(
                        RequestHeaders.builder(HttpMethod.OPTIONS, "/v1/auth/validate")
                                      .add("origin", origin)
                                      .add("access-control-request-method", "GET")
                                      .add("access-control-request-headers", "authorization")
                                      .build());
                assertThat(preflight.status().code()).as(origin).isEqualTo(200);
                assertThat(preflight.headers().get("access-control-allow-origin")).isEqualTo(origin);
                assertThat(preflight.headers().get("access-control-allow-headers")).contains("authorization");
            }
            for (String origin : List.of("https://evil.example", "http://localhost.evil.example:80", "https://app.example.com.evil")) {
                final AggregatedHttpResponse refused = client.blocking().execute(
                        RequestHeaders.builder(HttpMethod.OPTIONS, "/v1/auth/validate")
                                      .add("origin", origin)
                                      .add("access-control-request-method", "GET")
                                      .build());
                assertThat(refused.status().code()).as(origin).isEqualTo(403);
                assertThat(refused.headers().get("access-control-allow-origin")).isNull();
            }
            final AggregatedHttpResponse actual = client.blocking().execute(
                    RequestHeaders.builder(HttpMethod.GET, "/v1/auth/validate")
                                  .add("origin", "http://localhost:3000")
                                  .add("authorization", TestAuthService.BEARER).build());
            assertThat(actual.status().code()).isEqualTo(200);
            assertThat(actual.headers().get("access-control-allow-origin")).isEqualTo("http://localhost:3000");
            assertThat(actual.headers().get("access-control-expose-headers")).contains("x-request-id");
            assertThat(actual.headers().get("x-content-type-options")).isEqualTo("nosniff");
            assertThat(actual.headers().get("x-request-id")).isNotBlank();
            assertThat(actual.headers().contains("strict-transport-security")).isFalse();
        } finally {
            TestMesh.closeAll(gateway);
        }
    }

    @Test
    void oversizeBodyIs413AndOversizeHeadersAre431() throws Exception {
        final SextantServer gateway = gateway(Map.of("MAX_REQUEST_BODY", "4096", "MAX_HEADER_SIZE", "4096"));
        try {
            // HTTP/1.1: an HTTP/2 client would refuse to send headers above the server's announced limit
            final WebClient client = WebClient.builder("h1c://127.0.0.1:" + gateway.port())
                                              .responseTimeout(Duration.ofSeconds(10)).build();
            final String big = "{\"username\": \"" + "a".repeat(5000) + "\", \"password\": \"x\"}";
            assertError(client.blocking().prepare().post("/v1/auth/login").content(MediaType.JSON_UTF_8, big).execute(),
                        413, "REQUEST_ENTITY_TOO_LARGE");
            final AggregatedHttpResponse headers = client.blocking().execute(
                    RequestHeaders.builder(HttpMethod.GET, "/v1/auth/validate")
                                  .add("authorization", TestAuthService.BEARER)
                                  .add("x-padding", "p".repeat(8000)).build());
            assertThat(headers.status().code()).isEqualTo(431);
        } finally {
            TestMesh.closeAll(gateway);
        }
    }

    @Test
    void tlsFromAConfiguredCertificateWithHsts(@TempDir Path dir) throws Exception {
        final Path[] pem = selfSignedPem(dir);
        final SextantServer gateway = gateway(Map.of("TLS_CERT_FILE", pem[0].toString(), "TLS_KEY_FILE", pem[1].toString()));
        try {
            final WebClient https = WebClient.builder("https://127.0.0.1:" + gateway.port())
                                             .factory(ClientFactory.insecure())
                                             .responseTimeout(Duration.ofSeconds(10)).build();
            final AggregatedHttpResponse response = validate(https, TestAuthService.BEARER);
            assertThat(response.status().code()).isEqualTo(200);
            assertThat(response.headers().get("strict-transport-security")).startsWith("max-age=");
            assertThat(response.headers().get("x-content-type-options")).isEqualTo("nosniff");
        } finally {
            TestMesh.closeAll(gateway);
        }
    }

    @Test
    void everyRequestHasOneAccessLogLineWithoutSecrets() throws Exception {
        final Logger logger = (Logger) LoggerFactory.getLogger("sextant.access");
        final ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        logger.addAppender(lines);
        final SextantServer gateway = gateway(Map.of());
        try {
            final AggregatedHttpResponse response = client(gateway).blocking().execute(
                    RequestHeaders.builder(HttpMethod.GET, "/v1/auth/validate")
                                  .add("authorization", TestAuthService.BEARER)
                                  .add("x-request-id", "access-log-42").build());
            assertThat(response.status().code()).isEqualTo(200);
            login(client(gateway));
            Poll.until(() -> assertThat(lines.list).hasSize(2));
            final ILoggingEvent validate = lines.list.get(0);
            final String line = validate.getFormattedMessage();
            assertThat(line).contains("method=GET", "route=sextant.auth.v1.AuthService/ValidateToken", "status=200",
                                      "user_id=user-1", "request_id=access-log-42", "trace_id=", "latency_ms=",
                                      "response_bytes=");
            for (ILoggingEvent event : lines.list) {
                assertThat(event.getFormattedMessage()).doesNotContain(TestAuthService.ALICE_TOKEN)
                                                       .doesNotContain("correct horse battery");
            }
        } finally {
            logger.detachAppender(lines);
            TestMesh.closeAll(gateway);
        }
    }

    /** A self-signed certificate and its key as PEM files, made with the JDK's keytool. */
    private static Path[] selfSignedPem(Path dir) throws Exception {
        final Path store = dir.resolve("tls.p12");
        final Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                                                   "-genkeypair", "-alias", "gateway", "-keyalg", "RSA", "-keysize", "2048",
                                                   "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
                                                   "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(),
                                                   "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        final String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(keytool.waitFor()).as(output).isZero();
        final KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(store)) {
            keyStore.load(in, "changeit".toCharArray());
        }
        final Certificate certificate = keyStore.getCertificate("gateway");
        final Key key = keyStore.getKey("gateway", "changeit".toCharArray());
        final Path cert = dir.resolve("tls.crt");
        final Path keyFile = dir.resolve("tls.key");
        write(cert, "CERTIFICATE", certificate.getEncoded());
        write(keyFile, "PRIVATE KEY", key.getEncoded());
        return new Path[] {cert, keyFile};
    }

    private static void write(Path file, String type, byte[] der) throws IOException {
        final String base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        Files.writeString(file, "-----BEGIN " + type + "-----\n" + base64 + "\n-----END " + type + "-----\n");
    }
}
