package io.sextant.storage;

import static io.sextant.platform.testing.GrpcErrors.code;
import static io.sextant.platform.testing.GrpcErrors.failure;
import static io.sextant.storage.StorageTesting.bytes;
import static io.sextant.storage.StorageTesting.meta;
import static io.sextant.storage.StorageTesting.upload;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.google.protobuf.Duration;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.sextant.platform.testing.TestPostgres;
import io.sextant.storage.v1.DeleteFileRequest;
import io.sextant.storage.v1.DeleteShareLinkRequest;
import io.sextant.storage.v1.DownloadSharedFileRequest;
import io.sextant.storage.v1.DownloadSharedFileResponse;
import io.sextant.storage.v1.File;
import io.sextant.storage.v1.ListShareLinksRequest;
import io.sextant.storage.v1.ShareFileRequest;
import io.sextant.storage.v1.ShareLink;
import io.sextant.storage.v1.StorageServiceGrpc.StorageServiceBlockingStub;

/** Share links: a token shown once, stored as a hash; expiry, download limits (under concurrency) and deletion. */
class ShareLinksIT {

    private static StorageTesting storage;
    private static Jdbi jdbi;
    private static StorageServiceBlockingStub owner;
    private static String ownerToken;

    @BeforeAll
    static void start() throws Exception {
        storage = new StorageTesting(TestPostgres.newDatabase("storage"), Map.of());
        jdbi = Jdbi.create(storage.db.url(), storage.db.user(), storage.db.password());
        ownerToken = storage.token(storage.newUser());
        owner = storage.blocking(ownerToken);
    }

    @AfterAll
    static void stop() {
        storage.close();
    }

    private static File file() {
        return upload(storage.async(ownerToken), meta("shared.bin").build(), bytes(5000, 9));
    }

    private static ShareLink share(File file, int maxDownloads) {
        return owner.shareFile(ShareFileRequest.newBuilder().setName(file.getName()).setMaxDownloads(maxDownloads).build())
                    .getShareLink();
    }

    private static byte[] fetch(String token, long offset) {
        return StorageTesting.collect(storage.anonymous().downloadSharedFile(DownloadSharedFileRequest.newBuilder()
                                              .setToken(token).setReadOffset(offset).build()),
                                      DownloadSharedFileResponse::getInfo, DownloadSharedFileResponse::getData,
                                      DownloadSharedFileResponse::hasInfo).data();
    }

    @Test
    void aLinkDownloadsWithoutSigningInAndItsTokenIsStoredOnlyAsAHash() {
        final File file = file();
        final ShareLink link = share(file, 0);
        assertThat(link.getToken()).matches("[A-Za-z0-9_-]{43}");
        assertThat(link.getUrl()).isEqualTo("https://files.example.test/v1/shared/" + link.getToken());
        assertThat(link.getName()).startsWith(file.getName() + "/share-links/");
        assertThat(fetch(link.getToken(), 0)).hasSize(5000);
        assertThat(fetch(link.getToken(), -100)).hasSize(100);
        final long stored = jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM share_links WHERE position(:token in"
                                                               + " encode(token_hash, 'escape')) > 0")
                                                  .bind("token", link.getToken()).mapTo(Long.class).one());
        assertThat(stored).isZero();

        final List<ShareLink> listed = owner.listShareLinks(ListShareLinksRequest.newBuilder().setParent(file.getName())
                                                                                 .build()).getShareLinksList();
        assertThat(listed).singleElement().satisfies(l -> {
            assertThat(l.getToken()).isEmpty();
            assertThat(l.getUrl()).isEmpty();
            assertThat(l.getDownloadCount()).isEqualTo(1);
        });
        // only the owner (or files.write) lists or makes links; others learn nothing
        final StorageServiceBlockingStub stranger = storage.blocking(storage.token(storage.newUser()));
        assertThat(code(failure(() -> stranger.listShareLinks(ListShareLinksRequest.newBuilder()
                                                                  .setParent(file.getName()).build()))))
                .isEqualTo(Status.Code.NOT_FOUND);
    }

    @Test
    void unknownExpiredExhaustedAndDeletedLinksAllAnswerNotFound() {
        final File file = file();
        final ShareLink once = share(file, 1);
        assertThat(fetch(once.getToken(), 0)).hasSize(5000);
        final StatusRuntimeException exhausted = failure(() -> fetch(once.getToken(), 0));
        assertThat(code(exhausted)).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(code(failure(() -> fetch(once.getToken(), 10)))).as("ranges do not go around the limit")
                .isEqualTo(Status.Code.NOT_FOUND);

        final StatusRuntimeException unknown = failure(() -> fetch("A".repeat(43), 0));
        assertThat(unknown.getStatus().getDescription()).isEqualTo(exhausted.getStatus().getDescription());

        final ShareLink expiring = owner.shareFile(ShareFileRequest.newBuilder().setName(file.getName())
                                                           .setTtl(Duration.newBuilder().setSeconds(60)).build())
                                        .getShareLink();
        assertThat(fetch(expiring.getToken(), 0)).hasSize(5000);
        jdbi.useHandle(h -> h.execute("UPDATE share_links SET expire_time = now() - interval '1 second'"
                                      + " WHERE id = ?::uuid", expiring.getName().substring(expiring.getName().lastIndexOf('/') + 1)));
        final StatusRuntimeException expired = failure(() -> fetch(expiring.getToken(), 0));
        assertThat(expired.getStatus().getDescription()).isEqualTo(exhausted.getStatus().getDescription());
        assertThat(owner.listShareLinks(ListShareLinksRequest.newBuilder().setParent(file.getName()).build())
                        .getShareLinksList()).extracting(ShareLink::getName).doesNotContain(expiring.getName());

        final ShareLink revoked = share(file, 0);
        owner.deleteShareLink(DeleteShareLinkRequest.newBuilder().setName(revoked.getName()).build());
        assertThat(failure(() -> fetch(revoked.getToken(), 0)).getStatus().getDescription())
                .isEqualTo(exhausted.getStatus().getDescription());

        final ShareLink ofDeleted = share(file, 0);
        owner.deleteFile(DeleteFileRequest.newBuilder().setName(file.getName()).build());
        assertThat(code(failure(() -> fetch(ofDeleted.getToken(), 0)))).isEqualTo(Status.Code.NOT_FOUND);
    }

    @Test
    void concurrentDownloadsNeverPassTheLimit() throws Exception {
        final File file = file();
        final ShareLink link = share(file, 3);
        final ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            final List<Future<Boolean>> tries = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                tries.add(pool.submit(() -> {
                    try {
                        return fetch(link.getToken(), 0).length == 5000;
                    } catch (StatusRuntimeException e) {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                        return false;
                    }
                }));
            }
            int served = 0;
            for (Future<Boolean> attempt : tries) {
                served += attempt.get() ? 1 : 0;
            }
            assertThat(served).isEqualTo(3);
        } finally {
            pool.shutdownNow();
        }
    }
}
