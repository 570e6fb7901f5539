package io.sextant.gateway;

import static io.sextant.gateway.GatewayIT.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.ResponseHeaders;

import io.sextant.gateway.HttpStreamReader.Event;
import io.sextant.gateway.HttpStreamReader.Line;
import io.sextant.gateway.backends.Backend;
import io.sextant.platform.server.SextantServer;
import io.sextant.platform.testing.Poll;
import io.sextant.testing.v1.TickerServiceGrpc;

/**
 * Server streams over HTTP through a real gateway, in front of a real gRPC stand-in with server streams
 * (the test contract {@code sextant.testing.v1.TickerService}), read with a real HTTP client as the bytes
 * arrive: SSE and NDJSON, errors before and after the first message, the edge's token check, heartbeats,
 * the bound per client, the stream's lifetime, a client going away, a client that does not read, and
 * {@code google.api.HttpBody} streams as raw bodies.
 */
class ServerStreamsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Backend TICKER = new Backend("ticker", 8099, List.of(TickerServiceGrpc.getServiceDescriptor()));
    private static final List<Backend> BACKENDS = withTicker();

    private static SextantServer identity;
    private static TestTickerService ticker;
    private static SextantServer backend;
    private static SextantServer gateway;
    private static WebClient client;

    @BeforeAll
    static void start() {
        identity = TestMesh.startService("auth", new TestAuthService());
        ticker = new TestTickerService();
        backend = TestMesh.startService("ticker", ticker);
        gateway = startGateway(Map.of("STREAM_HEARTBEAT", "300ms", "STREAM_MAX_PER_CLIENT", "3"));
        client = HttpStreamReader.client(gateway.port());
    }

    @AfterAll
    static void stop() {
        TestMesh.closeAll(gateway, backend, identity);
        ticker.close();
    }

    @Test
    void eachMessageIsAnEventAsSoonAsTheBackendSendsIt() throws Exception {
        final HttpStreamReader stream = open(get("/v1/ticks:watch?count=4&interval_ms=400&label=live&loud=true"
                                                 + "&tags=a&tags=b"), true);
        final ResponseHeaders headers = stream.headers();
        assertThat(headers.status().code()).isEqualTo(200);
        assertThat(headers.contentType().is(MediaType.parse("text/event-stream"))).isTrue();
        assertThat(headers.get("cache-control")).contains("no-cache");
        assertThat(headers.get("x-request-id")).isNotBlank();
        assertThat(headers.names()).noneMatch(name -> name.toString().startsWith("grpc-"));
        assertThat(headers.get("ratelimit-limit")).as("the edge's rate limit applies").isNotBlank();

        final List<Event> events = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            final Event event = stream.nextEvent(WAIT);
            assertThat(event.type()).isEqualTo("message");
            assertThat(event.fields().get("id")).isEqualTo(String.valueOf(i));
            final JsonNode tick = JSON.readTree(event.data());
            // the ProtoJSON of unary REST answers: lowerCamel, int64 as a string, repeated as arrays
            assertThat(tick.get("number").asText()).isEqualTo(String.valueOf(i));
            assertThat(tick.get("number").isTextual()).isTrue();
            assertThat(tick.get("label").asText()).isEqualTo("live");
            assertThat(tick.get("loud").asBoolean()).isTrue();
            assertThat(tick.get("tags")).hasSize(2);
            assertThat(tick.get("note").asText()).isEqualTo(TestTickerService.NOTE);
            events.add(event);
        }
        final Event end = stream.nextEvent(WAIT);
        assertThat(end.type()).isEqualTo("end");
        assertThat(JSON.readTree(end.data()).get("reason").asText()).isEqualTo("COMPLETED");
        assertThat(stream.nextEvent(WAIT)).isNull();

        // the RPC metrics count the stream with its status, like a gRPC call
        Poll.until(() -> assertThat(WebClient.of("http://127.0.0.1:" + gateway.metricsPort()).blocking()
                                             .get("/metrics").contentUtf8())
                .containsPattern("grpc_server_handled_total\\{[^}]*grpc_method=\"Watch\"[^}]*grpc_code=\"OK\""));

        // as they were produced: each event was at the client before the backend sent the next tick
        final List<Long> sent = ticker.sentAt.get("live");
        assertThat(sent).hasSize(4);
        for (int i = 0; i < 3; i++) {
            assertThat(events.get(i).arrivedNanos()).as("event %d arrived before tick %d was sent", i + 1, i + 2)
                                                   .isLessThan(sent.get(i + 1));
        }
    }

    @Test
    void anIdleStreamGetsHeartbeats() throws Exception {
        final HttpStreamReader stream = open(get("/v1/ticks:watch?count=1&interval_ms=1500&label=idle"), true);
        // the stream is open (headers sent) before the first message, by the first heartbeat
        assertThat(stream.headers().status().code()).isEqualTo(200);
        assertThat(ticker.sentAt.getOrDefault("idle", List.of())).isEmpty();
        final Event first = stream.nextEvent(WAIT);
        assertThat(first.comments()).hasSizeGreaterThanOrEqualTo(2).allMatch(": keepalive"::equals);
        assertThat(JSON.readTree(first.data()).get("number").asText()).isEqualTo("1");
        assertThat(stream.nextEvent(WAIT).type()).isEqualTo("end");
    }

    @Test
    void ndjsonWhenTheClientAcceptsIt() throws Exception {
        final HttpStreamReader stream = open(get("/v1/ticks:watch?count=3&label=nd", "application/x-ndjson"), true);
        assertThat(stream.headers().contentType().is(MediaType.parse("application/x-ndjson"))).isTrue();
        for (int i = 1; i <= 3; i++) {
            final JsonNode tick = JSON.readTree(nonEmptyLine(stream).text());
            assertThat(tick.get("number").asText()).isEqualTo(String.valueOf(i));
            assertThat(tick.get("note").asText()).isEqualTo(TestTickerService.NOTE);
        }
        assertThat(nonEmptyLine(stream)).as("the body ends after the last message").isNull();

        // an error midway is a last line {"error": <the REST error body>}
        final HttpStreamReader failing = open(get("/v1/ticks:watch?count=3&fail_after=1&label=ndf",
                                                  "application/x-ndjson"), true);
        assertThat(JSON.readTree(nonEmptyLine(failing).text()).get("number").asText()).isEqualTo("1");
        final JsonNode error = JSON.readTree(nonEmptyLine(failing).text());
        assertThat(error.size()).isEqualTo(1);
        assertThat(error.get("error").get("error").asText()).isEqualTo("TICKS_FAILED");
        assertThat(error.get("error").get("trace_id").asText()).matches("[0-9a-f]{32}");
        assertThat(nonEmptyLine(failing)).isNull();
    }

    @Test
    void anErrorAfterTheFirstMessageIsTheLastEvent() throws Exception {
        final HttpStreamReader stream = open(get("/v1/ticks:watch?count=5&fail_after=2&label=midway"), true);
        assertThat(stream.nextEvent(WAIT).fields().get("id")).isEqualTo("1");
        assertThat(stream.nextEvent(WAIT).fields().get("id")).isEqualTo("2");
        final Event error = stream.nextEvent(WAIT);
        assertThat(error.type()).isEqualTo("error");
        final JsonNode body = JSON.readTree(error.data());
        assertThat(body.get("error").asText()).isEqualTo("TICKS_FAILED");
        assertThat(body.get("message").asText()).contains("after 2 ticks");
        assertThat(body.get("details").get("domain").asText()).isEqualTo(TestTickerService.DOMAIN);
        assertThat(stream.nextEvent(WAIT)).isNull();
    }

    @Test
    void errorsBeforeTheFirstMessageAreOrdinaryRestErrors() throws Exception {
        // the backend's error: its status and the REST error body
        assertError(aggregate(get("/v1/ticks:watch?count=-1")), 404, "NOT_FOUND");
        // no token: 401 as on every route, and the backend is never called
        final int started = ticker.started.get();
        final AggregatedHttpResponse anonymous = client.blocking().execute(
                RequestHeaders.of(HttpMethod.GET, "/v1/ticks:watch?count=1", "accept", "text/event-stream"));
        assertError(anonymous, 401, "TOKEN_MISSING");
        final AggregatedHttpResponse forged = aggregate(RequestHeaders.builder(HttpMethod.GET, "/v1/ticks:watch?count=1")
                .set("authorization", "Bearer not.a.jwt").build());
        assertError(forged, 401, "TOKEN_INVALID");
        // a parameter of the wrong type: 400 naming it, as for unary routes
        final JsonNode wrongType = assertError(aggregate(get("/v1/ticks:watch?count=1&loud=maybe")), 400,
                                               "INVALID_ARGUMENT");
        assertThat(wrongType.toString()).contains("loud");
        assertThat(ticker.started).as("refused calls never reach the backend").hasValue(started);
    }

    @Test
    void aBodyAndPathVariablesAreBoundLikeUnaryRoutes() throws Exception {
        final HttpStreamReader stream = open(HttpRequest.of(
                RequestHeaders.builder(HttpMethod.POST, "/v1/channels/news:watch")
                              .set("authorization", TestAuthService.BEARER).contentType(MediaType.JSON).build(),
                com.linecorp.armeria.common.HttpData.ofUtf8("{\"count\": 2}")), true);
        for (int i = 1; i <= 2; i++) {
            final JsonNode tick = JSON.readTree(stream.nextEvent(WAIT).data());
            assertThat(tick.get("label").asText()).isEqualTo("channels/news");
        }
        assertThat(stream.nextEvent(WAIT).type()).isEqualTo("end");

        // the request checks of unary routes: an unknown field, a body that is not JSON
        assertError(aggregate(HttpRequest.of(RequestHeaders.builder(HttpMethod.POST, "/v1/channels/news:watch")
                        .set("authorization", TestAuthService.BEARER).contentType(MediaType.JSON).build(),
                com.linecorp.armeria.common.HttpData.ofUtf8("{\"count\": 2, \"cuont\": 3}"))), 400, "INVALID_ARGUMENT");
        assertError(aggregate(HttpRequest.of(RequestHeaders.builder(HttpMethod.POST, "/v1/channels/news:watch")
                        .set("authorization", TestAuthService.BEARER).contentType(MediaType.PLAIN_TEXT).build(),
                com.linecorp.armeria.common.HttpData.ofUtf8("count=2"))), 415, "UNSUPPORTED_MEDIA_TYPE");
        // unary routes of the same service are still the transcoder's
        final AggregatedHttpResponse unary = aggregate(get("/v1/ticks/7"));
        assertThat(unary.status().code()).isEqualTo(200);
        assertThat(JSON.readTree(unary.contentUtf8()).get("number").asText()).isEqualTo("7");
    }

    @Test
    void eachClientHasABoundOnItsStreams() throws Exception {
        final String bearer = "Bearer " + TestAuthService.KEYS.token("user-with-many-tabs");
        final List<HttpStreamReader> open = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            final HttpStreamReader stream = open(bearer("/v1/ticks:watch?count=1000&interval_ms=1000&label=tab" + i,
                                                        bearer), true);
            assertThat(stream.headers().status().code()).isEqualTo(200);
            open.add(stream);
        }
        final JsonNode refused = assertError(aggregate(bearer("/v1/ticks:watch?count=1&label=tab3", bearer)), 429,
                                             "TOO_MANY_STREAMS");
        assertThat(refused.get("details").get("metadata").get("max_streams_per_client").asText()).isEqualTo("3");
        // another user is not bound by this one's streams
        final HttpStreamReader other = open(get("/v1/ticks:watch?count=1&label=other"), true);
        assertThat(other.nextEvent(WAIT).fields().get("id")).isEqualTo("1");

        // a stream closed gives its slot back
        open.remove(0).cancel();
        Poll.until(() -> assertThat(aggregate(bearer("/v1/ticks:watch?count=1&label=tab4", bearer)).status().code())
                .isEqualTo(200));
        open.forEach(HttpStreamReader::cancel);
    }

    @Test
    void aClientGoingAwayCancelsTheBackendCall() throws Exception {
        final HttpStreamReader stream = open(get("/v1/ticks:watch?count=1000&interval_ms=100&label=gone"), true);
        assertThat(stream.nextEvent(WAIT).fields().get("id")).isEqualTo("1");
        stream.cancel();
        Poll.until(() -> assertThat(ticker.cancelled).contains("gone"));
        final int sent = ticker.sentAt.get("gone").size();
        Thread.sleep(400);
        assertThat(ticker.sentAt.get("gone")).as("no tick after the cancellation").hasSize(sent);
    }

    @Test
    void aClientThatDoesNotReadHoldsTheBackendBackInsteadOfFillingTheGateway() throws Exception {
        ticker.padding = 16 * 1024;
        try {
            final int count = 1500;
            final HttpStreamReader stream = open(get("/v1/ticks:watch?count=" + count + "&label=flood"), false);
            // the backend sends what the flow-control windows take, then waits for the client
            Poll.until(() -> assertThat(ticker.sentAt.get("flood")).isNotNull().isNotEmpty());
            int before;
            int after = -1;
            do {
                before = after;
                Thread.sleep(500);
                after = ticker.sentAt.get("flood").size();
            } while (after != before);
            assertThat(after).as("ticks sent while the client reads nothing").isLessThan(count / 2);

            stream.request(Long.MAX_VALUE);
            for (int i = 1; i <= count; i++) {
                final Event event = stream.nextEvent(WAIT);
                assertThat(event.fields().get("id")).isEqualTo(String.valueOf(i));
            }
            assertThat(stream.nextEvent(WAIT).type()).isEqualTo("end");
        } finally {
            ticker.padding = 0;
        }
    }

    @Test
    void aStreamEndsCleanlyAtItsMaximumLifetime() throws Exception {
        final SextantServer shortLived = startGateway(Map.of("STREAM_MAX_LIFETIME", "1500ms"));
        try {
            final WebClient on = HttpStreamReader.client(shortLived.port());
            // a new gateway: its connection to the backend ready first, so that the lifetime is the stream's
            Poll.until(() -> assertThat(on.execute(get("/v1/ticks/1")).aggregate().join().status().code())
                    .isEqualTo(200));
            final HttpStreamReader stream = open(on, get("/v1/ticks:watch?count=1000&interval_ms=100&label=life"));
            int messages = 0;
            Event event = stream.nextEvent(WAIT);
            while (event.type().equals("message")) {
                messages++;
                event = stream.nextEvent(WAIT);
            }
            assertThat(messages).isPositive();
            assertThat(event.type()).isEqualTo("end");
            assertThat(JSON.readTree(event.data()).get("reason").asText()).isEqualTo("MAX_LIFETIME");
            assertThat(stream.nextEvent(WAIT)).isNull();
            Poll.until(() -> assertThat(ticker.cancelled).contains("life"));
        } finally {
            TestMesh.closeAll(shortLived);
        }
    }

    @Test
    void httpBodyStreamsAreRawBodies() throws Exception {
        final AggregatedHttpResponse response = aggregate(get("/v1/blobs/b1/content?chunks=3"));
        assertThat(response.status().code()).isEqualTo(200);
        assertThat(response.contentType().is(MediaType.PLAIN_TEXT)).isTrue();
        assertThat(response.contentUtf8()).isEqualTo("blobs/b1 chunk 1\nblobs/b1 chunk 2\nblobs/b1 chunk 3\n");
        assertError(aggregate(RequestHeaders.of(HttpMethod.GET, "/v1/blobs/b1/content")), 401, "TOKEN_MISSING");
    }

    @Test
    void theOpenApiDocumentDescribesStreamsAsEventStreams() throws Exception {
        final JsonNode document = JSON.readTree(client.blocking().get("/openapi.json").contentUtf8());
        assertThat(OpenApiIT.errors(document)).as("violations of the OpenAPI 3.0 schema").isEmpty();
        final JsonNode watch = document.at("/paths/~1v1~1ticks:watch/get/responses/200/content");
        assertThat(watch.has("text/event-stream")).isTrue();
        assertThat(watch.at("/application~1x-ndjson/schema/$ref").asText())
                .isEqualTo("#/components/schemas/sextant.testing.v1.Tick");
        final JsonNode download = document.at("/paths/~1v1~1blobs~1{blobs_id}~1content/get/responses/200/content");
        assertThat(download.has("application/octet-stream")).as(download.toString()).isTrue();
        assertThat(download.has("text/event-stream")).isFalse();
    }

    private static SextantServer startGateway(Map<String, String> settings) {
        return TestMesh.startGateway(Map.of("auth", TestMesh.target(identity), "ticker", TestMesh.target(backend)),
                                     settings, BACKENDS);
    }

    private static List<Backend> withTicker() {
        final List<Backend> backends = new ArrayList<>(Backend.ALL);
        backends.add(TICKER);
        return backends;
    }

    private static HttpRequest get(String path) {
        return get(path, "text/event-stream");
    }

    private static HttpRequest get(String path, String accept) {
        return HttpRequest.of(RequestHeaders.builder(HttpMethod.GET, path).set("accept", accept)
                                            .set("authorization", TestAuthService.BEARER).build());
    }

    private static HttpRequest bearer(String path, String bearer) {
        return HttpRequest.of(RequestHeaders.builder(HttpMethod.GET, path).set("authorization", bearer).build());
    }

    private static HttpStreamReader open(HttpRequest request, boolean reading) {
        return HttpStreamReader.open(client, request, reading);
    }

    private static HttpStreamReader open(WebClient on, HttpRequest request) {
        return HttpStreamReader.open(on, request, true);
    }

    private static AggregatedHttpResponse aggregate(HttpRequest request) {
        return WebClient.builder("http://127.0.0.1:" + gateway.port()).responseTimeout(WAIT).build()
                        .execute(request).aggregate().join();
    }

    private static AggregatedHttpResponse aggregate(RequestHeaders headers) {
        return aggregate(HttpRequest.of(headers));
    }

    /** The next line that is not a heartbeat (an empty line), or null at the end. */
    private static Line nonEmptyLine(HttpStreamReader stream) throws InterruptedException {
        Line line;
        do {
            line = stream.nextLine(WAIT);
        } while (line != null && line.text().isEmpty());
        return line;
    }
}
