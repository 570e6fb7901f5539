package io.sextant.gateway;

import static io.sextant.gateway.GatewayIT.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpObject;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpRequestWriter;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;

import io.sextant.gateway.backends.Backend;
import io.sextant.platform.server.SextantServer;
import io.sextant.platform.testing.Poll;
import io.sextant.testing.v1.BlobKind;
import io.sextant.testing.v1.PutBlobHead;

/**
 * Byte streams over plain HTTP through a real gateway, in front of a real gRPC stand-in with the test
 * contract {@code sextant.testing.v1.BlobService} ({@code (sextant.api.v1.http_bytes)} uploads and
 * downloads), called with real HTTP/1.1 and HTTP/2 clients: raw and form uploads streamed through, their
 * parameters and refusals, the upload limit, a client going away, downloads with their headers, entity
 * tags, ranges, a failure after the headers, and a client that does not read.
 */
class ByteStreamsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int MIB = 1024 * 1024;
    private static final int SMALL_LIMIT = 4 * MIB;
    /** The heap (and direct memory) of the forked gateway. */
    private static final int FORKED_HEAP_MIB = 96;

    private static SextantServer identity;
    private static TestBlobService blobs;
    private static SextantServer backend;
    private static SextantServer gateway;
    private static SextantServer smallGateway;
    private static HttpClient http1;

    @BeforeAll
    static void start() {
        identity = TestMesh.startService("auth", new TestAuthService());
        blobs = new TestBlobService();
        backend = TestMesh.startService("blobs", blobs);
        gateway = startGateway(Map.of());
        smallGateway = startGateway(Map.of("UPLOAD_MAX_BYTES", String.valueOf(SMALL_LIMIT)));
        http1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void stop() {
        TestMesh.closeAll(gateway, smallGateway, backend, identity);
        blobs.close();
    }

    // --- uploads ---------------------------------------------------------------------------------

    @Test
    void aRawUploadIsStreamedThroughEveryByteWithItsParameters() throws Exception {
        final long size = 256L * MIB + 12_345;
        final MessageDigest sent = TestBlobService.digest();
        final java.net.http.HttpRequest request = java.net.http.HttpRequest
                .newBuilder(URI.create(base(gateway) + "/v1/folders/f1/blobs?name=big.bin&labels=a&labels=b"
                                       + "&kind=PICTURE&note=hello"))
                .header("authorization", TestAuthService.BEARER)
                .header("content-type", "application/x-big")
                .POST(java.net.http.HttpRequest.BodyPublishers.fromPublisher(
                        java.net.http.HttpRequest.BodyPublishers.ofInputStream(
                                () -> new Generated(size, sent, "big.bin")), size))
                .build();
        final java.net.http.HttpResponse<String> response =
                http1.send(request, java.net.http.HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/json"));
        final JsonNode blob = JSON.readTree(response.body());
        // the response_body field: the blob itself, in ProtoJSON
        assertThat(blob.get("name").asText()).isEqualTo("big.bin");
        assertThat(blob.get("folder").asText()).isEqualTo("folders/f1");
        assertThat(blob.get("contentType").asText()).isEqualTo("application/x-big");
        assertThat(blob.get("labels")).hasSize(2);
        assertThat(blob.get("kind").asText()).isEqualTo("BLOB_KIND_PICTURE");
        assertThat(blob.get("sizeBytes").asText()).isEqualTo(String.valueOf(size));
        assertThat(blob.get("sha256").asText()).isEqualTo(HexFormat.of().formatHex(sent.digest()));

        final PutBlobHead head = blobs.heads.get("big.bin");
        assertThat(head.getSizeBytes()).as("Content-Length").isEqualTo(size);
        assertThat(head.getNote()).isEqualTo("hello");
        assertThat(head.getBlob().getKind()).isEqualTo(BlobKind.BLOB_KIND_PICTURE);
        final List<Integer> chunks = blobs.chunkSizes.get("big.bin");
        assertThat(chunks.subList(0, chunks.size() - 1))
                .allSatisfy(chunk -> assertThat(chunk).isBetween(256 * 1024, MIB));
        assertThat(chunks.get(chunks.size() - 1)).isBetween(1, MIB);
    }

    @Test
    void aGatewayWithASmallHeapStreamsAnUploadLargerThanItsHeap() throws Exception {
        final Path output = Files.createTempFile("forked-gateway", ".log");
        final Process forked = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx" + FORKED_HEAP_MIB + "m",
                "-XX:MaxDirectMemorySize=" + FORKED_HEAP_MIB + "m", "-cp", System.getProperty("java.class.path"),
                ForkedGateway.class.getName(), TestMesh.target(identity), TestMesh.target(backend))
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        try {
            final int[] port = {0};
            Poll.until(WAIT, () -> {
                assertThat(forked.isAlive()).as("the forked gateway runs").isTrue();
                final String started = Files.readAllLines(output).stream()
                                            .filter(line -> line.startsWith(ForkedGateway.PORT)).findFirst().orElse(null);
                assertThat(started).isNotNull();
                port[0] = Integer.parseInt(started.substring(ForkedGateway.PORT.length()));
            });
            final long size = 3L * FORKED_HEAP_MIB * MIB; // three times what the gateway's heap could hold
            final MessageDigest sent = TestBlobService.digest();
            final java.net.http.HttpResponse<String> response = http1.send(
                    java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port[0]
                                                                    + "/v1/folders/f7/blobs?name=heap.bin"))
                            .header("authorization", TestAuthService.BEARER)
                            .POST(java.net.http.HttpRequest.BodyPublishers.fromPublisher(
                                    java.net.http.HttpRequest.BodyPublishers.ofInputStream(
                                            () -> new Generated(size, sent, "heap.bin")), size))
                            .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            final JsonNode blob = JSON.readTree(response.body());
            assertThat(blob.get("sizeBytes").asText()).isEqualTo(String.valueOf(size));
            assertThat(blob.get("sha256").asText()).isEqualTo(HexFormat.of().formatHex(sent.digest()));
            assertThat(forked.isAlive()).as("the forked gateway did not run out of memory").isTrue();
        } finally {
            forked.getOutputStream().close();
            if (!forked.waitFor(20, TimeUnit.SECONDS)) {
                forked.destroyForcibly();
            }
            Files.deleteIfExists(output);
        }
    }

    @Test
    void aFormUploadTakesItsTextPartsAndTheFilesNameAndType() throws Exception {
        final byte[] file = TestBlobService.bytes(0, 3 * MIB + 5);
        final AggregatedHttpResponse response = postForm("/v1/folders/f2/blobs", List.of(
                text("labels", "x"), text("labels", "y"), text("kind", "BLOB_KIND_DOCUMENT"),
                filePart("file", "a%22b%0D%0Ac.txt", "text/plain", file)));
        assertThat(response.status().code()).as(response.contentUtf8()).isEqualTo(200);
        final JsonNode blob = JSON.readTree(response.contentUtf8());
        // browsers percent-encode ", CR and LF in a form's file name (RFC 7578 §4.2)
        assertThat(blob.get("name").asText()).isEqualTo("a\"b\r\nc.txt");
        assertThat(blob.get("contentType").asText()).isEqualTo("text/plain");
        assertThat(blob.get("kind").asText()).isEqualTo("BLOB_KIND_DOCUMENT");
        assertThat(JSON.convertValue(blob.get("labels"), List.class)).containsExactly("x", "y");
        assertThat(blob.get("sizeBytes").asText()).isEqualTo(String.valueOf(file.length));
        assertThat(blob.get("sha256").asText()).isEqualTo(hex(file));

        // a name part before the file: it wins over the file's own name
        final AggregatedHttpResponse named = postForm("/v1/folders/f2/blobs", List.of(
                text("name", "chosen.txt"), filePart("file", "ignored.txt", "text/plain", new byte[] {1, 2, 3})));
        assertThat(JSON.readTree(named.contentUtf8()).get("name").asText()).isEqualTo("chosen.txt");
    }

    @Test
    void formsAndParametersTheDeclarationDoesNotAllowAreRefusedNamingThem() throws Exception {
        final JsonNode after = assertError(postForm("/v1/folders/f3/blobs", List.of(
                filePart("file", "first.bin", "application/octet-stream", new byte[] {1}),
                text("labels", "late"))), 400, "INVALID_ARGUMENT");
        assertThat(after.get("message").asText()).contains("after its file part 'file'");

        final JsonNode unknown = assertError(postForm("/v1/folders/f3/blobs", List.of(
                text("colour", "blue"), filePart("file", "x.bin", "application/octet-stream", new byte[] {1}))),
                                             400, "INVALID_ARGUMENT");
        assertThat(unknown.toString()).contains("colour");

        final JsonNode query = assertError(raw(gateway, "/v1/folders/f3/blobs?name=q.bin&colour=blue", new byte[] {1}),
                                           400, "INVALID_ARGUMENT");
        assertThat(query.toString()).contains("colour");

        final JsonNode kind = assertError(raw(gateway, "/v1/folders/f3/blobs?name=k.bin&kind=MOVIE", new byte[] {1}),
                                          400, "INVALID_ARGUMENT");
        assertThat(kind.toString()).contains("kind").contains("BLOB_KIND_PICTURE");

        final JsonNode noFile = assertError(postForm("/v1/folders/f3/blobs", List.of(text("name", "n.bin"))),
                                            400, "INVALID_ARGUMENT");
        assertThat(noFile.get("message").asText()).contains("no file part");

        final JsonNode longPart = assertError(postForm("/v1/folders/f3/blobs", List.of(
                text("name", "x".repeat(9 * 1024)), filePart("file", "x.bin", "text/plain", new byte[] {1}))),
                                              400, "INVALID_ARGUMENT");
        assertThat(longPart.get("message").asText()).contains("'name'");
    }

    @Test
    void theBackendsRefusalsKeepTheirStatus() throws Exception {
        assertError(raw(gateway, "/v1/folders/f4/blobs?name=r.bin&note=reject", new byte[] {1}), 400, "INVALID_ARGUMENT");
        assertError(raw(gateway, "/v1/folders/f4/blobs?name=t.bin&note=too-large", new byte[] {1}), 413,
                    "FILE_TOO_LARGE");
        // no token: 401, as on every route
        final AggregatedHttpResponse anonymous = WebClient.of(base(gateway)).blocking().execute(
                RequestHeaders.of(HttpMethod.POST, "/v1/folders/f4/blobs?name=anon.bin"), HttpData.wrap(new byte[] {1}));
        assertError(anonymous, 401, "TOKEN_MISSING");
        assertThat(blobs.heads).doesNotContainKey("anon.bin");
    }

    @Test
    void anUploadPastTheLimitIs413() throws Exception {
        // announced by its Content-Length: refused before the body is read
        final java.net.http.HttpResponse<String> announced = http1.send(
                java.net.http.HttpRequest.newBuilder(URI.create(base(smallGateway) + "/v1/folders/f5/blobs?name=l1.bin"))
                                         .header("authorization", TestAuthService.BEARER)
                                         .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(
                                                 new byte[SMALL_LIMIT + 1]))
                                         .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(announced.statusCode()).isEqualTo(413);
        assertThat(JSON.readTree(announced.body()).get("error").asText()).isEqualTo("REQUEST_ENTITY_TOO_LARGE");

        // streamed without a length (HTTP/2): refused when it passes the limit, and the backend keeps nothing
        final HttpRequestWriter body = HttpRequest.streaming(uploadHeaders("/v1/folders/f5/blobs?name=l2.bin"));
        final CompletableFuture<AggregatedHttpResponse> answer =
                WebClient.builder(base(smallGateway)).responseTimeout(WAIT).build().execute(body).aggregate();
        for (int i = 0; i < SMALL_LIMIT / MIB + 2 && !answer.isDone(); i++) {
            if (!body.tryWrite(HttpData.wrap(new byte[MIB]))) {
                break;
            }
            try {
                body.whenConsumed().get(10, TimeUnit.SECONDS);
            } catch (ExecutionException refusedMidway) {
                break; // the gateway answered (and stopped reading) while the client was still sending
            }
        }
        body.close();
        final AggregatedHttpResponse refused = answer.get(10, TimeUnit.SECONDS);
        assertError(refused, 413, "REQUEST_ENTITY_TOO_LARGE");
        Poll.until(() -> assertThat(blobs.cancelledUploads).contains("l2.bin"));
    }

    @Test
    void aClientThatGoesAwayMidBodyCancelsTheBackendsCall() throws Exception {
        final HttpRequestWriter body = HttpRequest.streaming(uploadHeaders("/v1/folders/f6/blobs?name=gone.bin"));
        final CompletableFuture<AggregatedHttpResponse> answer =
                WebClient.builder(base(gateway)).responseTimeout(Duration.ZERO).build().execute(body).aggregate();
        body.write(HttpData.wrap(new byte[2 * MIB]));
        Poll.until(() -> assertThat(blobs.received.getOrDefault("gone.bin", 0L)).isPositive());
        body.abort();
        Poll.until(() -> assertThat(blobs.cancelledUploads).contains("gone.bin"));
        assertThatThrownBy(() -> answer.get(10, TimeUnit.SECONDS)).isNotNull();
    }

    // --- downloads ---------------------------------------------------------------------------------

    @Test
    void aDownloadIsTheBytesWithTheFilesHeaders() throws Exception {
        final int size = 300_000;
        final AggregatedHttpResponse response = get("/v1/blobs/data-" + size + "/content", Map.of());
        assertThat(response.status().code()).isEqualTo(200);
        assertThat(response.headers().contentType().toString()).isEqualTo("application/octet-stream");
        assertThat(response.headers().contentLength()).isEqualTo(size);
        assertThat(response.headers().get("etag")).isEqualTo('"' + TestBlobService.sha256(size) + '"');
        assertThat(response.headers().get("last-modified")).isEqualTo("Tue, 14 Nov 2023 22:13:20 GMT");
        assertThat(response.headers().get("accept-ranges")).isEqualTo("bytes");
        // the ASCII fallback has no quote, backslash or control character; filename* has the exact name
        assertThat(response.headers().get("content-disposition")).isEqualTo(
                "attachment; filename=\"r_sum_ final.bin\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22%0D%0A.bin");
        assertThat(response.headers().get("x-content-type-options")).isEqualTo("nosniff");
        assertThat(response.headers().get("content-security-policy")).isEqualTo("sandbox");
        assertThat(response.headers().get("cache-control")).isEqualTo("private, no-store");
        assertThat(response.content().array()).isEqualTo(TestBlobService.bytes(0, size));
    }

    @Test
    void aMatchingEntityTagIs304AndCancelsTheBackend() throws Exception {
        final long size = 64L * MIB;
        final String etag = '"' + TestBlobService.sha256(size) + '"';
        final AggregatedHttpResponse response = get("/v1/blobs/data-" + size + "/content",
                                                    Map.of("if-none-match", "\"other\", " + etag));
        assertThat(response.status().code()).isEqualTo(304);
        assertThat(response.headers().get("etag")).isEqualTo(etag);
        assertThat(response.content().isEmpty()).isTrue();
        Poll.until(() -> assertThat(blobs.cancelledDownloads).contains("data-" + size));

        assertThat(get("/v1/blobs/data-10/content", Map.of("if-none-match", "*")).status().code()).isEqualTo(304);
        // a HEAD: the headers alone
        final AggregatedHttpResponse head = WebClient.of(base(gateway)).blocking().execute(
                RequestHeaders.builder(HttpMethod.HEAD, "/v1/blobs/data-1000/content")
                              .set("authorization", TestAuthService.BEARER).build());
        assertThat(head.status().code()).isEqualTo(200);
        assertThat(head.headers().get("etag")).isEqualTo('"' + TestBlobService.sha256(1000) + '"');
        assertThat(head.content().isEmpty()).isTrue();
    }

    @Test
    void aSingleRangeIs206AndTheRestIsServedWhole() throws Exception {
        final int size = 300_000;
        final String path = "/v1/blobs/data-" + size + "/content";
        assertRange(get(path, Map.of("range", "bytes=100-199")), 100, 100, size);
        assertRange(get(path, Map.of("range", "bytes=299900-")), 299_900, 100, size);
        assertRange(get(path, Map.of("range", "bytes=-500")), 299_500, 500, size);
        for (String whole : List.of("bytes=0-1,5-6", "bytes=abc", "items=0-1", "bytes=9-3")) {
            final AggregatedHttpResponse response = get(path, Map.of("range", whole));
            assertThat(response.status().code()).as(whole).isEqualTo(200);
            assertThat(response.content().length()).as(whole).isEqualTo(size);
        }
        // If-Range is not evaluated: the whole file, never a part of another version
        assertThat(get(path, Map.of("range", "bytes=0-9", "if-range", "\"x\"")).status().code()).isEqualTo(200);

        final AggregatedHttpResponse beyond = get(path, Map.of("range", "bytes=400000-"));
        assertError(beyond, 416, "RANGE_NOT_SATISFIABLE");
        assertThat(beyond.headers().get("content-range")).isEqualTo("bytes */" + size);
    }

    @Test
    void htmlIsServedAsASandboxedAttachment() throws Exception {
        final AggregatedHttpResponse page = get("/v1/blobs/page.html/content", Map.of());
        assertThat(page.status().code()).isEqualTo(200);
        assertThat(page.headers().contentType().toString()).startsWith("text/html");
        assertThat(page.headers().get("content-disposition")).startsWith("attachment; filename=\"page.html\"");
        assertThat(page.headers().get("content-security-policy")).isEqualTo("sandbox");
        assertThat(page.headers().get("x-content-type-options")).isEqualTo("nosniff");
        assertThat(page.contentUtf8()).isEqualTo(TestBlobService.PAGE);
    }

    @Test
    void aFailureAfterTheHeadersBreaksTheResponseOff() throws Exception {
        // HTTP/2: the stream is reset
        final String path = "/v1/blobs/broken-2000000/content";
        assertThatThrownBy(() -> WebClient.builder(base(gateway)).responseTimeout(WAIT).build()
                                          .execute(authorized(HttpMethod.GET, path, Map.of())).aggregate()
                                          .get(20, TimeUnit.SECONDS))
                .isNotNull();
        // HTTP/1.1: the connection closes before the announced length
        assertThatThrownBy(() -> http1.send(java.net.http.HttpRequest.newBuilder(URI.create(base(gateway) + path))
                                                                     .header("authorization", TestAuthService.BEARER)
                                                                     .build(),
                                            java.net.http.HttpResponse.BodyHandlers.ofByteArray()))
                .isInstanceOf(IOException.class);
    }

    @Test
    void aClientThatDoesNotReadGetsNoMoreThanTheBuffersHold() throws Exception {
        final long size = 256L * MIB;
        final String name = "data-" + size;
        final AtomicReference<Subscription> subscription = new AtomicReference<>();
        final CompletableFuture<Void> headers = new CompletableFuture<>();
        HttpStreamReader.client(gateway.port())
                        .execute(authorized(HttpMethod.GET, "/v1/blobs/" + name + "/content", Map.of()))
                        .subscribe(new Subscriber<HttpObject>() {
                            @Override
                            public void onSubscribe(Subscription s) {
                                subscription.set(s);
                                s.request(2); // the headers and one piece of the body, then nothing
                            }

                            @Override
                            public void onNext(HttpObject object) {
                                headers.complete(null);
                            }

                            @Override
                            public void onError(Throwable t) {}

                            @Override
                            public void onComplete() {}
                        });
        headers.get(10, TimeUnit.SECONDS);
        // the backend sends while its call is ready; with nobody reading, that stops once the buffers are full
        final int[] last = {-1};
        Poll.until(() -> {
            final int now = blobs.sentChunks.get(name).get();
            final boolean settled = now == last[0];
            last[0] = now;
            assertThat(settled).isTrue();
        });
        final long buffered = (long) blobs.sentChunks.get(name).get() * TestBlobService.DOWNLOAD_CHUNK;
        assertThat(buffered).as("bytes the backend sent to a client that reads nothing").isLessThan(size / 8);
        subscription.get().cancel();
        Poll.until(() -> assertThat(blobs.cancelledDownloads).contains(name));
    }

    @Test
    void theByteRoutesAreInTheOpenApiDocument() throws Exception {
        final JsonNode paths = JSON.readTree(WebClient.of(base(gateway)).blocking().get("/openapi.json").contentUtf8())
                                   .get("paths");
        final JsonNode upload = paths.get("/v1/folders/{folders_id}/blobs").get("post");
        final List<String> query = new ArrayList<>();
        upload.get("parameters").forEach(parameter -> query.add(parameter.get("name").asText()));
        assertThat(query).contains("name", "labels", "kind", "note");
        final JsonNode body = upload.at("/requestBody/content");
        assertThat(body.has("application/octet-stream")).isTrue();
        final List<String> parts = new ArrayList<>();
        body.at("/multipart~1form-data/schema/properties").fieldNames().forEachRemaining(parts::add);
        assertThat(parts).containsExactly("name", "labels", "kind", "note", "file");

        final JsonNode download = paths.get("/v1/blobs/{name}/content").get("get");
        assertThat(download.get("responses").has("206")).isTrue();
        assertThat(download.get("responses").has("416")).isTrue();
        assertThat(download.get("responses").has("304")).isTrue();
        assertThat(download.get("parameters").toString()).contains("\"Range\"");
        assertThat(download.at("/responses/200/content").has("application/octet-stream")).isTrue();
    }

    // --- helpers ---------------------------------------------------------------------------------

    private static void assertRange(AggregatedHttpResponse response, long start, int length, long size) {
        assertThat(response.status().code()).isEqualTo(206);
        assertThat(response.headers().get("content-range"))
                .isEqualTo("bytes " + start + "-" + (start + length - 1) + "/" + size);
        assertThat(response.headers().contentLength()).isEqualTo(length);
        assertThat(response.content().array()).isEqualTo(TestBlobService.bytes(start, length));
    }

    private static SextantServer startGateway(Map<String, String> settings) {
        final List<Backend> backends = new ArrayList<>(Backend.ALL);
        backends.add(TestBlobService.BACKEND);
        return TestMesh.startGateway(Map.of("auth", TestMesh.target(identity), "blobs", TestMesh.target(backend)),
                                     settings, backends);
    }

    private static String base(SextantServer server) {
        return "http://127.0.0.1:" + server.port();
    }

    private static HttpRequest authorized(HttpMethod method, String path, Map<String, String> headers) {
        final RequestHeadersBuilder builder = RequestHeaders.builder(method, path)
                                                             .set("authorization", TestAuthService.BEARER);
        headers.forEach(builder::set);
        return HttpRequest.of(builder.build());
    }

    private static AggregatedHttpResponse get(String path, Map<String, String> headers) {
        return WebClient.builder(base(gateway)).responseTimeout(WAIT).maxResponseLength(0).build()
                        .execute(authorized(HttpMethod.GET, path, headers)).aggregate().join();
    }

    private static RequestHeaders uploadHeaders(String path) {
        return RequestHeaders.builder(HttpMethod.POST, path).set("authorization", TestAuthService.BEARER)
                             .set("content-type", "application/octet-stream").build();
    }

    private static AggregatedHttpResponse raw(SextantServer server, String path, byte[] body) {
        return WebClient.builder(base(server)).responseTimeout(WAIT).build()
                        .execute(uploadHeaders(path), HttpData.wrap(body)).aggregate().join();
    }

    private static final String BOUNDARY = "sextant-test-boundary";

    private static byte[] text(String name, String value) {
        return ("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] filePart(String name, String filename, String type, byte[] content) {
        final byte[] head = ("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\""
                             + filename + "\"\r\nContent-Type: " + type + "\r\n\r\n").getBytes(StandardCharsets.UTF_8);
        final byte[] part = new byte[head.length + content.length + 2];
        System.arraycopy(head, 0, part, 0, head.length);
        System.arraycopy(content, 0, part, head.length, content.length);
        part[part.length - 2] = '\r';
        part[part.length - 1] = '\n';
        return part;
    }

    private static AggregatedHttpResponse postForm(String path, List<byte[]> parts) {
        final java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        parts.forEach(body::writeBytes);
        body.writeBytes(("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return WebClient.builder(base(gateway)).responseTimeout(WAIT).build()
                        .execute(RequestHeaders.builder(HttpMethod.POST, path)
                                               .set("authorization", TestAuthService.BEARER)
                                               .set("content-type", "multipart/form-data; boundary=" + BOUNDARY)
                                               .build(),
                                 HttpData.wrap(body.toByteArray()))
                        .aggregate().join();
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(TestBlobService.digest().digest(bytes));
    }

    /**
     * The bytes of an upload, made as they are sent, hashed as they go; a quarter of the way through it waits
     * until the stand-in has received bytes: a gateway that buffered the whole body would make it wait forever,
     * so the upload succeeding proves the body streams through.
     */
    private static final class Generated extends InputStream {

        private final long size;
        private final MessageDigest digest;
        private final String name;
        private long at;
        private boolean waited;

        Generated(long size, MessageDigest digest, String name) {
            this.size = size;
            this.digest = digest;
            this.name = name;
        }

        @Override
        public int read() {
            final byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            if (at >= size) {
                return -1;
            }
            if (!waited && at >= size / 4) {
                waited = true;
                Poll.until(WAIT, () -> assertThat(blobs.received.getOrDefault(name, 0L))
                        .as("bytes at the backend before the client sent the rest").isPositive());
            }
            final int n = (int) Math.min(length, size - at);
            for (int i = 0; i < n; i++) {
                buffer[offset + i] = (byte) ((at + i) * 7 + 3);
            }
            digest.update(buffer, offset, n);
            at += n;
            return n;
        }
    }
}
