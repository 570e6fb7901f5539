package io.sextant.storage.bytes;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local byte store on a real directory: the {@link ByteStoreContract} both stores pass, and where the
 * bytes lie (sharded by the key's first two characters, partial writes in {@code tmp}).
 */
class LocalByteStoreTest extends ByteStoreContract {

    @TempDir
    Path root;

    @Override
    protected ByteStore newStore() {
        return new LocalByteStore(root);
    }

    @Override
    protected int bytesForAPendingWrite() {
        return 1; // the partial file exists from the first byte
    }

    @Test
    void aWriteIsAPartFileUntilCommittedThenShardedUnderItsKey() throws Exception {
        final String key = newKey();
        final String uploadId = newUploadId();
        try (ByteStore.Upload upload = store.begin(key, uploadId)) {
            upload.write("hello world".getBytes(), 0, 11);
            assertThat(root.resolve("tmp").resolve(uploadId + ".part")).exists();
            upload.commit();
        }
        assertThat(root.resolve(key.substring(0, 2)).resolve(key)).hasContent("hello world");
        assertThat(root.resolve("tmp")).isEmptyDirectory();
        put("thumb-" + key, new byte[] {1, 2, 3});
        assertThat(root.resolve("th").resolve("thumb-" + key)).hasBinaryContent(new byte[] {1, 2, 3});
    }

    @Test
    void sweepingGoesByTheAgeOfThePartFile() throws Exception {
        final String old = newUploadId();
        final String recent = newUploadId();
        store.begin(newKey(), old).write(new byte[1], 0, 1);
        store.begin(newKey(), recent).write(new byte[1], 0, 1);
        Files.setLastModifiedTime(root.resolve("tmp").resolve(old + ".part"), FileTime.from(Instant.now().minusSeconds(3600)));

        assertThat(store.sweep(Set.of(), 600)).isEqualTo(1);
        assertThat(root.resolve("tmp").resolve(old + ".part")).doesNotExist();
        assertThat(root.resolve("tmp").resolve(recent + ".part")).exists();
    }
}
