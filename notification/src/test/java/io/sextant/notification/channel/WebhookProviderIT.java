package io.sextant.notification.channel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;

/** Webhook deliveries to a real receiver on loopback, signed per Standard Webhooks, and the SSRF guard. */
class WebhookProviderIT {

    private static final String SECRET = "whsec_" + Base64.getEncoder().encodeToString(
            "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII));
    private static final String OLD_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final HttpTimeouts FAST = new HttpTimeouts(Duration.ofSeconds(2), Duration.ofMillis(500));
    private static final AddressPolicy LOOPBACK_V4 = AddressPolicy.parse("127.0.0.0/8");

    private static StubServer receiver;

    private final TestClock clock = new TestClock(Instant.ofEpochSecond(1_700_000_000L));

    @BeforeAll
    static void start() {
        receiver = new StubServer(request -> {
            switch (request.path()) {
                case "/hook": return HttpResponse.of(HttpStatus.NO_CONTENT);
                case "/gone": return HttpResponse.of(HttpStatus.GONE);
                case "/bad": return HttpResponse.of(HttpStatus.UNPROCESSABLE_ENTITY, MediaType.PLAIN_TEXT_UTF_8,
                                                    "unknown event type");
                case "/deploying": return HttpResponse.of(HttpStatus.NOT_FOUND);
                case "/broken": return HttpResponse.of(HttpStatus.BAD_GATEWAY);
                case "/busy":
                    return HttpResponse.of(ResponseHeaders.builder(HttpStatus.TOO_MANY_REQUESTS)
                                                          .add("retry-after", "60").build());
                case "/moved":
                    return HttpResponse.of(ResponseHeaders.builder(HttpStatus.FOUND)
                                                          .add("location", receiver.url("/hook")).build());
                case "/huge":
                    return HttpResponse.of(ResponseHeaders.of(HttpStatus.OK),
                                           HttpData.ofUtf8("y".repeat(8 * 1024 * 1024)));
                case "/hang": return HttpResponse.delayed(HttpResponse.of(HttpStatus.OK), Duration.ofSeconds(20));
                default: return HttpResponse.of(HttpStatus.INTERNAL_SERVER_ERROR);
            }
        });
    }

    @AfterAll
    static void stop() {
        receiver.close();
    }

    @BeforeEach
    void reset() {
        receiver.clear();
    }

    private WebhookProvider provider(List<String> secrets, boolean allowHttp, AddressPolicy addresses) {
        return new WebhookProvider(new WebhookProvider.Settings(
                secrets.stream().map(WebhookProvider::parseSecret).toList(), allowHttp, addresses, FAST), clock);
    }

    private WebhookProvider loopbackProvider() {
        return provider(List.of(SECRET), true, LOOPBACK_V4);
    }

    private static Message webhook(String url, String body) {
        return new Message(UUID.randomUUID(), url, "", body, "", "order.paid", Map.of("X-Injected", "nope"));
    }

    /**
     * The receiver's check, written from the specification and not from the code under test: HMAC-SHA256
     * with the base64-decoded key after whsec_ over "id.timestamp.body", base64, any of the space-separated
     * "v1,..." signatures.
     */
    private static boolean verifies(String secret, StubServer.Received request) throws Exception {
        final byte[] key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
        final Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        final String signed = request.header("webhook-id") + "." + request.header("webhook-timestamp") + "."
                              + request.body();
        final byte[] expected = mac.doFinal(signed.getBytes(StandardCharsets.UTF_8));
        for (String signature : request.header("webhook-signature").split(" ")) {
            if (signature.startsWith("v1,")
                && MessageDigest.isEqual(Base64.getDecoder().decode(signature.substring(3)), expected)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void postsTheSignedPayloadWithTheStandardWebhooksHeaders() throws Exception {
        final String body = "{\"type\":\"order.paid\",\"data\":{\"order\":\"o-1\",\"note\":\"ü & more\"}}";
        final Message message = webhook(receiver.url("/hook"), body);
        try (WebhookProvider provider = loopbackProvider()) {
            assertThat(provider.deliver(message)).isEqualTo(new Outcome.Sent(""));
        }
        final StubServer.Received request = receiver.take();
        assertThat(request.headers().method().name()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/hook");
        assertThat(request.body()).isEqualTo(body);
        assertThat(request.header("content-type")).isEqualTo("application/json; charset=utf-8");
        assertThat(request.header("webhook-id")).isEqualTo(message.id().toString());
        assertThat(request.header("webhook-timestamp")).isEqualTo("1700000000");
        assertThat(request.header("webhook-signature")).matches("v1,[A-Za-z0-9+/]{43}=");
        assertThat(verifies(SECRET, request)).isTrue();
        assertThat(verifies(OLD_SECRET, request)).isFalse();
        assertThat(request.header("x-injected")).isNull();
    }

    @Test
    void duringARotationBothSecretsSignAndATextBodyIsTextPlain() throws Exception {
        try (WebhookProvider provider = provider(List.of(SECRET, OLD_SECRET), true, LOOPBACK_V4)) {
            assertThat(provider.deliver(webhook(receiver.url("/hook"), "order o-1 was paid")))
                    .isInstanceOf(Outcome.Sent.class);
        }
        final StubServer.Received request = receiver.take();
        assertThat(request.header("content-type")).isEqualTo("text/plain; charset=utf-8");
        assertThat(request.header("webhook-signature").split(" ")).hasSize(2);
        assertThat(verifies(SECRET, request)).isTrue();
        assertThat(verifies(OLD_SECRET, request)).isTrue();
    }

    @Test
    void goneAndARefusedPayloadArePermanent() {
        try (WebhookProvider provider = loopbackProvider()) {
            final Outcome gone = provider.deliver(webhook(receiver.url("/gone"), "{}"));
            assertThat(gone).isInstanceOf(Outcome.Permanent.class);
            assertThat(gone.detail()).startsWith("webhook: the endpoint answered 410");

            final Outcome bad = provider.deliver(webhook(receiver.url("/bad"), "{}"));
            assertThat(bad).isEqualTo(new Outcome.Permanent("webhook: the endpoint answered 422: unknown event type"));
        }
    }

    @Test
    void aRedirectIsNotFollowed() {
        try (WebhookProvider provider = loopbackProvider()) {
            final Outcome outcome = provider.deliver(webhook(receiver.url("/moved"), "{}"));

            assertThat(outcome).isInstanceOf(Outcome.Permanent.class);
            assertThat(outcome.detail()).contains("302").contains("redirects are not followed");
        }
        assertThat(receiver.take().path()).isEqualTo("/moved");
        assertThat(receiver.pending()).isZero();
    }

    @Test
    void throttlingServerErrorsAndOtherClientErrorsAreRetryable() {
        try (WebhookProvider provider = loopbackProvider()) {
            assertThat(provider.deliver(webhook(receiver.url("/busy"), "{}")))
                    .isEqualTo(new Outcome.Retryable("webhook: the endpoint answered 429", Duration.ofSeconds(60)));
            assertThat(provider.deliver(webhook(receiver.url("/broken"), "{}")))
                    .isEqualTo(new Outcome.Retryable("webhook: the endpoint answered 502: 502 Bad Gateway", null));
            assertThat(provider.deliver(webhook(receiver.url("/deploying"), "{}")))
                    .isEqualTo(new Outcome.Retryable("webhook: the endpoint answered 404: 404 Not Found", null));
        }
    }

    @Test
    void aHugeAnswerIsNotReadToItsEnd() {
        try (WebhookProvider provider = loopbackProvider()) {
            assertThat(provider.deliver(webhook(receiver.url("/huge"), "{}"))).isEqualTo(new Outcome.Sent(""));
        }
    }

    @Test
    void anEndpointThatHangsOrIsNotThereIsRetryable() {
        try (WebhookProvider provider = loopbackProvider()) {
            assertThat(provider.deliver(webhook(receiver.url("/hang"), "{}")))
                    .isEqualTo(new Outcome.Retryable("webhook: no response in 500 ms", null));
            final Outcome refused = provider.deliver(webhook("http://127.0.0.1:" + StubServer.closedPort() + "/", "{}"));
            assertThat(refused).isInstanceOf(Outcome.Retryable.class);
            assertThat(refused.detail()).startsWith("webhook: 127.0.0.1 unreachable");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://127.0.0.1:%d/hook", "http://localhost:%d/hook", "http://10.1.2.3:%d/hook",
                            "http://169.254.169.254:%d/latest/meta-data/", "http://[::1]:%d/hook",
                            "http://[fd00::1]:%d/hook", "http://[::ffff:127.0.0.1]:%d/hook", "http://0.0.0.0:%d/hook"})
    void privateAddressesAreRefusedUnlessAllowed(String template) {
        final String url = String.format(template, receiver.port());
        try (WebhookProvider provider = provider(List.of(SECRET), true, AddressPolicy.publicOnly())) {
            final Outcome outcome = provider.deliver(webhook(url, "{}"));

            assertThat(outcome).isInstanceOf(Outcome.Permanent.class);
            assertThat(outcome.detail()).contains("not a public address");
        }
        assertThat(receiver.pending()).isZero();
    }

    @Test
    void onlyTheAllowedNetworksAreLetThrough() {
        try (WebhookProvider provider = provider(List.of(SECRET), true, LOOPBACK_V4)) {
            assertThat(provider.deliver(webhook("http://localhost:" + receiver.port() + "/hook", "{}")))
                    .satisfiesAnyOf(o -> assertThat(o).isInstanceOf(Outcome.Sent.class),
                                    // localhost may resolve to ::1 first, which 127.0.0.0/8 does not allow
                                    o -> assertThat(o.detail()).contains("not a public address"));
            final Outcome v6 = provider.deliver(webhook("http://[::1]:" + receiver.port() + "/hook", "{}"));
            assertThat(v6).isInstanceOf(Outcome.Permanent.class);
            assertThat(v6.detail()).contains("not a public address");
        }
    }

    @Test
    void onlyHttpsUnlessHttpIsAllowed() {
        try (WebhookProvider provider = provider(List.of(SECRET), false, LOOPBACK_V4)) {
            final Outcome http = provider.deliver(webhook(receiver.url("/hook"), "{}"));
            assertThat(http).isEqualTo(new Outcome.Permanent("webhook: only https URLs are delivered to"
                                                             + " (WEBHOOK_ALLOW_HTTP allows http, for local development)"));
            assertThat(provider.deliver(webhook("ftp://example.com/x", "{}")))
                    .isInstanceOf(Outcome.Permanent.class);
            assertThat(provider.deliver(webhook("https://user:pw@example.com/x", "{}")).detail())
                    .contains("credentials");
            assertThat(provider.deliver(webhook("not a url", "{}"))).isInstanceOf(Outcome.Permanent.class);
        }
        assertThat(receiver.pending()).isZero();
    }
}
