package io.sextant.storage;

import static io.sextant.platform.testing.GrpcErrors.code;
import static io.sextant.platform.testing.GrpcErrors.failure;
import static io.sextant.storage.StorageTesting.meta;
import static io.sextant.storage.StorageTesting.upload;
import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import javax.imageio.ImageIO;

import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.google.protobuf.Any;

import io.grpc.Status;
import io.prometheus.client.CollectorRegistry;
import io.sextant.platform.outbox.OutboxEvent;
import io.sextant.platform.testing.Poll;
import io.sextant.platform.testing.TestPostgres;
import io.sextant.storage.StorageTesting.Downloaded;
import io.sextant.storage.thumbs.TestImages;
import io.sextant.storage.thumbs.ThumbnailSettings;
import io.sextant.storage.thumbs.Thumbnailer;
import io.sextant.storage.v1.DownloadPublicThumbnailRequest;
import io.sextant.storage.v1.DownloadPublicThumbnailResponse;
import io.sextant.storage.v1.DownloadThumbnailRequest;
import io.sextant.storage.v1.DownloadThumbnailResponse;
import io.sextant.storage.v1.File;
import io.sextant.storage.v1.GetFileRequest;
import io.sextant.storage.v1.StorageServiceGrpc.StorageServiceBlockingStub;
import io.sextant.storage.v1.StorageServiceGrpc.StorageServiceStub;
import io.sextant.storage.v1.Visibility;

/**
 * Thumbnails made through the outbox, on a real PostgreSQL, disk and gRPC: an upload's
 * {@code storage.file_uploaded} event becomes a thumbnail of the image (upright by its EXIF orientation)
 * that DownloadThumbnail serves under the file's own access rules; files without one consume their event.
 */
class ThumbnailsIT {

    private static StorageTesting storage;
    private static Jdbi jdbi;
    private static StorageServiceStub owner;
    private static StorageServiceBlockingStub ownerBlocking;

    @BeforeAll
    static void start() throws Exception {
        storage = new StorageTesting(TestPostgres.newDatabase("storage"), Map.of());
        jdbi = Jdbi.create(storage.db.url(), storage.db.user(), storage.db.password());
        final String token = storage.token(storage.newUser());
        owner = storage.async(token);
        ownerBlocking = storage.blocking(token);
    }

    @AfterAll
    static void stop() {
        storage.close();
    }

    @Test
    void aPngAndARotatedJpegGetUprightThumbnails() throws Exception {
        final File png = upload(owner, meta("wide.png").build(),
                                TestImages.encode(TestImages.marked(600, 300, 100), "png"));
        final File jpeg = upload(owner, meta("rotated.bin").build(), // detected, not named, as a JPEG
                                 TestImages.withExifOrientation(TestImages.encode(TestImages.marked(600, 300, 100),
                                                                                  "jpeg"), 6));
        awaitThumbnail(png);
        awaitThumbnail(jpeg);

        final Downloaded wide = thumbnail(ownerBlocking, png);
        assertThat(wide.info().getContentType()).isEqualTo("image/png");
        assertThat(wide.info().getFilename()).isEqualTo("wide.thumbnail.png");
        assertThat(wide.info().getSha256()).isEqualTo(StorageTesting.sha256(wide.data()));
        final BufferedImage wideImage = ImageIO.read(new ByteArrayInputStream(wide.data()));
        assertThat(wideImage.getWidth()).isEqualTo(256);
        assertThat(wideImage.getHeight()).isEqualTo(128);
        assertThat(TestImages.near(wideImage.getRGB(10, 10), TestImages.RED)).as("red top-left").isTrue();
        assertThat(TestImages.near(wideImage.getRGB(245, 10), TestImages.GREEN)).as("green top-right").isTrue();

        // orientation 6: shown turned 90° clockwise, so the red corner is now top-right
        final BufferedImage upright = ImageIO.read(new ByteArrayInputStream(thumbnail(ownerBlocking, jpeg).data()));
        assertThat(upright.getWidth()).isEqualTo(128);
        assertThat(upright.getHeight()).isEqualTo(256);
        assertThat(TestImages.near(upright.getRGB(115, 12), TestImages.RED)).as("red now top-right").isTrue();
        assertThat(storage.stored("thumb-" + jpeg.getId())).isTrue();
    }

    @Test
    void aThumbnailHasTheFilesAccessRulesAndGoesWithIt() throws Exception {
        final File image = upload(owner, meta("private.png").build(),
                                  TestImages.encode(TestImages.marked(64, 64, 16), "png"));
        awaitThumbnail(image);
        final StorageServiceBlockingStub stranger = storage.blocking(storage.token(storage.newUser()));
        assertThat(code(failure(() -> thumbnail(stranger, image)))).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(code(failure(() -> publicThumbnail(storage.anonymous(), image)))).isEqualTo(Status.Code.NOT_FOUND);

        final File published = upload(owner, meta("public.png").setFile(File.newBuilder().setFilename("public.png")
                                                 .setVisibility(Visibility.VISIBILITY_PUBLIC)).build(),
                                      TestImages.encode(TestImages.marked(64, 64, 16), "png"));
        awaitThumbnail(published);
        final byte[] anonymous = publicThumbnail(storage.anonymous(), published);
        assertThat(ImageIO.read(new ByteArrayInputStream(anonymous)).getWidth()).isEqualTo(64);
        assertThat(anonymous).isEqualTo(thumbnail(ownerBlocking, published).data());

        ownerBlocking.deleteFile(io.sextant.storage.v1.DeleteFileRequest.newBuilder().setName(image.getName()).build());
        assertThat(storage.stored("thumb-" + image.getId())).as("the thumbnail's bytes go with the file").isFalse();
    }

