package io.sextant.storage.thumbs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.UUID;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.sextant.storage.bytes.ByteStore;
import io.sextant.storage.bytes.S3ByteStore;
import io.sextant.storage.bytes.S3MockServer;

/** {@link ThumbnailJob} reading and writing through an {@link S3ByteStore} on S3Mock. */
class ThumbnailJobIT {

    private ByteStore store;
    private ThumbnailJob job;

    @BeforeEach
    void openStore() {
        store = S3ByteStore.open(S3MockServer.shared().settings("thumbs-" + UUID.randomUUID() + "/", 5 << 20));
        job = new ThumbnailJob(store, new Thumbnailer(ThumbnailSettings.DEFAULTS));
    }

    @AfterEach
    void closeStore() throws IOException {
        store.close();
    }

    @Test
    void storesTheUprightThumbnailUnderThumbFileId() throws Exception {
        final String fileId = UUID.randomUUID().toString();
        final String key = UUID.randomUUID().toString();
        put(key, TestImages.withExifOrientation(TestImages.encode(TestImages.marked(600, 300, 100), "jpeg"), 6));

        final ThumbnailJob.Result result = job.run(fileId, key, "image/jpeg");

        assertThat(result.key()).isEqualTo("thumb-" + fileId);
        final byte[] stored;
        try (InputStream in = store.open(result.key(), 0, Long.MAX_VALUE)) {
            stored = in.readAllBytes();
        }
        assertThat(stored).hasSize((int) result.size());
        assertThat(result.sha256()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                                                                               .digest(stored)));
        final BufferedImage thumbnail = ImageIO.read(new ByteArrayInputStream(stored));
        assertThat(thumbnail.getWidth()).isEqualTo(128).isEqualTo(result.width());
        assertThat(thumbnail.getHeight()).isEqualTo(256).isEqualTo(result.height());
        assertThat(TestImages.near(thumbnail.getRGB(115, 12), TestImages.RED)).as("red now top-right").isTrue();

        assertThat(job.run(fileId, key, "image/jpeg")).as("a retried job stores the same again").isEqualTo(result);
    }

    @Test
    void aFileWithoutAThumbnailStoresNothing() throws Exception {
        final String fileId = UUID.randomUUID().toString();
        final String key = UUID.randomUUID().toString();
        put(key, "plain text".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThatThrownBy(() -> job.run(fileId, key, "image/png")).isInstanceOf(ThumbnailException.class);
        assertThatThrownBy(() -> job.run(fileId, key, "text/plain")).isInstanceOf(ThumbnailException.class);
        assertThatThrownBy(() -> job.run(fileId, UUID.randomUUID().toString(), "image/png"))
                .as("bytes that are missing").isInstanceOf(NoSuchFileException.class);
        assertThat(store.exists(ThumbnailJob.thumbnailKey(fileId))).isFalse();
    }

    private void put(String key, byte[] bytes) throws IOException {
        try (ByteStore.Upload upload = store.begin(key, UUID.randomUUID().toString())) {
            upload.write(bytes, 0, bytes.length);
            upload.commit();
        }
    }
}
