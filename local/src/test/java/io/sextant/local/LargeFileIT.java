package io.sextant.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.linecorp.armeria.client.grpc.GrpcClients;

import io.grpc.stub.StreamObserver;
import io.sextant.storage.v1.DownloadFileRequest;
import io.sextant.storage.v1.DownloadFileResponse;
import io.sextant.storage.v1.File;
import io.sextant.storage.v1.StorageServiceGrpc;
import io.sextant.storage.v1.UploadFileRequest;
import io.sextant.storage.v1.UploadFileResponse;
import io.sextant.storage.v1.UploadMetadata;

/**
 * A 1 GiB file up and down through the gateway of a mesh whose one JVM (gateway and storage and the
 * rest) has the 256 MiB heap of {@code ./sextant up}, where an out-of-memory error would end it: nothing
 * on the way holds a file whole. Then a file larger than any one request's limit (16 MiB) up and down
 * over gRPC through the gateway, the way a generated stub does it.
 */
class LargeFileIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long GIB = 1L << 30;
    private static final int MIB = 1 << 20;

    @TempDir
    Path data;
    private Process mesh;

    @AfterEach
    void stop() throws InterruptedException {
        if (mesh != null) {
            ChildMesh.stop(mesh, data);
        }
    }

    @Test
    void aGibibyteGoesUpAndDownThroughTheGatewayOfAMeshWithA256MibHeap() throws Exception {
        final int port = ChildMesh.freeBasePort();
        mesh = ChildMesh.up(data, port, "mesh");
        final String username = "big" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        assertThat(ChildMesh.register(port, username).statusCode()).isEqualTo(200);
        final String token = JSON.readTree(ChildMesh.login(port, username).body()).path("accessToken").asText();
        final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

        final MessageDigest sent = MessageDigest.getInstance("SHA-256");
        final HttpRequest upload = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/files?filename=big.bin"))
                                              .header("authorization", "Bearer " + token)
                                              .header("content-type", "application/octet-stream")
                                              .timeout(Duration.ofMinutes(10))
                                              .POST(HttpRequest.BodyPublishers.fromPublisher(
                                                      HttpRequest.BodyPublishers.ofInputStream(() -> generated(GIB, sent)), GIB))
                                              .build();
        final HttpResponse<String> stored = http.send(upload, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        assertThat(stored.statusCode()).as(stored.body()).isEqualTo(200);
        final JsonNode file = JSON.readTree(stored.body());
        final String digest = HexFormat.of().formatHex(sent.digest());
        assertThat(file.path("sizeBytes").asText()).isEqualTo(String.valueOf(GIB));
        assertThat(file.path("sha256").asText()).isEqualTo(digest);

        final HttpRequest download = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/"
                                                                       + file.path("name").asText() + "/content"))
                                                .header("authorization", "Bearer " + token)
                                                .timeout(Duration.ofMinutes(10)).GET().build();
        final HttpResponse<InputStream> bytes = http.send(download, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(bytes.statusCode()).isEqualTo(200);
        assertThat(bytes.headers().firstValueAsLong("content-length")).hasValue(GIB);
        final MessageDigest received = MessageDigest.getInstance("SHA-256");
        long length = 0;
        try (InputStream body = bytes.body()) {
            final byte[] buffer = new byte[MIB];
            for (int n; (n = body.read(buffer)) >= 0; ) {
                received.update(buffer, 0, n);
                length += n;
            }
        }
        assertThat(length).isEqualTo(GIB);
        assertThat(HexFormat.of().formatHex(received.digest())).isEqualTo(digest);
        assertThat(mesh.isAlive()).as("the mesh ran out of memory: %s", ChildMesh.output(data, "mesh")).isTrue();

        // over gRPC through the gateway: 40 MiB in 1 MiB messages, more than any one request may carry
        final StorageServiceGrpc.StorageServiceStub grpc = GrpcClients.builder("http://127.0.0.1:" + port)
                                                                       .addHeader("authorization", "Bearer " + token)
                                                                       .responseTimeout(Duration.ofMinutes(2))
                                                                       .maxResponseLength(0)
                                                                       .build(StorageServiceGrpc.StorageServiceStub.class);
        final byte[] chunk = new byte[MIB];
        new Random(7).nextBytes(chunk);
        final MessageDigest overGrpc = MessageDigest.getInstance("SHA-256");
        final CompletableFuture<File> uploaded = new CompletableFuture<>();
        final StreamObserver<UploadFileRequest> requests = grpc.uploadFile(new StreamObserver<>() {
            @Override
            public void onNext(UploadFileResponse response) {
                uploaded.complete(response.getFile());
            }

            @Override
            public void onError(Throwable t) {
                uploaded.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
            }
        });
        requests.onNext(UploadFileRequest.newBuilder().setMetadata(UploadMetadata.newBuilder()
                .setFile(File.newBuilder().setFilename("forty.bin")).setSizeBytes(40L * MIB)).build());
        for (int i = 0; i < 40; i++) {
            overGrpc.update(chunk);
            requests.onNext(UploadFileRequest.newBuilder().setData(ByteString.copyFrom(chunk)).build());
        }
        requests.onCompleted();
        final File forty = uploaded.get(2, TimeUnit.MINUTES);
        final String fortyDigest = HexFormat.of().formatHex(overGrpc.digest());
        assertThat(forty.getSha256()).isEqualTo(fortyDigest);

        final MessageDigest back = MessageDigest.getInstance("SHA-256");
        final long[] backLength = {0};
        final CompletableFuture<Void> downloaded = new CompletableFuture<>();
        grpc.downloadFile(DownloadFileRequest.newBuilder().setName(forty.getName()).build(), new StreamObserver<>() {
            @Override
            public void onNext(DownloadFileResponse part) {
                if (part.hasData()) {
                    back.update(part.getData().asReadOnlyByteBuffer());
                    backLength[0] += part.getData().size();
                }
            }

            @Override
            public void onError(Throwable t) {
                downloaded.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                downloaded.complete(null);
            }
        });
        downloaded.get(2, TimeUnit.MINUTES);
        assertThat(backLength[0]).isEqualTo(40L * MIB);
        assertThat(HexFormat.of().formatHex(back.digest())).isEqualTo(fortyDigest);
    }

    /** {@code size} bytes of a random MiB repeated, hashed as they are read. */
    private static InputStream generated(long size, MessageDigest digest) {
        final byte[] block = new byte[MIB];
        new Random(42).nextBytes(block);
        return new InputStream() {
            private long sent;

            @Override
            public int read() {
                final byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] into, int offset, int length) {
                if (sent == size) {
                    return -1;
                }
                final int at = (int) (sent % MIB);
                final int n = (int) Math.min(Math.min(length, size - sent), MIB - at);
                System.arraycopy(block, at, into, offset, n);
                digest.update(into, offset, n);
                sent += n;
                return n;
            }
        };
    }
}
