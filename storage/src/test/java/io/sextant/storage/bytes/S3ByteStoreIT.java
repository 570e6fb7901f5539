package io.sextant.storage.bytes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.S3Object;

/** {@link S3ByteStore} against a real S3-compatible server (S3Mock, a child process), 5 MiB parts. */
class S3ByteStoreIT extends ByteStoreContract {

    private static final int PART = 5 * MIB;

    private S3MockServer server;
    private String prefix;
    private S3Client s3;

    @Override
    protected ByteStore newStore() {
        server = S3MockServer.shared();
        prefix = "it-" + UUID.randomUUID() + "/";
        return S3ByteStore.open(server.settings(prefix, PART));
    }

    @Override
    protected int bytesForAPendingWrite() {
        return PART; // the first part goes out when more follows it
    }

    @BeforeEach
    void openClient() {
        s3 = S3ByteStore.client(server.settings(prefix, PART));
    }

    @AfterEach
    void closeClient() {
        s3.close();
    }

    @Test
    void aLargeWriteIsAMultipartUploadUnderTheFinalKeyUntilCommitted() throws IOException {
        final String key = newKey();
        final byte[] data = randomBytes(2 * PART + 123, 11);
        try (ByteStore.Upload upload = store.begin(key, newUploadId())) {
            upload.write(data, 0, data.length);
            assertThat(pendingUploads()).extracting(MultipartUpload::key).containsExactly(prefix + "files/" + key);
            assertThat(objects()).as("only the pending write's marker").singleElement().asString()
                    .startsWith(prefix + "pending/");
            upload.commit();
        }
        assertThat(pendingUploads()).isEmpty();
        assertThat(objects()).containsExactly(prefix + "files/" + key);
        assertThat(s3.headObject(b -> b.bucket(S3MockServer.BUCKET).key(prefix + "files/" + key)).contentLength())
                .isEqualTo(data.length);
    }

    @Test
    void aWriteUnderOnePartSendsNothingBeforeCommit() throws IOException {
        final String key = newKey();
        final byte[] data = randomBytes(PART, 12);
        try (ByteStore.Upload upload = store.begin(key, newUploadId())) {
            upload.write(data, 0, data.length);
            assertThat(pendingUploads()).isEmpty();
            assertThat(objects()).isEmpty();
            upload.commit();
        }
        assertThat(read(key, 0, data.length)).isEqualTo(data);
        assertThat(pendingUploads()).isEmpty();
    }

    @Test
    void sweepAbortsAStaleMultipartUploadThatHasNoMarker() throws IOException {
        // a crash between CreateMultipartUpload and writing the marker
        s3.createMultipartUpload(b -> b.bucket(S3MockServer.BUCKET).key(prefix + "files/" + newKey()));
        assertThat(store.sweep(Set.of(), 3600)).isZero();
        assertThat(pendingUploads()).hasSize(1);
        assertThat(store.sweep(Set.of(), 0)).isEqualTo(1);
        assertThat(pendingUploads()).isEmpty();
    }

    @Test
    void sweepRemovesAMarkerLeftByACrashAfterItsUploadEnded() throws IOException {
        final String marker = prefix + "pending/" + newUploadId() + "/bm90LWFuLXVwbG9hZA";
        s3.putObject(b -> b.bucket(S3MockServer.BUCKET).key(marker),
                     software.amazon.awssdk.core.sync.RequestBody.empty());
        assertThat(store.sweep(Set.of(), 3600)).isZero();
        assertThat(objects()).containsExactly(marker);
        assertThat(store.sweep(Set.of(), 0)).as("a marker is not a pending write").isZero();
        assertThat(objects()).isEmpty();
    }

    @Test
    void aMissingBucketIsNamed() throws IOException {
        final S3Settings settings = new S3Settings(server.endpoint(), "us-east-1", "no-such-bucket", "id", "secret",
                                                   true, "", PART);
        try (S3ByteStore missing = S3ByteStore.open(settings)) {
            assertThatThrownBy(missing::verify).isInstanceOf(S3StoreException.class)
                    .hasMessageContaining("no-such-bucket").hasMessageContaining("S3_BUCKET");
            final ByteStore.Upload upload = missing.begin(newKey(), newUploadId());
            upload.write(new byte[10], 0, 10);
            assertThatThrownBy(upload::commit).isInstanceOf(S3StoreException.class)
                    .hasMessageContaining("does not exist").hasMessageContaining("S3_BUCKET");
            upload.abort();
        }
    }

    @Test
    void anUnreachableEndpointIsNamed() throws IOException {
        final int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        final S3Settings settings = new S3Settings(URI.create("http://127.0.0.1:" + port), "us-east-1",
                                                   S3MockServer.BUCKET, "id", "secret", true, "", PART);
        try (S3ByteStore nowhere = S3ByteStore.open(settings)) {
            assertThatThrownBy(nowhere::verify).isInstanceOf(S3StoreException.class)
                    .hasMessageContaining("http://127.0.0.1:" + port).hasMessageContaining("S3_ENDPOINT")
                    .satisfies(e -> assertThat(((S3StoreException) e).status()).isZero());
        }
    }

    /**
     * S3Mock accepts any signature, so refused credentials are shown with a loopback server that answers as AWS
     * S3 does for an unknown access key (403, the error document of the S3 API reference).
     */
    @Test
    void refusedCredentialsAreNamed() throws IOException {
        final HttpServer refusing = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        final byte[] error = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>InvalidAccessKeyId</Code>"
                              + "<Message>The AWS Access Key Id you provided does not exist in our records.</Message>"
                              + "<AWSAccessKeyId>wrong</AWSAccessKeyId><RequestId>1</RequestId></Error>")
                .getBytes(StandardCharsets.UTF_8);
        refusing.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().add("Content-Type", "application/xml");
            final boolean head = exchange.getRequestMethod().equals("HEAD");
            exchange.sendResponseHeaders(403, head ? -1 : error.length);
            if (!head) {
                exchange.getResponseBody().write(error);
            }
            exchange.close();
        });
        refusing.start();
        final S3Settings settings = new S3Settings(URI.create("http://127.0.0.1:" + refusing.getAddress().getPort()),
                                                   "us-east-1", S3MockServer.BUCKET, "wrong", "wrong", true, "", PART);
        try (S3ByteStore refused = S3ByteStore.open(settings)) {
            assertThatThrownBy(refused::verify).isInstanceOf(S3StoreException.class)
                    .hasMessageContaining("S3_ACCESS_KEY_ID").hasMessageContaining("403");
            assertThatThrownBy(() -> refused.open(newKey(), 0, 10)).isInstanceOf(S3StoreException.class)
                    .hasMessageContaining("InvalidAccessKeyId").hasMessageContaining("S3_SECRET_ACCESS_KEY");
        } finally {
            refusing.stop(0);
        }
    }

    private List<MultipartUpload> pendingUploads() {
        return s3.listMultipartUploads(b -> b.bucket(S3MockServer.BUCKET).prefix(prefix)).uploads();
    }

    private List<String> objects() {
        return s3.listObjectsV2(b -> b.bucket(S3MockServer.BUCKET).prefix(prefix)).contents().stream()
                .map(S3Object::key).toList();
    }
}
