package io.sextant.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import com.linecorp.armeria.client.UnprocessedRequestException;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;

import io.sextant.platform.server.SextantServer;
import io.sextant.users.v1.UsersServiceGrpc;

/**
 * Fuzzes the gateway's REST path: a real gateway on loopback, in front of auth's stand-in and a
 * users stand-in that answers every RPC (notification, storage and monitoring are down), gets
 * requests whose method, path, query, content type and body come from the fuzzer, over real HTTP.
 *
 * <p>An input is text: {@code METHOD /path?query}, a line break, the Content-Type (an empty line for
 * none), a line break, then the body's bytes. Every request carries a valid token of alice, so that
 * it gets past the edge to the transcoding. The properties:
 * <ul>
 *   <li>no 5xx caused by the request: 500, 502 or a broken connection is a finding; 501 UNIMPLEMENTED
 *       (a method auth's stand-in lacks) and 503/504 for a route of a service that is down are not;</li>
 *   <li>every error is the REST error body ({@code error}, {@code message}, {@code timestamp}, ...);</li>
 *   <li>no body carries stack trace text;</li>
 *   <li>no input opens a backend's circuit breaker (the DESIGN's "no single caller's bad input may open
 *       a breaker for everyone"): the breakers open after one failure here, and a request to each
 *       backend after every input must not be turned away.</li>
 * </ul>
 *
 * <p>Without {@code JAZZER_FUZZ} this runs the inputs under {@code RestTranscodingFuzzITInputs/} as
 * regression tests; with it (the POM's {@code fuzz-rest-transcoding} execution) it fuzzes for a fixed time.
 */
class RestTranscodingFuzzIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<HttpMethod> METHODS =
            List.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.PATCH, HttpMethod.PUT, HttpMethod.DELETE,
                    HttpMethod.HEAD, HttpMethod.OPTIONS);
    /** Routes of the services this test leaves down: 503 there is the expected answer. */
    private static final List<String> DOWN_ROUTES =
            List.of("/v1/notifications", "/v1/templates", "/v1/files", "/v1/folders", "/v1/shared", "/v1/logs",
                    "/v1/health", "/v1/services", "/v1/alerts", "/v1/dashboard", "/dashboard", "/health");
    /** A request to each backend that is up, sent after every input: its breaker must still be closed. */
    private static final List<String> PROBES =
            List.of("/v1/users/0f8fad5b-d9cb-469f-a165-70867728950e", "/v1/auth/validate");
    /** A qualified Java class or frame name, as a stack trace has them. */
    private static final Pattern STACK_TRACE =
            Pattern.compile("\\bat [\\w$]+(\\.[\\w$]+)+\\(|\\.java:\\d+\\)|\\b(java|javax|io|com|org)\\.[\\w.$]+(Exception|Error)\\b");

    private static SextantServer auth;
    private static SextantServer users;
    private static SextantServer gateway;
    private static WebClient http;
    /** Whether Jazzer's SSRF detector has been told about loopback (for the rest of this JVM, which runs only this test). */
    private static boolean loopbackAllowed;

    @BeforeAll
    static void start() {
        auth = TestMesh.startService("auth", new TestAuthService());
        users = TestMesh.startService("users", AnsweringStandIn.of(UsersServiceGrpc.getServiceDescriptor()));
        gateway = TestMesh.startGateway(Map.of("auth", TestMesh.target(auth), "users", TestMesh.target(users)),
                                        // a deadline no answer misses however loaded the machine (the first
                                        // inputs run while Jazzer instruments every class they touch): a
                                        // timeout would open the breaker below and fail every later probe
                                        // for a reason no input caused; an input that hangs still fails
                                        Map.of("BACKEND_DEADLINE", "60s", "HEALTH_TIMEOUT", "1s",
                                               // one failure opens a breaker: the probes after each input
                                               // see at once whether the input counted as the backend failing
                                               "CIRCUIT_BREAKER_FAILURES", "1",
                                               // thousands of requests a second from one client: limits have EdgeIT
                                               "RATE_LIMIT_AUTH", "off", "RATE_LIMIT_USER", "off",
                                               "TRUSTED_PROXIES", "10.0.0.0/8"));
        http = WebClient.builder("h1c://127.0.0.1:" + gateway.port())
                        .responseTimeout(Duration.ofSeconds(90))
                        .build();
    }

    @AfterAll
    static void stop() {
        TestMesh.closeAll(gateway, auth, users);
    }

    @DictionaryEntries({"/v1/auth/login", "/v1/auth/register", "/v1/auth/refresh", "/v1/auth/password:change",
                        "/v1/users", "/v1/users/", "/v1/users/me", "/v1/users:search", "/v1/roles", "/v1/roles/",
                        "/roles/", "?update_mask=", "&update_mask=", "?filter=", "&order_by=", "?page_size=",
                        "&page_token=", "query=", "displayName", "display_name", "\"user\"", "\"name\"",
                        "\"users/", "\"roles/", "\"username\"", "\"password\"", "\"email\"", "\"permissions\"",
                        "application/json", "application/json; charset=utf-8", "text/plain", "application/grpc",
                        "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                        "GET ", "POST ", "PATCH ", "PUT ", "DELETE ", "%00", "%2F", "%25", "\\u0000", "null",
                        "true", "1e999", "-0", "\"9223372036854775808\"", "[]", "{}", "\"\""})
    @FuzzTest(maxDuration = "15s")
    void restRequest(byte[] input) throws Exception {
        if (!loopbackAllowed) {
            // Jazzer's SSRF detector flags every connection made while an input runs: these go to loopback
            // only. (Set here, not in start(): Jazzer's agent is installed after @BeforeAll. Never reset:
            // Jazzer refuses that once fuzzing is over.)
            BugDetectors.allowNetworkConnections((host, port) -> host.equals("127.0.0.1") || host.equals("localhost"));
            loopbackAllowed = true;
        }
        final FuzzedRequest request = FuzzedRequest.parse(input);
        final RequestHeaders headers;
        try {
            headers = request.headers();
        } catch (IllegalArgumentException e) {
            return; // nothing a client could send: Armeria's client refuses to build it
        }
        final AggregatedHttpResponse response;
        try {
            response = http.execute(HttpRequest.of(headers, HttpData.wrap(request.body()))).aggregate().join();
        } catch (CompletionException e) {
            if (refusedByTheClient(e)) {
                // Armeria's client parses the target with the same code as its server, which answers 400 to
                // what the client refuses to send ("%00" in the path or query, for one)
                return;
            }
            throw new AssertionError("no answer to " + request + ": " + e.getCause(), e.getCause());
        }
        check(request, response);
        // DESIGN: no single caller's bad input may open a breaker for everyone
        for (String probe : PROBES) {
            final AggregatedHttpResponse answer = http.execute(RequestHeaders.builder(HttpMethod.GET, probe)
                    .add(HttpHeaderNames.AUTHORIZATION, TestAuthService.BEARER).build()).aggregate().join();
            assertThat(answer.contentUtf8()).as("after " + request + " (answered " + response.status() + " "
                                                + response.contentUtf8() + "), GET " + probe)
                                            .doesNotContain("BACKEND_CIRCUIT_OPEN");
        }
    }

    private static boolean refusedByTheClient(CompletionException e) {
        final Throwable cause = e.getCause() instanceof UnprocessedRequestException unprocessed
                                ? unprocessed.getCause() : e.getCause();
        return cause instanceof IllegalArgumentException;
    }

    static void check(FuzzedRequest request, AggregatedHttpResponse response) throws Exception {
        final int status = response.status().code();
        final String text = response.contentUtf8();
        final String what = request + " answered " + status + " " + text;
        assertThat(STACK_TRACE.matcher(text).find()).as("stack trace text in the body: " + what).isFalse();
        if (status < 400) {
            return;
        }
        if (request.method() != HttpMethod.HEAD) {
            assertThat(response.contentType()).as("Content-Type of " + what).isNotNull();
            assertThat(response.contentType().isJson()).as("a JSON error body: " + what).isTrue();
            final JsonNode body = JSON.readTree(text);
            assertThat(body.isObject()).as(what).isTrue();
            assertThat(body.path("error").isTextual()).as("error of " + what).isTrue();
            assertThat(body.path("error").asText()).as("error of " + what).matches("[A-Z][A-Z0-9_]*");
            assertThat(body.path("message").isTextual()).as("message of " + what).isTrue();
            assertThat(body.path("details").isMissingNode() || body.path("details").isObject())
                    .as("details of " + what).isTrue();
            assertThat(Instant.parse(body.path("timestamp").asText())).as("timestamp of " + what).isNotNull();
            assertThat(body.has("trace_id")).as("trace_id of " + what).isTrue();
        }
        if (status >= 500) {
            final String error = request.method() == HttpMethod.HEAD ? "" : JSON.readTree(text).path("error").asText();
            final boolean standInLacksIt = status == 501 && error.equals("UNIMPLEMENTED");
            final boolean backendDown = (status == 503 || status == 504) && request.targetsADownService();
            assertThat(standInLacksIt || backendDown).as("a 5xx caused by the request: " + what).isTrue();
        }
    }

    /** The request an input describes. */
    record FuzzedRequest(HttpMethod method, String target, String contentType, byte[] body) {

        static FuzzedRequest parse(byte[] input) {
            final int firstBreak = indexOf(input, 0);
            final int secondBreak = firstBreak < 0 ? -1 : indexOf(input, firstBreak + 1);
            final String line = text(input, 0, firstBreak < 0 ? input.length : firstBreak);
            final String contentType = firstBreak < 0 ? "" : text(input, firstBreak + 1,
                                                                    secondBreak < 0 ? input.length : secondBreak);
            final byte[] body = secondBreak < 0 ? new byte[0] : Arrays.copyOfRange(input, secondBreak + 1, input.length);
            final int space = line.indexOf(' ');
            final String methodName = space < 0 ? line : line.substring(0, space);
            final String target = space < 0 ? "/" : line.substring(space + 1);
            return new FuzzedRequest(method(methodName), target, contentType.strip(), body);
        }

        private static HttpMethod method(String name) {
            for (HttpMethod method : METHODS) {
                if (method.name().equals(name)) {
                    return method;
                }
            }
            return METHODS.get(Math.floorMod(name.hashCode(), METHODS.size()));
        }

        RequestHeaders headers() {
            final RequestHeadersBuilder builder = RequestHeaders.builder(method, pathAndQuery())
                                                                .add(HttpHeaderNames.AUTHORIZATION, TestAuthService.BEARER);
            if (!contentType.isEmpty()) {
                builder.add(HttpHeaderNames.CONTENT_TYPE, printable(contentType));
            }
            return builder.build();
        }

        /** The target with what may not stand in a URI percent-encoded; '%' itself is left, so %zz and %00 reach the server. */
        String pathAndQuery() {
            final StringBuilder sb = new StringBuilder(target.startsWith("/") ? "" : "/");
            for (byte b : target.strip().getBytes(StandardCharsets.UTF_8)) {
                final int c = b & 0xff;
                if (c > 0x20 && c < 0x7f && "\"<>\\^`{|}#".indexOf(c) < 0) {
                    sb.append((char) c);
                } else {
                    sb.append('%').append(String.format(Locale.ROOT, "%02X", c));
                }
            }
            return sb.toString();
        }

        boolean targetsADownService() {
            final String path = pathAndQuery().toLowerCase(Locale.ROOT);
            return DOWN_ROUTES.stream().anyMatch(path::startsWith);
        }

        private static String printable(String value) {
            final StringBuilder sb = new StringBuilder();
            for (char c : value.toCharArray()) {
                if (c >= 0x20 && c < 0x7f) {
                    sb.append(c);
                }
            }
            return sb.toString();
        }

        private static int indexOf(byte[] input, int from) {
            for (int i = from; i < input.length; i++) {
                if (input[i] == '\n') {
                    return i;
                }
            }
            return -1;
        }

        private static String text(byte[] input, int from, int to) {
            return new String(input, from, to - from, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return method + " " + pathAndQuery() + " [" + contentType + "] "
                   + new String(body, StandardCharsets.UTF_8).replace("\n", "\\n");
        }
    }
}
