package io.sextant.notification.channel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.interfaces.DecodedJWT;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;

/**
 * FCM's HTTP v1 send API and Google's OAuth2 token endpoint as loopback servers speak them: the token
 * endpoint checks the RS256 assertion with the service account's public key, the send endpoint checks the
 * bearer token it granted.
 */
class FcmPushProviderIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String EMAIL = "sender@demo-project.iam.gserviceaccount.com";
    private static final HttpTimeouts FAST = new HttpTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2));

    private static final Set<String> grantedTokens = ConcurrentHashMap.newKeySet();
    private static final AtomicInteger tokensGranted = new AtomicInteger();
    private static KeyPair keys;
    private static StubServer google;

    @TempDir
    Path dir;

    private final TestClock clock = new TestClock(Instant.now());

    @BeforeAll
    static void start() throws NoSuchAlgorithmException {
        final KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        keys = generator.generateKeyPair();
        google = new StubServer(request -> {
            if (request.path().equals("/token")) {
                return grant(request);
            }
            if (request.path().equals("/refusing-token")) {
                return json(HttpStatus.BAD_REQUEST, "{\"error\":\"invalid_grant\",\"error_description\":\"Invalid JWT"
                                                    + " Signature.\"}");
            }
            if (request.path().equals("/v1/projects/demo-project/messages:send")) {
                return send(request);
            }
            return HttpResponse.of(HttpStatus.NOT_FOUND);
        });
    }

    @AfterAll
    static void stop() {
        google.close();
    }

    @BeforeEach
    void reset() {
        google.clear();
    }

    /** Google's token endpoint: the JWT bearer grant, checked as Google would. */
    private static HttpResponse grant(StubServer.Received request) {
        final Map<String, String> form = request.form();
        if (!"urn:ietf:params:oauth:grant-type:jwt-bearer".equals(form.get("grant_type"))) {
            return json(HttpStatus.BAD_REQUEST, "{\"error\":\"unsupported_grant_type\"}");
        }
        try {
            JWT.require(Algorithm.RSA256((RSAPublicKey) keys.getPublic(), null))
               .withIssuer(EMAIL)
               .withAudience(google.url("/token"))
               .withClaim("scope", FcmPushProvider.SCOPE)
               .acceptLeeway(Duration.ofHours(3).toSeconds()) // the tests move their clock
               .build()
               .verify(form.get("assertion"));
        } catch (JWTVerificationException e) {
            return json(HttpStatus.BAD_REQUEST, "{\"error\":\"invalid_grant\",\"error_description\":\"" + e.getMessage()
                                                + "\"}");
        }
        final String token = "ya29.token-" + tokensGranted.incrementAndGet();
        grantedTokens.add(token);
        return json(HttpStatus.OK, "{\"access_token\":\"" + token + "\",\"expires_in\":3599,\"token_type\":\"Bearer\"}");
    }

    /** FCM's messages:send: the device token says how it answers. */
    private static HttpResponse send(StubServer.Received request) {
        final String authorization = request.header("authorization");
        if (authorization == null || !grantedTokens.contains(authorization.substring("Bearer ".length()))) {
            return json(HttpStatus.UNAUTHORIZED, "{\"error\":{\"code\":401,\"message\":\"Request had invalid"
                                                 + " authentication credentials.\",\"status\":\"UNAUTHENTICATED\"}}");
        }
        final String device;
        try {
            device = JSON.readTree(request.body()).path("message").path("token").asText();
        } catch (IOException e) {
            return json(HttpStatus.BAD_REQUEST, "{}");
        }
        switch (device) {
            case "device-ok":
                return json(HttpStatus.OK, "{\"name\":\"projects/demo-project/messages/0:1500415314455276\"}");
            case "device-gone":
                return fcmError(HttpStatus.NOT_FOUND, "NOT_FOUND", "UNREGISTERED", "Requested entity was not found.");
            case "device-bad":
                return fcmError(HttpStatus.BAD_REQUEST, "INVALID_ARGUMENT", "INVALID_ARGUMENT",
                                "The registration token is not a valid FCM registration token");
            case "device-apns":
                return fcmError(HttpStatus.UNAUTHORIZED, "UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR",
                                "Auth error from APNS or Web Push Service");
            case "device-busy":
                return HttpResponse.of(ResponseHeaders.builder(HttpStatus.TOO_MANY_REQUESTS)
                                                      .contentType(MediaType.JSON_UTF_8).add("retry-after", "30").build(),
                                       HttpData.ofUtf8(errorBody(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED",
                                                                 "Quota exceeded")));
            case "device-down":
                return HttpResponse.of(ResponseHeaders.builder(HttpStatus.SERVICE_UNAVAILABLE)
                                                      .contentType(MediaType.JSON_UTF_8).add("retry-after", "5").build(),
                                       HttpData.ofUtf8(errorBody(503, "UNAVAILABLE", "UNAVAILABLE",
                                                                 "The service is currently unavailable.")));
            default:
                return json(HttpStatus.BAD_REQUEST, "{}");
        }
    }

    private static HttpResponse fcmError(HttpStatus status, String grpcStatus, String fcmCode, String message) {
        return json(status, errorBody(status.code(), grpcStatus, fcmCode, message));
    }

    private static String errorBody(int code, String grpcStatus, String fcmCode, String message) {
        return "{\"error\":{\"code\":" + code + ",\"message\":\"" + message + "\",\"status\":\"" + grpcStatus
               + "\",\"details\":[{\"@type\":\"type.googleapis.com/google.firebase.fcm.v1.FcmError\",\"errorCode\":\""
               + fcmCode + "\"}]}}";
    }

    private static HttpResponse json(HttpStatus status, String body) {
        return HttpResponse.of(status, MediaType.JSON_UTF_8, body);
    }

    /** A service account key file as the Cloud console downloads it, its token_uri the loopback endpoint. */
    private Path keyFile(String tokenPath) throws IOException {
        final String pem = "-----BEGIN PRIVATE KEY-----\n"
                           + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(keys.getPrivate().getEncoded())
                           + "\n-----END PRIVATE KEY-----\n";
        final ObjectNode key = JSON.createObjectNode();
        key.put("type", "service_account");
        key.put("project_id", "demo-project");
        key.put("private_key_id", "key-1");
        key.put("private_key", pem);
        key.put("client_email", EMAIL);
        key.put("client_id", "1234567890");
        key.put("token_uri", google.url(tokenPath));
        final Path file = dir.resolve("service-account.json");
        Files.writeString(file, JSON.writeValueAsString(key));
        return file;
    }

    private FcmPushProvider provider(String tokenPath) throws IOException {
        final GoogleServiceAccount account = GoogleServiceAccount.read(keyFile(tokenPath));
        return new FcmPushProvider(new FcmPushProvider.Settings("fcm", URI.create(google.url("")), "demo-project",
                                                                account, account.tokenUri(), FAST), clock);
    }

    private static Message push(String device) {
        return new Message(UUID.randomUUID(), device, "Hello", "World", "", "news", Map.of());
    }

    @Test
    void obtainsATokenWithASignedAssertionThenSendsTheV1Message() throws IOException {
        final Message message = push("device-ok");
        try (FcmPushProvider provider = provider("/token")) {
            assertThat(provider.deliver(message))
                    .isEqualTo(new Outcome.Sent("projects/demo-project/messages/0:1500415314455276"));
        }
        final StubServer.Received tokenRequest = google.take();
        assertThat(tokenRequest.path()).isEqualTo("/token");
        assertThat(tokenRequest.header("content-type")).startsWith("application/x-www-form-urlencoded");
        final DecodedJWT assertion = JWT.decode(tokenRequest.form().get("assertion"));
        assertThat(assertion.getAlgorithm()).isEqualTo("RS256");
        assertThat(assertion.getKeyId()).isEqualTo("key-1");
        assertThat(Duration.between(assertion.getIssuedAtAsInstant(), assertion.getExpiresAtAsInstant()))
                .isEqualTo(Duration.ofHours(1));

        final StubServer.Received send = google.take();
        assertThat(send.headers().method().name()).isEqualTo("POST");
        assertThat(send.path()).isEqualTo("/v1/projects/demo-project/messages:send");
        assertThat(send.header("authorization")).isEqualTo("Bearer ya29.token-" + tokensGranted.get());
        assertThat(send.header("content-type")).startsWith("application/json");
        final JsonNode expected = JSON.readTree(
                "{\"message\":{\"token\":\"device-ok\",\"notification\":{\"title\":\"Hello\",\"body\":\"World\"},"
                + "\"data\":{\"notification_id\":\"" + message.id() + "\",\"category\":\"news\"}}}");
        assertThat(JSON.readTree(send.body())).isEqualTo(expected);
    }

    @Test
    void theTokenIsKeptUntilFiveMinutesBeforeItExpires() throws IOException {
        try (FcmPushProvider provider = provider("/token")) {
            final int before = tokensGranted.get();
            assertThat(provider.deliver(push("device-ok"))).isInstanceOf(Outcome.Sent.class);
            assertThat(provider.deliver(push("device-ok"))).isInstanceOf(Outcome.Sent.class);
            assertThat(tokensGranted.get()).isEqualTo(before + 1);

            clock.advance(Duration.ofSeconds(3599 - 300 - 1));
            assertThat(provider.deliver(push("device-ok"))).isInstanceOf(Outcome.Sent.class);
            assertThat(tokensGranted.get()).isEqualTo(before + 1);

            clock.advance(Duration.ofSeconds(2));
            assertThat(provider.deliver(push("device-ok"))).isInstanceOf(Outcome.Sent.class);
            assertThat(tokensGranted.get()).isEqualTo(before + 2);
        }
    }

    @Test
    void messagesSentAtOnceShareOneTokenRequest() throws Exception {
        final ExecutorService threads = Executors.newFixedThreadPool(8);
        try (FcmPushProvider provider = provider("/token")) {
            final int before = tokensGranted.get();
            final List<Future<Outcome>> sends = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                sends.add(threads.submit(() -> provider.deliver(push("device-ok"))));
            }
            for (Future<Outcome> send : sends) {
                assertThat(send.get(20, TimeUnit.SECONDS)).isInstanceOf(Outcome.Sent.class);
            }
            assertThat(tokensGranted.get()).isEqualTo(before + 1);
        } finally {
            threads.shutdown();
        }
    }

    @Test
    void aTokenFcmNoLongerAcceptsIsReplacedAndTheSendTriedOnceMore() throws IOException {
        try (FcmPushProvider provider = provider("/token")) {
            assertThat(provider.deliver(push("device-ok"))).isInstanceOf(Outcome.Sent.class);
            final int before = tokensGranted.get();
            grantedTokens.clear(); // revoked at Google's end

            assertThat(provider.deliver(push("device-ok"))).isInstanceOf(Outcome.Sent.class);
            assertThat(tokensGranted.get()).isEqualTo(before + 1);
        }
    }

    @Test
    void anUnregisteredOrInvalidDeviceTokenIsPermanent() throws IOException {
        try (FcmPushProvider provider = provider("/token")) {
            final Outcome gone = provider.deliver(push("device-gone"));
            assertThat(gone).isInstanceOf(Outcome.Permanent.class);
            assertThat(gone.detail()).isEqualTo("fcm: 404 UNREGISTERED Requested entity was not found.");

            final Outcome bad = provider.deliver(push("device-bad"));
            assertThat(bad).isInstanceOf(Outcome.Permanent.class);
            assertThat(bad.detail()).startsWith("fcm: 400 INVALID_ARGUMENT");
        }
    }

    @Test
    void quotaAndUnavailabilityAreRetryableAfterTheServersRetryAfter() throws IOException {
        try (FcmPushProvider provider = provider("/token")) {
            assertThat(provider.deliver(push("device-busy")))
                    .isEqualTo(new Outcome.Retryable("fcm: 429 QUOTA_EXCEEDED Quota exceeded", Duration.ofSeconds(30)));
            assertThat(provider.deliver(push("device-down")))
                    .isEqualTo(new Outcome.Retryable("fcm: 503 UNAVAILABLE The service is currently unavailable.",
                                                     Duration.ofSeconds(5)));
        }
    }

    @Test
    void aThirdPartyAuthErrorIsTheProvidersFaultAndKeepsTheToken() throws IOException {
        try (FcmPushProvider provider = provider("/token")) {
            assertThat(provider.deliver(push("device-ok"))).isInstanceOf(Outcome.Sent.class);
            final int before = tokensGranted.get();

            final Outcome outcome = provider.deliver(push("device-apns"));

            assertThat(outcome).isInstanceOf(Outcome.Retryable.class);
            assertThat(outcome.detail()).startsWith("fcm: 401 THIRD_PARTY_AUTH_ERROR").contains("credentials");
            assertThat(tokensGranted.get()).isEqualTo(before);
        }
    }

    @Test
    void aRefusedGrantIsRetryableAndSaysTheCredentialsAreAtFault() throws IOException {
        try (FcmPushProvider provider = provider("/refusing-token")) {
            final Outcome outcome = provider.deliver(push("device-ok"));

            assertThat(outcome).isInstanceOf(Outcome.Retryable.class);
            assertThat(outcome.detail()).startsWith("fcm: no access token: the token endpoint answered 400 invalid_grant")
                                        .contains("credentials");
        }
        assertThat(google.take().path()).isEqualTo("/refusing-token");
        assertThat(google.pending()).isZero();
    }

    @Test
    void anUnreachableFcmIsRetryable() throws IOException {
        final GoogleServiceAccount account = GoogleServiceAccount.read(keyFile("/token"));
        final FcmPushProvider.Settings settings = new FcmPushProvider.Settings(
                "fcm", URI.create("http://127.0.0.1:" + StubServer.closedPort()), "demo-project", account,
                account.tokenUri(), FAST);
        try (FcmPushProvider provider = new FcmPushProvider(settings, clock)) {
            final Outcome outcome = provider.deliver(push("device-ok"));

            assertThat(outcome).isInstanceOf(Outcome.Retryable.class);
            assertThat(outcome.detail()).startsWith("fcm: ");
        }
    }
}
