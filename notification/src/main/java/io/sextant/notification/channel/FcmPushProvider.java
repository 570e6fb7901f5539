package io.sextant.notification.channel;

import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;

/**
 * Push through Firebase Cloud Messaging's HTTP v1 API: {@code POST {base}/v1/projects/{project}/messages:send}
 * with {@code {"message": {"token", "notification": {"title", "body"}, "data": {"notification_id",
 * "category"}}}}, authorized by an OAuth2 access token that a Google service account's key obtains (the JWT
 * bearer grant, RFC 7523: an RS256 assertion for the {@code firebase.messaging} scope). The token is kept
 * until five minutes before it expires (half its life, if shorter), fetched by one caller at a time, and
 * fetched anew once if FCM says it is no longer valid. FCM has no idempotency key: a retry after a lost
 * answer may deliver twice (the data's {@code notification_id} lets an app drop the duplicate).
 *
 * <p>Outcomes: 2xx sent, with FCM's message name; {@code UNREGISTERED}, {@code INVALID_ARGUMENT} (and any
 * 400) and {@code SENDER_ID_MISMATCH} permanent: the device token or the message is bad; 429
 * ({@code QUOTA_EXCEEDED}), 5xx ({@code UNAVAILABLE}, {@code INTERNAL}) retryable with Retry-After; 401
 * ({@code THIRD_PARTY_AUTH_ERROR}, a rejected token), 403 without an FCM error code ({@code PERMISSION_DENIED})
 * and 404 without one (no such project) retryable too: the provider's configuration is at fault, not the
 * message; as are failures to obtain a token.
 */
public final class FcmPushProvider implements Provider, AutoCloseable {

    public static final String KIND = "fcm";
    public static final URI DEFAULT_BASE_URL = URI.create("https://fcm.googleapis.com");
    public static final String SCOPE = "https://www.googleapis.com/auth/firebase.messaging";

    static final int MAX_RESPONSE_BYTES = 64 * 1024;

    private static final Pattern PROJECT = Pattern.compile("[a-z0-9][a-z0-9:._-]{0,99}");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration ASSERTION_LIFETIME = Duration.ofHours(1);
    private static final Duration REFRESH_MARGIN = Duration.ofMinutes(5);

    /**
     * @param name      the provider's name in configuration and metrics ({@code fcm})
     * @param baseUrl   {@code https://fcm.googleapis.com}, or a stand-in's
     * @param projectId the Firebase project the messages are sent through
     * @param account   the service account whose key obtains the access tokens
     * @param tokenUrl  where tokens are granted: the key's {@code token_uri} unless configured
     */
    public record Settings(String name, URI baseUrl, String projectId, GoogleServiceAccount account, URI tokenUrl,
                           HttpTimeouts timeouts) {

        public Settings {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(baseUrl, "baseUrl");
            Objects.requireNonNull(account, "account");
            Objects.requireNonNull(tokenUrl, "tokenUrl");
            Objects.requireNonNull(timeouts, "timeouts");
            if (projectId == null || !PROJECT.matcher(projectId).matches()) {
                throw new IllegalArgumentException("the project id must be lower-case letters, digits, '-', '.',"
                                                   + " ':' or '_'");
            }
        }
    }

    private record AccessToken(String value, Instant refreshAt) {
        @Override
        public String toString() {
            return "AccessToken[****, refresh at " + refreshAt + "]";
        }
    }

    /** No token: the outcome says why. */
    private static final class NoToken extends Exception {
        private static final long serialVersionUID = 1L;

        private final transient Outcome outcome;

        NoToken(Outcome outcome) {
            super(outcome.detail(), null, false, false);
            this.outcome = outcome;
        }
    }

    private final Settings settings;
    private final String sendUrl;
    private final Algorithm signer;
    private final Clock clock;
    private final HttpTransport http;
    private final Object tokenLock = new Object();
    private volatile AccessToken token;

    public FcmPushProvider(Settings settings) {
        this(settings, Clock.systemUTC());
    }

