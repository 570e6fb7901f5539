package io.sextant.storage.bytes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local byte store on a real directory: writes invisible until committed, aborts and sweeps. */
class LocalByteStoreTest {

    @TempDir
    Path root;

    @Test
    void aWriteIsInvisibleUntilCommittedThenShardedUnderItsKey() throws Exception {
        final LocalByteStore store = new LocalByteStore(root);
        final String key = UUID.randomUUID().toString();
        try (ByteStore.Upload upload = store.begin(key, key)) {
            upload.write("hello world".getBytes(), 0, 11);
            assertThat(upload.size()).isEqualTo(11);
            assertThat(store.exists(key)).isFalse();
            assertThat(root.resolve("tmp").resolve(key + ".part")).exists();
            upload.commit();
        }
        assertThat(store.exists(key)).isTrue();
        assertThat(root.resolve(key.substring(0, 2)).resolve(key)).hasContent("hello world");
        assertThat(root.resolve("tmp")).isEmptyDirectory();
        try (InputStream in = store.open(key, 6, 3)) {
            assertThat(new String(in.readAllBytes())).isEqualTo("wor");
        }
        store.delete(key);
        store.delete(key);
        assertThat(store.exists(key)).isFalse();
        assertThatThrownBy(() -> store.open(key, 0, 1)).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void anAbortLeavesNothingAndKeysAreCheckedNames() throws Exception {
        final LocalByteStore store = new LocalByteStore(root);
        final String key = UUID.randomUUID().toString();
        final ByteStore.Upload upload = store.begin(key, key);
        upload.write(new byte[100], 0, 100);
        upload.abort();
        upload.abort();
        assertThat(store.exists(key)).isFalse();
        assertThat(root.resolve("tmp")).isEmptyDirectory();
        assertThatThrownBy(() -> store.begin("../etc/passwd", "x1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.exists("/abs")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sweepingRemovesOldPartialWritesOfNoLiveUpload() throws Exception {
        final LocalByteStore store = new LocalByteStore(root);
        final String live = UUID.randomUUID().toString();
        final String abandoned = UUID.randomUUID().toString();
        final String recent = UUID.randomUUID().toString();
        store.begin(live, live).write(new byte[1], 0, 1);
        store.begin(abandoned, abandoned).write(new byte[1], 0, 1);
        store.begin(recent, recent).write(new byte[1], 0, 1);
        final FileTime old = FileTime.from(Instant.now().minusSeconds(3600));
        Files.setLastModifiedTime(root.resolve("tmp").resolve(live + ".part"), old);
        Files.setLastModifiedTime(root.resolve("tmp").resolve(abandoned + ".part"), old);

        assertThat(store.sweep(Set.of(live), 600)).isEqualTo(1);
        assertThat(root.resolve("tmp").resolve(abandoned + ".part")).doesNotExist();
        assertThat(root.resolve("tmp").resolve(live + ".part")).exists();
        assertThat(root.resolve("tmp").resolve(recent + ".part")).exists();
    }
}