    @Test
    void aPixelBombAndAFileThatIsNoImageGetNoneAndAreNotRetried() throws Exception {
        final long before = lastEvent();
        final File bomb = upload(owner, meta("bomb.png").build(), TestImages.pngClaiming(100_000, 100_000));
        final File text = upload(owner, meta("notes.png").build(), // named an image, but none
                                 "not an image at all".getBytes(StandardCharsets.UTF_8));
        Poll.until(() -> assertThat(undelivered()).isZero());
        for (File file : new File[] {bomb, text}) {
            assertThat(get(file).getThumbnailAvailable()).isFalse();
            assertThat(storage.stored("thumb-" + file.getId())).isFalse();
            assertThat(code(failure(() -> thumbnail(ownerBlocking, file)))).isEqualTo(Status.Code.NOT_FOUND);
        }
        final java.util.List<Integer> attempts = jdbi.withHandle(h -> h.createQuery(
                "SELECT attempts FROM outbox WHERE id > :before").bind("before", before).mapTo(Integer.class).list());
        assertThat(attempts).as("both events consumed by their first delivery").containsExactly(1, 1);
    }

    @Test
    void aRedeliveredEventMakesNoSecondThumbnail() throws Exception {
        final long before = lastEvent();
        final File image = upload(owner, meta("again.png").build(),
                                  TestImages.encode(TestImages.marked(300, 300, 50), "png"));
        awaitThumbnail(image);
        final String sha256 = thumbnail(ownerBlocking, image).info().getSha256();
        // as after a crash between the delivery and its record: the event is due again
        final int due = jdbi.withHandle(h -> h.createUpdate("UPDATE outbox SET delivered_at = NULL,"
                                                            + " next_attempt_at = now() WHERE id > :before")
                                              .bind("before", before).execute());
        assertThat(due).isEqualTo(1);
        Poll.until(() -> assertThat(undelivered()).isZero());
        assertThat(thumbnailRows(image.getId())).isEqualTo(1);
        assertThat(thumbnail(ownerBlocking, image).info().getSha256()).isEqualTo(sha256);
    }

    @Test
    void theThumbnailOfAFileDeletedWhileItWasMadeIsRemoved() throws Exception {
        // the event of an image whose row is gone, after its job stored the thumbnail's bytes
        final String fileId = UUID.randomUUID().toString();
        try (var upload = storage.store().begin("thumb-" + fileId, "thumb-" + fileId)) {
            upload.write(new byte[] {1, 2, 3}, 0, 3);
            upload.commit();
        }
        try (Thumbnails thumbnails = new Thumbnails(jdbi, storage.store(), new Thumbnailer(ThumbnailSettings.DEFAULTS),
                                                    new CollectorRegistry())) {
            thumbnails.deliver(new OutboxEvent(1, UUID.randomUUID(), Uploads.FILE_UPLOADED,
                                               Any.pack(File.newBuilder().setId(fileId).setDetectedContentType("image/png").build()),
                                               0, Instant.now()));
        }
        assertThat(storage.stored("thumb-" + fileId)).isFalse();
        assertThat(thumbnailRows(fileId)).isZero();
    }

    private static void awaitThumbnail(File file) {
        Poll.until(() -> assertThat(get(file).getThumbnailAvailable()).as(file.getFilename()).isTrue());
    }

    private static File get(File file) {
        return ownerBlocking.getFile(GetFileRequest.newBuilder().setName(file.getName()).build()).getFile();
    }

    private static long thumbnailRows(String fileId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM thumbnails WHERE file_id = :id")
                                     .bind("id", UUID.fromString(fileId)).mapTo(Long.class).one());
    }

    private static long lastEvent() {
        return jdbi.withHandle(h -> h.createQuery("SELECT coalesce(max(id), 0) FROM outbox").mapTo(Long.class).one());
    }

    private static long undelivered() {
        return jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM outbox WHERE delivered_at IS NULL")
                                     .mapTo(Long.class).one());
    }

    private static Downloaded thumbnail(StorageServiceBlockingStub stub, File file) {
        return StorageTesting.collect(stub.downloadThumbnail(DownloadThumbnailRequest.newBuilder()
                                                                 .setName(file.getName()).build()),
                                      DownloadThumbnailResponse::getInfo, DownloadThumbnailResponse::getData,
                                      DownloadThumbnailResponse::hasInfo);
    }

    private static byte[] publicThumbnail(StorageServiceBlockingStub stub, File file) {
        return StorageTesting.collect(stub.downloadPublicThumbnail(DownloadPublicThumbnailRequest.newBuilder()
                                                                       .setName(file.getName()).build()),
                                      DownloadPublicThumbnailResponse::getInfo, DownloadPublicThumbnailResponse::getData,
                                      DownloadPublicThumbnailResponse::hasInfo).data();
    }
}
