package io.sextant.notification.channel;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;

/**
 * The webhook channel: POSTs the message's body to the recipient, a URL, signed per the Standard Webhooks
 * specification (https://www.standardwebhooks.com/): {@code webhook-id} is the notification id (the same
 * on every retry, so a receiver can drop duplicates), {@code webhook-timestamp} the attempt's time in Unix
 * seconds, {@code webhook-signature} {@code v1,<base64 HMAC-SHA256 of "id.timestamp.body">} with each
 * configured secret (two during a rotation, separated by a space). The body goes as is, as
 * {@code application/json} when it is a JSON object or array, else as {@code text/plain}. The message's
 * extra headers are not sent: they are e-mail headers, and a caller must not choose HTTP headers here.
 *
 * <p>Guarded against server-side request forgery: only https URLs (http when allowed, for local
 * development), no credentials in the URL, and only public addresses (see {@link AddressPolicy}), checked
 * on the address actually connected to; redirects are not followed; at most 4 KiB of the answer is read.
 *
 * <p>Outcomes: 2xx sent; 410 Gone, a redirect, 400, 413, 415 and 422 (the receiver refuses this payload)
 * permanent; 429, 5xx, every other 4xx (a receiver being deployed answers 404 or 401 for a while), timeouts
 * and refused connections retryable. An endpoint that fails is the recipient's, not the provider's: the
 * channel's chain does not cool this provider down.
 */
public final class WebhookProvider implements Provider, AutoCloseable {

    public static final String NAME = "webhook";

    static final int MAX_RESPONSE_BYTES = 4096;

    private static final String SECRET_PREFIX = "whsec_";
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /**
     * @param secrets   the signing keys (the bytes after {@code whsec_}, decoded); each signs every request
     * @param allowHttp whether http URLs are delivered to (local development and tests)
     * @param addresses which addresses may be connected to
     */
    public record Settings(List<byte[]> secrets, boolean allowHttp, AddressPolicy addresses, HttpTimeouts timeouts) {

        public Settings {
            secrets = List.copyOf(secrets);
            if (secrets.isEmpty()) {
                throw new IllegalArgumentException("a webhook signing secret is required");
            }
            Objects.requireNonNull(addresses, "addresses");
            Objects.requireNonNull(timeouts, "timeouts");
        }

        @Override
        public String toString() {
            return "WebhookProvider.Settings[" + secrets.size() + " secret(s), allowHttp=" + allowHttp + ", "
                   + addresses + ", " + timeouts + "]";
        }
    }

    private final Settings settings;
    private final Clock clock;
    private final HttpTransport http;

    public WebhookProvider(Settings settings) {
        this(settings, Clock.systemUTC());
    }

    WebhookProvider(Settings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        this.http = new HttpTransport(settings.timeouts(), MAX_RESPONSE_BYTES, settings.addresses()::allowsSocket);
    }