    FcmPushProvider(Settings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        this.sendUrl = TwilioSmsProvider.stripTrailingSlash(settings.baseUrl().toString()) + "/v1/projects/"
                       + settings.projectId() + "/messages:send";
        this.signer = Algorithm.RSA256(null, settings.account().privateKey());
        this.http = new HttpTransport(settings.timeouts(), MAX_RESPONSE_BYTES, null);
    }

    @Override
    public String name() {
        return settings.name();
    }

    @Override
    public Outcome deliver(Message message) {
        final String deviceToken = message.recipient().trim();
        if (deviceToken.isEmpty()) {
            return new Outcome.Permanent(name() + ": no device token to send to");
        }
        final byte[] body = requestBody(message, deviceToken);
        try {
            String bearer = accessToken();
            HttpTransport.Reply reply = send(body, bearer);
            if (reply.status() == 401 && isExpiredToken(parse(reply))) {
                invalidate(bearer);
                bearer = accessToken();
                reply = send(body, bearer);
            }
            return outcome(reply);
        } catch (NoToken noToken) {
            return noToken.outcome;
        } catch (HttpTransport.Failure failure) {
            return new Outcome.Retryable(name() + ": " + failure.getMessage(), null);
        }
    }

    private HttpTransport.Reply send(byte[] body, String bearer) throws HttpTransport.Failure {
        final RequestHeaders headers = RequestHeaders.builder(HttpMethod.POST, sendUrl)
                                                     .contentType(MediaType.JSON_UTF_8)
                                                     .add(HttpHeaderNames.AUTHORIZATION, "Bearer " + bearer)
                                                     .build();
        return http.send(HttpRequest.of(headers, HttpData.wrap(body)));
    }

    private static byte[] requestBody(Message message, String deviceToken) {
        final ObjectNode root = JSON.createObjectNode();
        final ObjectNode fcm = root.putObject("message");
        fcm.put("token", deviceToken);
        final ObjectNode notification = fcm.putObject("notification");
        if (!message.subject().isEmpty()) {
            notification.put("title", message.subject());
        }
        notification.put("body", message.body());
        final ObjectNode data = fcm.putObject("data");
        data.put("notification_id", message.id().toString());
        data.put("category", message.category());
        try {
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new IllegalStateException("a tree of strings always serializes", e);
        }
    }

    private Outcome outcome(HttpTransport.Reply reply) {
        final int status = reply.status();
        final JsonNode json = parse(reply);
        if (reply.success()) {
            return new Outcome.Sent(json == null ? "" : json.path("name").asText(""));
        }
        final String fcmCode = fcmErrorCode(json);
        final String answer = name() + ": " + status + " " + describe(json, fcmCode, reply);
        if (status == 429 || status == 408 || status >= 500) {
            return new Outcome.Retryable(answer, reply.retryAfter(clock));
        }
        if (fcmCode.equals("UNREGISTERED") || fcmCode.equals("INVALID_ARGUMENT")
            || fcmCode.equals("SENDER_ID_MISMATCH") || status == 400) {
            return new Outcome.Permanent(answer);
        }
        if (status == 401 || status == 403 || status == 404) {
            return new Outcome.Retryable(answer + " (the provider's credentials or project are at fault, not the"
                                         + " message)", null);
        }
        if (status >= 400) {
            return new Outcome.Permanent(answer);
        }
        return new Outcome.Retryable(answer + " (an unexpected answer: is the base URL right?)", null);
    }

    /** Google's error: {@code {"error": {"code", "message", "status", "details": [{"@type": "...FcmError", "errorCode"}]}}}. */
    private static String fcmErrorCode(JsonNode json) {
        if (json == null) {
            return "";
        }
        for (JsonNode detail : json.path("error").path("details")) {
            if (detail.path("@type").asText("").endsWith("google.firebase.fcm.v1.FcmError")) {
                return detail.path("errorCode").asText("");
            }
        }
        return "";
    }

