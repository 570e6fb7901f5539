package io.sextant.storage.bytes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ByteStore} promises (its javadoc), as tests: a store's test extends this and says how to
 * make a fresh, empty store and how many bytes a write needs before the store holds a pending write that
 * {@link ByteStore#sweep} can find. Each test gets its own store.
 */
public abstract class ByteStoreContract {

    protected static final int MIB = (int) ByteSize.MIB;

    protected ByteStore store;

    /** A new store that holds nothing yet (its own folder, bucket prefix, ...). */
    protected abstract ByteStore newStore() throws IOException;

    /** How many bytes a write must have for the store to keep a pending write outside the process. */
    protected abstract int bytesForAPendingWrite();

    @BeforeEach
    void openStore() throws IOException {
        store = newStore();
    }

    @AfterEach
    void closeStore() throws IOException {
        store.close();
    }

    @Test
    void committedBytesReadBackWholeAndInRanges() throws IOException {
        final byte[] data = randomBytes(20 * MIB, 1);
        final String key = newKey();
        try (ByteStore.Upload upload = store.begin(key, newUploadId())) {
            writeInChunks(upload, data, 777_777);
            assertThat(upload.size()).isEqualTo(data.length);
            upload.commit();
        }
        assertThat(store.exists(key)).isTrue();
        assertThat(read(key, 0, data.length)).isEqualTo(data);
        assertRange(key, data, 0, 1);
        assertRange(key, data, data.length - 1, 1);
        assertRange(key, data, 5 * MIB - 3, 6); // across the first 5 MiB boundary
        assertRange(key, data, 12_345, 3 * MIB);
        assertThat(read(key, data.length - 10, 100)).as("a range past the end stops at the end")
                .isEqualTo(Arrays.copyOfRange(data, data.length - 10, data.length));
    }

    @Test
    void nothingIsReadableBeforeCommit() throws IOException {
        final String key = newKey();
        final byte[] data = randomBytes(bytesForAPendingWrite() + 1, 2);
        try (ByteStore.Upload upload = store.begin(key, newUploadId())) {
            upload.write(data, 0, data.length);
            assertThat(store.exists(key)).isFalse();
            assertThatThrownBy(() -> store.open(key, 0, 1)).isInstanceOf(NoSuchFileException.class);
            upload.commit();
        }
        assertThat(read(key, 0, data.length)).isEqualTo(data);
    }

    @Test
    void abortLeavesNothing() throws IOException {
        final String key = newKey();
        final byte[] data = randomBytes(bytesForAPendingWrite() + 1, 3);
        final ByteStore.Upload upload = store.begin(key, newUploadId());
        upload.write(data, 0, data.length);
        upload.abort();
        upload.abort();
        upload.close();
        assertThat(store.exists(key)).isFalse();
        assertThatThrownBy(() -> store.open(key, 0, 1)).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(upload::commit).isInstanceOf(IOException.class);
        assertThat(store.sweep(Set.of(), 0)).as("nothing pending is left to sweep").isZero();
    }

    @Test
    void closingWithoutCommitAborts() throws IOException {
        final String key = newKey();
        final byte[] data = randomBytes(bytesForAPendingWrite() + 1, 4);
        try (ByteStore.Upload upload = store.begin(key, newUploadId())) {
            upload.write(data, 0, data.length);
        }
        assertThat(store.exists(key)).isFalse();
        assertThat(store.sweep(Set.of(), 0)).isZero();
    }

    @Test
    void sweepRemovesStalePendingWritesButNotLiveOrYoungOnes() throws IOException {
        final String liveId = newUploadId();
        final String crashedId = newUploadId();
        final String liveKey = newKey();
        final String crashedKey = newKey();
        final byte[] data = randomBytes(bytesForAPendingWrite() + 1, 5);
        final ByteStore.Upload live = store.begin(liveKey, liveId);
        final ByteStore.Upload crashed = store.begin(crashedKey, crashedId);
        live.write(data, 0, data.length);
        crashed.write(data, 0, data.length);

        assertThat(store.sweep(Set.of(), 3600)).as("younger than the grace period").isZero();
        assertThat(store.sweep(Set.of(liveId, crashedId), 0)).as("both live").isZero();
        assertThat(store.sweep(Set.of(liveId), 0)).as("the crashed write").isEqualTo(1);
        assertThat(store.sweep(Set.of(liveId), 0)).as("swept already").isZero();

        assertThatThrownBy(crashed::commit).isInstanceOf(IOException.class);
        crashed.abort();
        live.commit();
        assertThat(read(liveKey, 0, data.length)).isEqualTo(data);
        assertThat(store.exists(crashedKey)).isFalse();
    }

    @Test
    void deleteRemovesAndMayRepeat() throws IOException {
        final String key = newKey();
        final byte[] data = randomBytes(1000, 6);
        put(key, data);
        assertThat(store.exists(key)).isTrue();
        store.delete(key);
        assertThat(store.exists(key)).isFalse();
        assertThatThrownBy(() -> store.open(key, 0, 1)).isInstanceOf(NoSuchFileException.class);
        store.delete(key);
        store.delete(newKey());
    }

    @Test
    void aCommitReplacesEarlierBytesAndEmptyFilesExist() throws IOException {
        final String key = newKey();
        put(key, randomBytes(5000, 7));
        final byte[] second = randomBytes(300, 8);
        put(key, second);
        assertThat(read(key, 0, 5000)).isEqualTo(second);

        final String empty = newKey();
        put(empty, new byte[0]);
        assertThat(store.exists(empty)).isTrue();
        assertThat(read(empty, 0, 0)).isEmpty();
        assertThat(read(empty, 0, 10)).isEmpty();
    }

    @Test
    void keysAreTheServicesOwnNames() {
        for (String bad : new String[] {"../etc/passwd", "a/b", "", "UPPER", "x".repeat(101), "a b"}) {
            assertThatThrownBy(() -> store.begin(bad, newUploadId())).as(bad)
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.open(bad, 0, 1)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void kindNamesTheStore() {
        assertThat(store.kind()).isIn("local", "s3");
    }

    protected static String newKey() {
        return UUID.randomUUID().toString();
    }

    protected static String newUploadId() {
        return UUID.randomUUID().toString();
    }

    protected static byte[] randomBytes(int length, long seed) {
        final byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    protected static void writeInChunks(ByteStore.Upload upload, byte[] data, int chunk) throws IOException {
        for (int at = 0; at < data.length; at += chunk) {
            upload.write(data, at, Math.min(chunk, data.length - at));
        }
    }

    protected void put(String key, byte[] data) throws IOException {
        try (ByteStore.Upload upload = store.begin(key, newUploadId())) {
            upload.write(data, 0, data.length);
            upload.commit();
        }
    }

    protected byte[] read(String key, long offset, long length) throws IOException {
        try (InputStream in = store.open(key, offset, length)) {
            return in.readAllBytes();
        }
    }

    private void assertRange(String key, byte[] data, int offset, int length) throws IOException {
        assertThat(read(key, offset, length)).as("bytes %d+%d", offset, length)
                .isEqualTo(Arrays.copyOfRange(data, offset, offset + length));
    }
}
