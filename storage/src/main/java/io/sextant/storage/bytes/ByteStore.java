package io.sextant.storage.bytes;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Set;

/**
 * Where the bytes of files live: the local file system (the default) or an S3-compatible store. Keys
 * are chosen by the service (a file's id, or {@code thumb-<file id>} for its thumbnail: lower-case letters,
 * digits and '-', at most 100 characters), never by a caller.
 *
 * <p>Writes are crash-safe: {@link #begin} starts a write that nobody can read, {@link Upload#commit}
 * makes the bytes durable and readable under the key at once (fsync and atomic rename, or a completed
 * multipart upload), {@link Upload#abort} throws them away. A process killed between the two leaves
 * only a pending write, which {@link #sweep} removes once it is older than the grace period; the
 * service writes its metadata row after {@code commit}, so a file is listed only once its bytes are
 * stored.
 */
public interface ByteStore extends AutoCloseable {

    /**
     * Starts writing the bytes of {@code key}. {@code uploadId} names the pending write (the service's
     * {@code pending_uploads} row), so that a sweeper can find and remove it after a crash.
     */
    Upload begin(String key, String uploadId) throws IOException;

    /** Opens {@code length} bytes of {@code key} from {@code offset}; the caller closes the stream. */
    InputStream open(String key, long offset, long length) throws IOException;

    /** Whether {@code key} has committed bytes (for reporting rows whose bytes are missing). */
    boolean exists(String key) throws IOException;

    /** Removes the committed bytes of {@code key}; removing what is not there succeeds. */
    void delete(String key) throws IOException;

    /**
     * Removes pending writes whose ids are not in {@code live} and that are older than
     * {@code graceSeconds}; returns how many were removed.
     */
    int sweep(Set<String> live, long graceSeconds) throws IOException;

    /** A short name for logs and metrics: {@code local} or {@code s3}. */
    String kind();

    @Override
    void close() throws IOException;

    /** One write in progress: bytes in order, then exactly one of commit or abort. */
    interface Upload extends AutoCloseable {

        /** Appends bytes; may block while the store drains (S3 sends a part when one is full). */
        void write(byte[] bytes, int offset, int length) throws IOException;

        /**
         * Appends the buffer's remaining bytes (its position moves to its limit); a store that can write a
         * buffer as it is overrides this copy into an array.
         */
        default void write(ByteBuffer bytes) throws IOException {
            if (bytes.hasArray()) {
                write(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
                bytes.position(bytes.limit());
            } else {
                final byte[] copy = new byte[bytes.remaining()];
                bytes.get(copy);
                write(copy, 0, copy.length);
            }
        }

        /** How many bytes were written. */
        long size();

        /** Makes the bytes durable and readable under the key; nothing is visible before it returns. */
        void commit() throws IOException;

        /** Throws the bytes away; safe to call after a failed write or commit, and twice. */
        void abort();

        /** Aborts unless committed. */
        @Override
        void close();
    }
}