    private static String describe(JsonNode json, String fcmCode, HttpTransport.Reply reply) {
        if (json != null && json.path("error").isObject()) {
            final JsonNode error = json.path("error");
            final String code = !fcmCode.isEmpty() ? fcmCode : error.path("status").asText("");
            return Details.clip((code.isEmpty() ? "" : code + " ") + error.path("message").asText(""));
        }
        final String text = Details.clip(reply.text());
        return text.isEmpty() ? reply.headers().status().reasonPhrase() : text;
    }

    /** A 401 for the access token (expired or revoked), not an APNs/web push credential (THIRD_PARTY_AUTH_ERROR). */
    private static boolean isExpiredToken(JsonNode json) {
        return json != null && fcmErrorCode(json).isEmpty()
               && json.path("error").path("status").asText("").equals("UNAUTHENTICATED");
    }

    private static JsonNode parse(HttpTransport.Reply reply) {
        if (reply.truncated() || reply.body().length == 0) {
            return null;
        }
        try {
            return JSON.readTree(reply.body());
        } catch (IOException e) {
            return null;
        }
    }

    /** The cached access token, or a new one when it is near its end; one caller fetches, the others wait for it. */
    private String accessToken() throws NoToken {
        final AccessToken cached = token;
        if (cached != null && clock.instant().isBefore(cached.refreshAt())) {
            return cached.value();
        }
        synchronized (tokenLock) {
            final AccessToken current = token;
            if (current != null && clock.instant().isBefore(current.refreshAt())) {
                return current.value();
            }
            final AccessToken fresh = fetchToken();
            token = fresh;
            return fresh.value();
        }
    }

    private void invalidate(String value) {
        synchronized (tokenLock) {
            final AccessToken current = token;
            if (current != null && current.value().equals(value)) {
                token = null;
            }
        }
    }

    private AccessToken fetchToken() throws NoToken {
        final Instant now = clock.instant();
        final GoogleServiceAccount account = settings.account();
        final com.auth0.jwt.JWTCreator.Builder jwt = JWT.create();
        if (!account.privateKeyId().isEmpty()) {
            jwt.withKeyId(account.privateKeyId());
        }
        final String assertion = jwt.withIssuer(account.clientEmail())
                                    .withAudience(settings.tokenUrl().toString())
                                    .withClaim("scope", SCOPE)
                                    .withIssuedAt(Date.from(now))
                                    .withExpiresAt(Date.from(now.plus(ASSERTION_LIFETIME)))
                                    .sign(signer);
        final Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer");
        form.put("assertion", assertion);
        final RequestHeaders headers = RequestHeaders.builder(HttpMethod.POST, settings.tokenUrl().toString())
                                                     .contentType(MediaType.FORM_DATA)
                                                     .add(HttpHeaderNames.ACCEPT, MediaType.JSON.toString())
                                                     .build();
        final HttpTransport.Reply reply;
        try {
            reply = http.send(HttpRequest.of(headers, HttpData.ofUtf8(TwilioSmsProvider.formEncode(form))));
        } catch (HttpTransport.Failure failure) {
            throw new NoToken(new Outcome.Retryable(name() + ": no access token: " + failure.getMessage(), null));
        }
        final JsonNode json = parse(reply);
        if (!reply.success() || json == null || json.path("access_token").asText("").isEmpty()) {
            final String error = json == null ? Details.clip(reply.text())
                    : Details.clip(json.path("error").asText("") + " " + json.path("error_description").asText(""));
            final String why = name() + ": no access token: the token endpoint answered " + reply.status()
                               + (error.isEmpty() ? "" : " " + error);
            throw new NoToken(new Outcome.Retryable(
                    reply.status() == 429 || reply.status() >= 500 ? why
                            : why + " (the provider's credentials are at fault, not the message)",
                    reply.retryAfter(clock)));
        }
        final long expiresIn = Math.max(1, json.path("expires_in").asLong(3600));
        final Duration life = Duration.ofSeconds(expiresIn);
        final Duration margin = REFRESH_MARGIN.compareTo(life.dividedBy(2)) < 0 ? REFRESH_MARGIN : life.dividedBy(2);
        return new AccessToken(json.path("access_token").asText(), clock.instant().plus(life).minus(margin));
    }

    @Override
    public void close() {
        http.close();
    }
}