    /**
     * A Standard Webhooks secret, {@code whsec_} and base64 of 24 to 64 random bytes
     * ({@code echo whsec_$(openssl rand -base64 32)}).
     *
     * @throws IllegalArgumentException saying what is wrong, without the secret
     */
    public static byte[] parseSecret(String text) {
        final String t = text.trim();
        if (!t.startsWith(SECRET_PREFIX)) {
            throw new IllegalArgumentException("must start with " + SECRET_PREFIX
                                               + " followed by base64 (echo whsec_$(openssl rand -base64 32))");
        }
        final byte[] key;
        try {
            key = Base64.getDecoder().decode(t.substring(SECRET_PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("has something after " + SECRET_PREFIX + " that is not base64");
        }
        if (key.length < 24 || key.length > 64) {
            throw new IllegalArgumentException("must hold 24 to 64 bytes after " + SECRET_PREFIX + " (it holds "
                                               + key.length + "), as the Standard Webhooks specification asks");
        }
        return key;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Outcome deliver(Message message) {
        final URI url;
        try {
            url = new URI(message.recipient().trim());
        } catch (URISyntaxException e) {
            return new Outcome.Permanent("webhook: the recipient is not a URL: " + Details.clip(e.getMessage()));
        }
        final String refusal = refusal(url);
        if (refusal != null) {
            return new Outcome.Permanent("webhook: " + refusal);
        }
        final String id = message.id().toString();
        final long timestamp = clock.instant().getEpochSecond();
        final String body = message.body();
        final RequestHeaders headers =
                RequestHeaders.builder(HttpMethod.POST, withoutFragment(url))
                              .contentType(isJson(body) ? MediaType.JSON_UTF_8 : MediaType.PLAIN_TEXT_UTF_8)
                              .add("webhook-id", id)
                              .add("webhook-timestamp", Long.toString(timestamp))
                              .add("webhook-signature", signature(settings.secrets(), id, timestamp, body))
                              .add(HttpHeaderNames.ACCEPT, "*/*")
                              .build();
        final HttpTransport.Reply reply;
        try {
            reply = http.send(HttpRequest.of(headers, HttpData.ofUtf8(body)));
        } catch (HttpTransport.Failure failure) {
            switch (failure.kind()) {
                case ADDRESS_REFUSED:
                    return new Outcome.Permanent("webhook: " + url.getHost() + " is at " + failure.getMessage()
                                                 + ", which is not a public address (WEBHOOK_ALLOW_PRIVATE_ADDRESSES)");
                case TIMEOUT:
                    return new Outcome.Retryable("webhook: " + failure.getMessage(), null);
                default:
                    return new Outcome.Retryable("webhook: " + url.getHost() + " unreachable: " + failure.getMessage(),
                                                 null);
            }
        }
        return outcome(reply);
    }

    private Outcome outcome(HttpTransport.Reply reply) {
        final int status = reply.status();
        if (reply.success()) {
            return new Outcome.Sent("");
        }
        final String answer = "webhook: the endpoint answered " + status + answerText(reply);
        if (status == 410) {
            return new Outcome.Permanent(answer + " (410 Gone: it is no longer there)");
        }
        if (status >= 300 && status < 400) {
            final String location = reply.headers().get(HttpHeaderNames.LOCATION);
            return new Outcome.Permanent(answer + " (redirects are not followed; Location: "
                                         + Details.clip(location) + ")");
        }
        if (status == 400 || status == 413 || status == 415 || status == 422) {
            return new Outcome.Permanent(answer);
        }
        return new Outcome.Retryable(answer, reply.retryAfter(clock));
    }

    private static String answerText(HttpTransport.Reply reply) {
        final String text = Details.clip(reply.text());
        return text.isEmpty() ? "" : ": " + text;
    }

    /** Why the URL is not delivered to, or null. */
    private String refusal(URI url) {
        final String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!url.isAbsolute() || url.getHost() == null || url.getHost().isEmpty()) {
            return "the recipient is not an absolute URL with a host";
        }
        if (!scheme.equals("https") && !(scheme.equals("http") && settings.allowHttp())) {
            return "only https URLs are delivered to" + (scheme.equals("http")
                    ? " (WEBHOOK_ALLOW_HTTP allows http, for local development)" : ", not " + scheme + ":");
        }
        if (url.getRawUserInfo() != null) {
            return "the URL must not hold credentials (user:password@)";
        }
        return null;
    }

    private static String withoutFragment(URI url) {
        final String text = url.toString();
        final int hash = text.indexOf('#');
        return hash < 0 ? text : text.substring(0, hash);
    }

    static boolean isJson(String body) {
        final String t = body.strip();
        if (!(t.startsWith("{") || t.startsWith("["))) {
            return false;
        }
        try {
            final JsonNode node = JSON.readTree(t);
            return node != null && node.isContainerNode();
        } catch (JsonProcessingException e) {
            return false;
        }
    }

    /** The {@code webhook-signature} value: {@code v1,<base64>} per secret, separated by spaces. */
    static String signature(List<byte[]> secrets, String id, long timestamp, String body) {
        final byte[] content = (id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8);
        final List<String> signatures = new ArrayList<>();
        for (byte[] secret : secrets) {
            try {
                final Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(secret, "HmacSHA256"));
                signatures.add("v1," + Base64.getEncoder().encodeToString(mac.doFinal(content)));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
            }
        }
        return String.join(" ", signatures);
    }

    @Override
    public void close() {
        http.close();
    }
}
