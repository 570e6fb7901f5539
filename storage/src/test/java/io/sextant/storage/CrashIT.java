package io.sextant.storage;

import static io.sextant.storage.StorageTesting.bytes;
import static io.sextant.storage.StorageTesting.meta;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import com.google.protobuf.ByteString;

import io.grpc.stub.StreamObserver;
import io.sextant.platform.testing.Poll;
import io.sextant.platform.testing.TestPostgres;
import io.sextant.platform.testing.TestServers;
import io.sextant.storage.bytes.ByteStore;
import io.sextant.storage.v1.ListFilesRequest;
import io.sextant.storage.v1.StorageServiceGrpc.StorageServiceStub;
import io.sextant.storage.v1.UploadFileRequest;
import io.sextant.storage.v1.UploadFileResponse;

/**
 * A storage process killed (SIGKILL) in the middle of an upload leaves nothing that is listed or
 * downloadable, and the sweeper of a surviving replica removes what it left: the pending row, the
 * partial bytes and the quota reservation. Also the crash between committing the bytes and
 * recording the file: the sweeper removes the committed bytes no row refers to. The local backend
 * here; {@link S3CrashIT} kills the same uploads on S3.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CrashIT {

    StorageTesting storage;
    private Jdbi jdbi;

    /** The settings of the byte store under test (STORAGE_DIR, a fresh temporary directory, is set already). */
    protected Map<String, String> backend() {
        return Map.of("STORAGE_BACKEND", "local");
    }

    /** Longer than the killed upload takes to send its bytes, so that the survivor's sweeper leaves it alone until then. */
    protected String pendingGrace() {
        return "2s";
    }

    /** How many bytes the store holds in pending writes (local: the partial files in its tmp directory). */
    protected long pendingBytes() throws IOException {
        try (Stream<Path> parts = Files.list(storage.directory.resolve("tmp"))) {
            long total = 0;
            for (Path part : parts.toList()) {
                total += Files.size(part);
            }
            return total;
        }
    }

    @BeforeAll
    void start() throws Exception {
        // the surviving replica sweeps quickly; the killed one must not sweep at all while it lives
        final Map<String, String> settings = new HashMap<>(backend());
        settings.put("STORAGE_PENDING_GRACE", pendingGrace());
        settings.put("STORAGE_SWEEP_INTERVAL", "200ms");
        storage = new StorageTesting(TestPostgres.newDatabase("storage"), settings);
        jdbi = Jdbi.create(storage.db.url(), storage.db.user(), storage.db.password());
    }

    @AfterAll
    void stop() {
        storage.close();
    }

    @Test
    void aProcessKilledMidUploadLeavesNothingVisibleAndTheSweeperCleansUp() throws Exception {
        final int port = freePort();
        final Map<String, String> env = new HashMap<>(storage.settings);
        env.put("PORT", String.valueOf(port));
        env.put("STORAGE_SWEEP_INTERVAL", "1d");
        env.put("TEST_KEY_ID", storage.keys.kid());
        env.put("TEST_PUBLIC_KEY", Base64.getEncoder().encodeToString(storage.keys.publicKey().getEncoded()));
        final ProcessBuilder builder = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), StorageCrashChild.class.getName());
        builder.environment().putAll(env);
        builder.redirectErrorStream(true);
        final Path log = Files.createTempFile("storage-child", ".log");
        builder.redirectOutput(log.toFile());
        final Process child = builder.start();
        try {
            Poll.until(Duration.ofSeconds(60), () -> assertThat(Files.readString(log)).contains("STORAGE CHILD READY"));
            final String me = storage.newUser();
            final StorageServiceStub stub = TestServers.grpc(port)
                    .addHeader("authorization", "Bearer " + storage.token(me)).build(StorageServiceStub.class);
            final StreamObserver<UploadFileRequest> upload = stub.uploadFile(new StreamObserver<UploadFileResponse>() {
                @Override
                public void onNext(UploadFileResponse value) {
                    throw new AssertionError("the upload was never finished");
                }

                @Override
                public void onError(Throwable t) {
                    // the process died
                }

                @Override
                public void onCompleted() {
                    // never
                }
            });
            // more than one S3 part (5 MiB), so that S3 holds a multipart upload too
            upload.onNext(UploadFileRequest.newBuilder().setMetadata(meta("killed.bin").setSizeBytes(8_000_000)).build());
            for (int i = 0; i < 6; i++) {
                upload.onNext(UploadFileRequest.newBuilder().setData(ByteString.copyFrom(bytes(1_000_000, i))).build());
            }
            Poll.until(() -> assertThat(pendingBytes()).isPositive());
            assertThat(count("pending_uploads")).isEqualTo(1);
            child.destroyForcibly().waitFor();

            // nothing listed or downloadable: there is no files row
            assertThat(count("files")).isZero();
            assertThat(storage.blocking(storage.token(me)).listFiles(ListFilesRequest.getDefaultInstance())
                              .getFilesCount()).isZero();
            // the surviving replica's sweeper removes the row, the partial bytes and the reservation
            Poll.until(Duration.ofSeconds(90), () -> {
                assertThat(count("pending_uploads")).isZero();
                assertThat(pendingBytes()).isZero();
                final long reserved = jdbi.withHandle(h -> h.createQuery("SELECT reserved_bytes + reserved_files"
                                                                         + " FROM storage_usage WHERE owner = :owner")
                                                            .bind("owner", "users/" + me).mapTo(Long.class).one());
                assertThat(reserved).isZero();
            });
        } finally {
            child.destroyForcibly();
        }
    }

    @Test
    void bytesCommittedWithoutTheirRowAreRemovedBySweeping() throws Exception {
        final String id = java.util.UUID.randomUUID().toString();
        final ByteStore bytes = storage.store();
        // as an upload that died between commit and its transaction leaves it
        jdbi.useHandle(h -> h.execute("INSERT INTO pending_uploads (id, owner, storage_key, reserved_bytes)"
                                      + " VALUES (?::uuid, 'users/crashed', ?, 3)", id, id));
        try (ByteStore.Upload upload = bytes.begin(id, id)) {
            upload.write(new byte[] {1, 2, 3}, 0, 3);
            upload.commit();
        }
        assertThat(bytes.exists(id)).isTrue();
        Poll.until(() -> {
            assertThat(bytes.exists(id)).isFalse();
            assertThat(count("pending_uploads")).isZero();
        });
    }

    private long count(String table) {
        return jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM " + table).mapTo(Long.class).one());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

}
