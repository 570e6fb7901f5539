package io.sextant.notification.channel;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;

/** Twilio's Messages API as a loopback server speaks it, in good and bad moods. */
class TwilioSmsProviderIT {

    private static final HttpTimeouts FAST = new HttpTimeouts(Duration.ofSeconds(2), Duration.ofMillis(500));

    private static StubServer twilio;

    @BeforeAll
    static void start() {
        twilio = new StubServer(request -> {
            final String path = request.path();
            if (path.startsWith("/ok/")) {
                final String sid = "SM" + request.header(TwilioSmsProvider.IDEMPOTENCY_HEADER).replace("-", "");
                return HttpResponse.of(HttpStatus.CREATED, MediaType.JSON_UTF_8,
                                       "{\"sid\":\"" + sid + "\",\"status\":\"queued\"}");
            }
            if (path.startsWith("/invalid/")) {
                return HttpResponse.of(HttpStatus.BAD_REQUEST, MediaType.JSON_UTF_8,
                                       "{\"code\":21211,\"message\":\"The 'To' number +1555 is not a valid phone"
                                       + " number.\",\"more_info\":\"https://www.twilio.com/docs/errors/21211\","
                                       + "\"status\":400}");
            }
            if (path.startsWith("/unauthorized/")) {
                return HttpResponse.of(HttpStatus.UNAUTHORIZED, MediaType.JSON_UTF_8,
                                       "{\"code\":20003,\"message\":\"Authenticate\",\"status\":401}");
            }
            if (path.startsWith("/throttled/")) {
                return HttpResponse.of(ResponseHeaders.builder(HttpStatus.TOO_MANY_REQUESTS)
                                                      .contentType(MediaType.JSON_UTF_8)
                                                      .add("retry-after", "7").build(),
                                       com.linecorp.armeria.common.HttpData.ofUtf8(
                                               "{\"code\":20429,\"message\":\"Too Many Requests\",\"status\":429}"));
            }
            if (path.startsWith("/broken/")) {
                return HttpResponse.of(HttpStatus.INTERNAL_SERVER_ERROR, MediaType.PLAIN_TEXT_UTF_8, "oops");
            }
            if (path.startsWith("/huge/")) {
                return HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE, MediaType.PLAIN_TEXT_UTF_8,
                                       "x".repeat(4 * 1024 * 1024));
            }
            if (path.startsWith("/hang/")) {
                return HttpResponse.delayed(HttpResponse.of(HttpStatus.CREATED), Duration.ofSeconds(20));
            }
            return HttpResponse.of(HttpStatus.NOT_FOUND);
        });
    }

    @AfterAll
    static void stop() {
        twilio.close();
    }

    @BeforeEach
    void forgetEarlierRequests() {
        twilio.clear();
    }

    private static TwilioSmsProvider provider(String baseUrl) {
        return new TwilioSmsProvider(new TwilioSmsProvider.Settings(
                "twilio", URI.create(baseUrl), "AC0123456789", null, "s3cret-token", "+15550001111", null, FAST));
    }

    private static Message sms(String to, String body) {
        return new Message(UUID.randomUUID(), to, "", body, "", "password-reset", Map.of());
    }

    @Test
    void sendsTheMessagesApiRequestAndReturnsTheMessageSid() {
        final Message message = sms("+15551234567", "Your code: 123 456 & more — ü");
        try (TwilioSmsProvider provider = provider(twilio.url("/ok/"))) {
            final Outcome outcome = provider.deliver(message);

            assertThat(outcome).isEqualTo(new Outcome.Sent("SM" + message.id().toString().replace("-", "")));
        }
        final StubServer.Received request = twilio.take();
        assertThat(request.headers().method().name()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/ok/2010-04-01/Accounts/AC0123456789/Messages.json");
        assertThat(request.header("authorization")).startsWith("Basic ");
        assertThat(new String(Base64.getDecoder().decode(request.header("authorization").substring(6)),
                              StandardCharsets.UTF_8)).isEqualTo("AC0123456789:s3cret-token");
        assertThat(request.header("content-type")).startsWith("application/x-www-form-urlencoded");
        assertThat(request.header("i-twilio-idempotency-token")).isEqualTo(message.id().toString());
        assertThat(request.form()).containsExactly(Map.entry("To", "+15551234567"),
                                                   Map.entry("From", "+15550001111"),
                                                   Map.entry("Body", "Your code: 123 456 & more — ü"));
    }

    @Test
    void aMessagingServiceAndAnApiKeyAreSentInsteadOfFromAndTheAccountSid() {
        final TwilioSmsProvider.Settings settings = new TwilioSmsProvider.Settings(
                "twilio", URI.create(twilio.url("/ok")), "AC0123456789", "SK99", "key-secret", null, "MG42", FAST);
        try (TwilioSmsProvider provider = new TwilioSmsProvider(settings)) {
            assertThat(provider.deliver(sms("+15551234567", "hi"))).isInstanceOf(Outcome.Sent.class);
        }
        final StubServer.Received request = twilio.take();
        assertThat(request.path()).isEqualTo("/ok/2010-04-01/Accounts/AC0123456789/Messages.json");
        assertThat(new String(Base64.getDecoder().decode(request.header("authorization").substring(6)),
                              StandardCharsets.UTF_8)).isEqualTo("SK99:key-secret");
        assertThat(request.form()).containsExactly(Map.entry("To", "+15551234567"),
                                                   Map.entry("MessagingServiceSid", "MG42"),
                                                   Map.entry("Body", "hi"));
    }

    @Test
    void aRejectedNumberIsPermanentWithTwiliosErrorCodeAndMessage() {
        try (TwilioSmsProvider provider = provider(twilio.url("/invalid"))) {
            final Outcome outcome = provider.deliver(sms("+1555", "hi"));

            assertThat(outcome).isInstanceOf(Outcome.Permanent.class);
            assertThat(outcome.detail()).isEqualTo("twilio: 400 21211 The 'To' number +1555 is not a valid phone"
                                                   + " number.");
        }
    }

    @Test
    void refusedCredentialsAreTheProvidersFaultSoRetryableNotPermanent() {
        try (TwilioSmsProvider provider = provider(twilio.url("/unauthorized"))) {
            final Outcome outcome = provider.deliver(sms("+15551234567", "hi"));

            assertThat(outcome).isInstanceOf(Outcome.Retryable.class);
            assertThat(outcome.detail()).startsWith("twilio: 401 20003 Authenticate").contains("credentials");
            assertThat(outcome.detail()).doesNotContain("s3cret-token");
        }
    }

    @Test
    void tooManyRequestsIsRetryableAfterTheServersRetryAfter() {
        try (TwilioSmsProvider provider = provider(twilio.url("/throttled"))) {
            final Outcome outcome = provider.deliver(sms("+15551234567", "hi"));

            assertThat(outcome).isEqualTo(new Outcome.Retryable("twilio: 429 20429 Too Many Requests",
                                                                Duration.ofSeconds(7)));
        }
    }

    @Test
    void aServerErrorIsRetryable() {
        try (TwilioSmsProvider provider = provider(twilio.url("/broken"))) {
            assertThat(provider.deliver(sms("+15551234567", "hi")))
                    .isEqualTo(new Outcome.Retryable("twilio: 500 oops", null));
        }
    }

    @Test
    void aHugeAnswerIsReadOnlyUpToTheBound() {
        try (TwilioSmsProvider provider = provider(twilio.url("/huge"))) {
            final Outcome outcome = provider.deliver(sms("+15551234567", "hi"));

            assertThat(outcome).isInstanceOf(Outcome.Retryable.class);
            assertThat(outcome.detail()).startsWith("twilio: 503 xxx").hasSizeLessThan(Details.MAX_LENGTH + 40);
        }
    }

    @Test
    void aServerThatHangsPastTheTimeoutIsRetryable() {
        try (TwilioSmsProvider provider = provider(twilio.url("/hang"))) {
            final Outcome outcome = provider.deliver(sms("+15551234567", "hi"));

            assertThat(outcome).isInstanceOf(Outcome.Retryable.class);
            assertThat(outcome.detail()).isEqualTo("twilio: no response in 500 ms");
        }
        assertThat(twilio.take().path()).startsWith("/hang/");
    }

    @Test
    void aRefusedConnectionIsRetryable() {
        try (TwilioSmsProvider provider = provider("http://127.0.0.1:" + StubServer.closedPort())) {
            final Outcome outcome = provider.deliver(sms("+15551234567", "hi"));

            assertThat(outcome).isInstanceOf(Outcome.Retryable.class);
            assertThat(outcome.detail()).startsWith("twilio: ").containsIgnoringCase("connect");
        }
    }
}
