package io.sextant.storage.bytes;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bytes on the local file system under one directory: a write goes to {@code tmp/<uploadId>.part},
 * is forced to disk ({@link FileChannel#force}), moved atomically to
 * {@code <first two characters of the key>/<key>} and the directory is forced too, so a committed
 * file survives a crash of the process or the machine, and a partial one is never under its key.
 *
 * <p>Write-behind: every {@value #FLUSH_BEHIND_BYTES} bytes of an upload, a flush of what it has written so
 * far starts on one of {@value #FLUSHERS} background threads (when one is free; else the next step tries),
 * so the disk writes while the bytes still arrive, and the final force at the commit has only the tail
 * left. Without it the kernel held a whole 1 GiB upload in the page cache and the commit waited seconds
 * for all of it. A failed early flush fails the commit: Linux may report a write error only once.
 */
public final class LocalByteStore implements ByteStore {

    private static final Logger log = LoggerFactory.getLogger(LocalByteStore.class);
    /** Keys and upload ids, as the service makes them (UUIDs, {@code thumb-<uuid>}): lower-case letters, digits and '-'. */
    private static final Pattern NAME = Pattern.compile("[0-9a-z][0-9a-z-]{1,99}");
    private static final String PART = ".part";

    /**
     * The most bytes handed to one write call. The JDK copies a heap buffer into a temporary direct buffer
     * of the write's size and keeps it, per thread, for the next write: slices keep what the storage's
     * (up to 200) blocking threads hold that way small, where 1 MiB writes could hold the whole direct
     * memory of a 256 MiB JVM.
     */
    static final int WRITE_SLICE = 256 * 1024;
    /** Bytes written between two background flushes of an upload. */
    static final long FLUSH_BEHIND_BYTES = 32L << 20;
    /** Background flushes running at once, of all uploads. */
    static final int FLUSHERS = 2;

    private final Path root;
    private final Path tmp;
    private final ThreadPoolExecutor flushers;

    /** Uses (and creates) {@code root}; fails at once if it cannot be written. */
    public LocalByteStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
        this.tmp = this.root.resolve("tmp");
        final AtomicInteger threads = new AtomicInteger();
        // no queue: a flush starts now on a free thread or not at all (the bound of the write-behind)
        this.flushers = new ThreadPoolExecutor(0, FLUSHERS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), task -> {
            final Thread thread = new Thread(task, "storage-flush-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        try {
            Files.createDirectories(tmp);
            if (!Files.isWritable(tmp)) {
                throw new IOException(tmp + " is not writable");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot use the storage directory " + this.root + " (STORAGE_DIR): "
                                           + e.getMessage(), e);
        }
    }

    /** The directory the bytes live in. */
    public Path root() {
        return root;
    }

    @Override
    public Upload begin(String key, String uploadId) throws IOException {
        final Path part = tmp.resolve(checked(uploadId) + PART);
        final FileChannel channel = FileChannel.open(part, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        return new LocalUpload(pathOf(key), part, channel, flushers);
    }

    @Override
    public InputStream open(String key, long offset, long length) throws IOException {
        final FileChannel channel = FileChannel.open(pathOf(key), StandardOpenOption.READ);
        try {
            channel.position(offset);
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        final InputStream whole = Channels.newInputStream(channel);
        return new InputStream() {
            private long left = length;

            @Override
            public int read() throws IOException {
                if (left <= 0) {
                    return -1;
                }
                final int b = whole.read();
                if (b >= 0) {
                    left--;
                }
                return b;
            }

            @Override
            public int read(byte[] buffer, int off, int len) throws IOException {
                if (left <= 0) {
                    return -1;
                }
                final int n = whole.read(buffer, off, (int) Math.min(len, left));
                if (n > 0) {
                    left -= n;
                }
                return n;
            }

            @Override
            public void close() throws IOException {
                whole.close();
            }
        };
    }

    @Override
    public boolean exists(String key) {
        return Files.isRegularFile(pathOf(key));
    }

    @Override
    public void delete(String key) throws IOException {
        final Path path = pathOf(key);
        if (Files.deleteIfExists(path)) {
            forceDirectory(path.getParent());
        }
    }

    @Override
    public int sweep(Set<String> live, long graceSeconds) throws IOException {
        final Instant cutoff = Instant.now().minusSeconds(graceSeconds);
        int removed = 0;
        try (DirectoryStream<Path> parts = Files.newDirectoryStream(tmp, "*" + PART)) {
            for (Path part : parts) {
                final String name = part.getFileName().toString();
                final String uploadId = name.substring(0, name.length() - PART.length());
                if (live.contains(uploadId)) {
                    continue;
                }
                try {
                    if (Files.getLastModifiedTime(part).toInstant().isBefore(cutoff) && Files.deleteIfExists(part)) {
                        removed++;
                    }
                } catch (NoSuchFileException e) {
                    // its upload finished or aborted meanwhile
                }
            }
        }
        if (removed > 0) {
            log.info("Removed {} abandoned partial upload(s) from {}", removed, tmp);
        }
        return removed;
    }

    @Override
    public String kind() {
        return "local";
    }

    @Override
    public void close() {
        // nothing else is held open between calls
        flushers.shutdown();
    }

    private Path pathOf(String key) {
        final String checked = checked(key);
        return root.resolve(checked.substring(0, 2)).resolve(checked);
    }

    private static String checked(String name) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a storage key or upload id: " + name);
        }
        return name;
    }

    /** Makes a rename or removal in {@code directory} durable (a no-op where directories cannot be opened). */
    private static void forceDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (UnsupportedOperationException | java.nio.file.AccessDeniedException e) {
            // Windows cannot open a directory; its rename is durable with the file's own flush
        }
    }

    private static final class LocalUpload implements Upload {

        private final Path target;
        private final Path part;
        private final FileChannel channel;
        private final ThreadPoolExecutor flushers;
        private long size;
        private long unflushed;
        /** The background flush started last (null before the first): its failure, if it failed. */
        private Future<IOException> flushing;
        private boolean finished;

        LocalUpload(Path target, Path part, FileChannel channel, ThreadPoolExecutor flushers) {
            this.target = target;
            this.part = part;
            this.channel = channel;
            this.flushers = flushers;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            write(ByteBuffer.wrap(bytes, offset, length));
        }

        @Override
        public void write(ByteBuffer bytes) throws IOException {
            if (finished) {
                throw new IOException("the upload of " + target.getFileName() + " is already committed or aborted");
            }
            final int length = bytes.remaining();
            final int limit = bytes.limit();
            while (bytes.hasRemaining()) {
                bytes.limit(Math.min(limit, bytes.position() + WRITE_SLICE));
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
                bytes.limit(limit);
            }
            size += length;
            unflushed += length;
            if (unflushed >= FLUSH_BEHIND_BYTES && (flushing == null || flushing.isDone())) {
                checkFlushed();
                try {
                    flushing = flushers.submit(() -> {
                        try {
                            channel.force(false);
                            return null;
                        } catch (IOException e) {
                            return e;
                        }
                    });
                    unflushed = 0;
                } catch (RejectedExecutionException e) {
                    // both flushers busy (or the store closing): the next step, or the commit, flushes
                }
            }
        }

        /** Throws the failure of the last background flush; waits for it if it still runs. */
        private void checkFlushed() throws IOException {
            if (flushing == null) {
                return;
            }
            final IOException failure;
            try {
                failure = flushing.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while " + part.getFileName() + " was flushed", e);
            } catch (ExecutionException e) {
                throw new IOException("the flush of " + part.getFileName() + " failed", e.getCause());
            }
            if (failure != null) {
                throw new IOException("the flush of " + part.getFileName() + " failed: " + failure.getMessage(), failure);
            }
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public void commit() throws IOException {
            if (finished) {
                throw new IOException("the upload of " + target.getFileName() + " is already committed or aborted");
            }
            checkFlushed();
            channel.force(true);
            channel.close();
            Files.createDirectories(target.getParent());
            Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
            finished = true;
            forceDirectory(target.getParent());
        }

        @Override
        public void abort() {
            if (finished) {
                return;
            }
            finished = true;
            try {
                channel.close();
                Files.deleteIfExists(part);
            } catch (IOException e) {
                log.warn("Cannot remove the partial upload {} (the sweeper will): {}", part, e.toString());
            }
        }

        @Override
        public void close() {
            abort();
        }
    }
}
