package io.sextant.storage;

import static io.sextant.platform.testing.GrpcErrors.code;
import static io.sextant.platform.testing.GrpcErrors.errorInfo;
import static io.sextant.platform.testing.GrpcErrors.failure;
import static io.sextant.storage.StorageTesting.bytes;
import static io.sextant.storage.StorageTesting.meta;
import static io.sextant.storage.StorageTesting.upload;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.google.protobuf.ByteString;
import com.google.protobuf.FieldMask;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.sextant.platform.testing.TestPostgres;
import io.sextant.storage.v1.DeleteFileRequest;
import io.sextant.storage.v1.File;
import io.sextant.storage.v1.GetStorageUsageRequest;
import io.sextant.storage.v1.StorageServiceGrpc.StorageServiceBlockingStub;
import io.sextant.storage.v1.StorageServiceGrpc.StorageServiceStub;
import io.sextant.storage.v1.StorageUsage;
import io.sextant.storage.v1.UpdateStorageQuotaRequest;
import io.sextant.storage.v1.UploadFileRequest;

/**
 * Quotas: usage follows uploads and deletes, an upload over the quota is refused before its bytes
 * are stored (declared size: before any byte; unknown size: once it passes), overrides by files.admin,
 * and of two concurrent uploads that together pass the quota exactly one is refused.
 */
class QuotaIT {

    private static StorageTesting storage;
    private static Jdbi jdbi;

    @BeforeAll
    static void start() throws Exception {
        storage = new StorageTesting(TestPostgres.newDatabase("storage"),
                                     Map.of("STORAGE_QUOTA_BYTES", "1000000", "STORAGE_QUOTA_FILES", "5"));
        jdbi = Jdbi.create(storage.db.url(), storage.db.user(), storage.db.password());
    }

    @AfterAll
    static void stop() {
        storage.close();
    }

    private static StorageUsage usage(StorageServiceBlockingStub stub, String name) {
        return stub.getStorageUsage(GetStorageUsageRequest.newBuilder().setName(name).build()).getUsage();
    }

    @Test
    void usageFollowsUploadsAndDeletesAndQuotasRefuseWhatWouldPassThem() {
        final String me = storage.newUser();
        final StorageServiceStub stub = storage.async(storage.token(me));
        final StorageServiceBlockingStub blocking = storage.blocking(storage.token(me));
        final File first = upload(stub, meta("a").build(), bytes(600_000, 1));
        StorageUsage usage = usage(blocking, "users/me/storageUsage");
        assertThat(usage.getName()).isEqualTo("users/" + me + "/storageUsage");
        assertThat(usage.getUsedBytes()).isEqualTo(600_000);
        assertThat(usage.getUsedFiles()).isEqualTo(1);
        assertThat(usage.getQuotaBytes()).isEqualTo(1_000_000);
        assertThat(usage.getOverridden()).isFalse();

        // declared: refused before any byte is sent
        final StatusRuntimeException declared = failure(() -> upload(stub, meta("b").setSizeBytes(500_000).build(),
                                                                     new byte[0]));
        assertThat(code(declared)).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(errorInfo(declared).getReason()).isEqualTo("QUOTA_EXCEEDED");
        // unknown size: refused as it passes the quota, nothing kept
        final StatusRuntimeException streamed = failure(() -> upload(stub, meta("b").build(), bytes(500_000, 2)));
        assertThat(errorInfo(streamed).getReason()).isEqualTo("QUOTA_EXCEEDED");
        usage = usage(blocking, "users/me/storageUsage");
        assertThat(usage.getUsedBytes()).isEqualTo(600_000);
        assertThat(reserved(me)).isZero();

        blocking.deleteFile(DeleteFileRequest.newBuilder().setName(first.getName()).build());
        assertThat(usage(blocking, "users/me/storageUsage").getUsedBytes()).isZero();
        upload(stub, meta("b").build(), bytes(500_000, 2));

        // others' usage is for files.read only
        final StorageServiceBlockingStub stranger = storage.blocking(storage.token(storage.newUser()));
        assertThat(code(failure(() -> usage(stranger, "users/" + me + "/storageUsage"))))
                .isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(usage(storage.blocking(storage.token(storage.newUser(), "files.read")), "users/" + me + "/storageUsage")
                           .getUsedBytes()).isEqualTo(500_000);
    }

