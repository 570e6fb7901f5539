package io.sextant.notification.channel;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;

/**
 * SMS through Twilio's Messages API, or any gateway that speaks it: {@code POST
 * {base}/2010-04-01/Accounts/{AccountSid}/Messages.json}, form-encoded {@code To}, {@code From} (or
 * {@code MessagingServiceSid}) and {@code Body}, HTTP Basic authentication with the account SID (or an API
 * key's SID) and the auth token (or the key's secret). The notification id goes as
 * {@code I-Twilio-Idempotency-Token}, so a retry after a lost answer is not sent twice.
 *
 * <p>Outcomes: 2xx sent, with the message's SID; 429 retryable with the server's Retry-After; 408, 5xx,
 * timeouts and refused connections retryable; 401, 403 and 404 retryable too, since with a well-formed
 * request only the provider's configuration (credentials, account SID, base URL) causes them: the message
 * is fine and another provider (or this one, fixed) may send it; every other 4xx permanent, with Twilio's
 * error code and message ({@code 21211 The 'To' number is not a valid phone number}).
 */
public final class TwilioSmsProvider implements Provider, AutoCloseable {

    public static final String KIND = "twilio";
    public static final URI DEFAULT_BASE_URL = URI.create("https://api.twilio.com");

    static final int MAX_RESPONSE_BYTES = 64 * 1024;
    static final String IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token";

    private static final Pattern SID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param name                the provider's name in configuration and metrics ({@code twilio})
     * @param baseUrl             {@code https://api.twilio.com}, or a Twilio-compatible gateway's
     * @param accountSid          the account the messages are sent from (in the path)
     * @param apiKeySid           an API key's SID to authenticate with instead of the account SID; null for none
     * @param authToken           the account's auth token, or the API key's secret
     * @param from                the sender number or alphanumeric ID; null when a messaging service sends
     * @param messagingServiceSid the messaging service that picks the sender; null when {@code from} is set
     */
    public record Settings(String name, URI baseUrl, String accountSid, String apiKeySid, String authToken,
                           String from, String messagingServiceSid, HttpTimeouts timeouts) {

        public Settings {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(baseUrl, "baseUrl");
            Objects.requireNonNull(authToken, "authToken");
            Objects.requireNonNull(timeouts, "timeouts");
            if (accountSid == null || !SID.matcher(accountSid).matches()) {
                throw new IllegalArgumentException("the account SID must be letters, digits, '_' or '-'");
            }
            if ((from == null) == (messagingServiceSid == null)) {
                throw new IllegalArgumentException("exactly one of a From number and a messaging service SID");
            }
        }

        @Override
        public String toString() {
            return "TwilioSmsProvider.Settings[" + name + ", " + baseUrl + ", " + accountSid
                   + (apiKeySid == null ? "" : ", key " + apiKeySid) + ", token ****, "
                   + (from != null ? "from " + from : "service " + messagingServiceSid) + ", " + timeouts + "]";
        }
    }

    private final Settings settings;
    private final String messagesUrl;
    private final String authorization;
    private final Clock clock;
    private final HttpTransport http;

    public TwilioSmsProvider(Settings settings) {
        this(settings, Clock.systemUTC());
    }

    TwilioSmsProvider(Settings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        this.messagesUrl = stripTrailingSlash(settings.baseUrl().toString()) + "/2010-04-01/Accounts/"
                           + settings.accountSid() + "/Messages.json";
        final String user = settings.apiKeySid() != null ? settings.apiKeySid() : settings.accountSid();
        this.authorization = "Basic " + Base64.getEncoder().encodeToString(
                (user + ":" + settings.authToken()).getBytes(StandardCharsets.UTF_8));
        this.http = new HttpTransport(settings.timeouts(), MAX_RESPONSE_BYTES, null);
    }

    @Override
    public String name() {
        return settings.name();
    }

    @Override
    public Outcome deliver(Message message) {
        final String to = message.recipient().trim();
        if (to.isEmpty()) {
            return new Outcome.Permanent(name() + ": no phone number to send to");
        }
        final Map<String, String> form = new LinkedHashMap<>();
        form.put("To", to);
        if (settings.from() != null) {
            form.put("From", settings.from());
        } else {
            form.put("MessagingServiceSid", settings.messagingServiceSid());
        }
        form.put("Body", message.body());
        final RequestHeaders headers =
                RequestHeaders.builder(HttpMethod.POST, messagesUrl)
                              .contentType(MediaType.FORM_DATA)
                              .add(HttpHeaderNames.AUTHORIZATION, authorization)
                              .add(HttpHeaderNames.ACCEPT, MediaType.JSON.toString())
                              .add(IDEMPOTENCY_HEADER, message.id().toString())
                              .build();
        final HttpTransport.Reply reply;
        try {
            reply = http.send(HttpRequest.of(headers, HttpData.ofUtf8(formEncode(form))));
        } catch (HttpTransport.Failure failure) {
            return new Outcome.Retryable(name() + ": " + failure.getMessage(), null);
        }
        return outcome(reply);
    }

    private Outcome outcome(HttpTransport.Reply reply) {
        final int status = reply.status();
        final JsonNode json = parse(reply);
        if (reply.success()) {
            return new Outcome.Sent(json == null ? "" : json.path("sid").asText(""));
        }
        final String answer = name() + ": " + status + " " + twilioError(json, reply);
        if (status == 429 || status == 408 || status >= 500) {
            return new Outcome.Retryable(answer, reply.retryAfter(clock));
        }
        if (status == 401 || status == 403 || status == 404) {
            return new Outcome.Retryable(answer + " (the provider's credentials or account are at fault, not the"
                                         + " message)", null);
        }
        if (status >= 400) {
            return new Outcome.Permanent(answer);
        }
        return new Outcome.Retryable(answer + " (an unexpected answer: is the base URL right?)", null);
    }

    private static JsonNode parse(HttpTransport.Reply reply) {
        if (reply.truncated() || reply.body().length == 0) {
            return null;
        }
        try {
            return JSON.readTree(reply.body());
        } catch (java.io.IOException e) {
            return null;
        }
    }

    /** Twilio's error: {@code {"code": 21211, "message": "...", "more_info": "...", "status": 400}}. */
    private static String twilioError(JsonNode json, HttpTransport.Reply reply) {
        if (json != null && json.hasNonNull("message")) {
            final String code = json.hasNonNull("code") ? json.get("code").asText() + " " : "";
            return Details.clip(code + json.get("message").asText());
        }
        final String text = Details.clip(reply.text());
        return text.isEmpty() ? reply.headers().status().reasonPhrase() : text;
    }

    static String formEncode(Map<String, String> form) {
        return form.entrySet().stream()
                   .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                             + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                   .collect(Collectors.joining("&"));
    }

    static String stripTrailingSlash(String url) {
        String u = url;
        while (u.endsWith("/")) {
            u = u.substring(0, u.length() - 1);
        }
        return u;
    }

    @Override
    public void close() {
        http.close();
    }
}