    @Test
    void administratorsOverrideQuotasAndZeroGoesBackToTheDefault() {
        final String me = storage.newUser();
        final StorageServiceStub stub = storage.async(storage.token(me));
        final StorageServiceBlockingStub admin = storage.blocking(storage.token(storage.newUser(), "files.admin"));
        final UpdateStorageQuotaRequest.Builder raise = UpdateStorageQuotaRequest.newBuilder().setUsage(
                StorageUsage.newBuilder().setName("users/" + me + "/storageUsage").setQuotaFiles(1))
                .setUpdateMask(FieldMask.newBuilder().addPaths("quota_files"));
        assertThat(code(failure(() -> storage.blocking(storage.token(me)).updateStorageQuota(raise.build()))))
                .isEqualTo(Status.Code.PERMISSION_DENIED);
        final StorageUsage limited = admin.updateStorageQuota(raise.build()).getUsage();
        assertThat(limited.getQuotaFiles()).isEqualTo(1);
        assertThat(limited.getQuotaBytes()).isEqualTo(1_000_000);
        assertThat(limited.getOverridden()).isTrue();
        upload(stub, meta("one").build(), bytes(10, 1));
        assertThat(errorInfo(failure(() -> upload(stub, meta("two").build(), bytes(10, 2)))).getReason())
                .isEqualTo("QUOTA_EXCEEDED");
        final StorageUsage back = admin.updateStorageQuota(UpdateStorageQuotaRequest.newBuilder().setUsage(
                StorageUsage.newBuilder().setName("users/" + me + "/storageUsage")).build()).getUsage();
        assertThat(back.getQuotaFiles()).isEqualTo(5);
        assertThat(back.getOverridden()).isFalse();
        upload(stub, meta("two").build(), bytes(10, 2));
    }

    @Test
    void ofTwoConcurrentUploadsThatTogetherPassTheQuotaExactlyOneIsRefused() throws Exception {
        // several rounds: the interleaving differs from one to the next (an undeclared size grows in turns)
        for (boolean declared : new boolean[] {true, false, true, false, false, false, false}) {
            final String me = storage.newUser();
            final StorageServiceStub stub = storage.async(storage.token(me));
            final ExecutorService pool = Executors.newFixedThreadPool(2);
            final CountDownLatch go = new CountDownLatch(1);
            try {
                final List<Future<String>> outcomes = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    final byte[] data = bytes(600_000, i);
                    outcomes.add(pool.submit(() -> {
                        go.await(10, TimeUnit.SECONDS);
                        try {
                            upload(stub, meta("race").setSizeBytes(declared ? data.length : 0).build(), data, 60_000);
                            return "stored";
                        } catch (StatusRuntimeException e) {
                            return errorInfo(e).getReason();
                        }
                    }));
                }
                go.countDown();
                final List<String> results = new ArrayList<>();
                for (Future<String> outcome : outcomes) {
                    results.add(outcome.get(60, TimeUnit.SECONDS));
                }
                assertThat(results).as("declared size: " + declared).containsExactlyInAnyOrder("stored", "QUOTA_EXCEEDED");
                assertThat(usage(storage.blocking(storage.token(me)), "users/me/storageUsage").getUsedBytes())
                        .isEqualTo(600_000);
                assertThat(reserved(me)).isZero();
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void aCancelledUploadGivesItsReservationBack() {
        final String me = storage.newUser();
        final StorageServiceStub stub = storage.async(storage.token(me));
        final List<UploadFileRequest> messages = List.of(
                UploadFileRequest.newBuilder().setMetadata(meta("cancelled").setSizeBytes(900_000)).build(),
                UploadFileRequest.newBuilder().setData(ByteString.copyFrom(bytes(1000, 3))).build());
        failure(() -> StorageTesting.send(stub, messages.iterator(), false));
        io.sextant.platform.testing.Poll.until(() -> assertThat(reserved(me)).isZero());
        upload(stub, meta("after").build(), bytes(900_000, 4));
    }

    private static long reserved(String user) {
        return jdbi.withHandle(h -> h.createQuery("SELECT coalesce(sum(reserved_bytes + reserved_files), 0) FROM"
                                                  + " storage_usage WHERE owner = :owner")
                                     .bind("owner", "users/" + user).mapTo(Long.class).one());
    }
}
