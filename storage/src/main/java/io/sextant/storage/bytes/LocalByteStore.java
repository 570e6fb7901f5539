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
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bytes on the local file system under one directory: a write goes to {@code tmp/<uploadId>.part},
 * is forced to disk ({@link FileChannel#force}), moved atomically to
 * {@code <first two characters of the key>/<key>} and the directory is forced too, so a committed
 * file survives a crash of the process or the machine, and a partial one is never under its key.
 */
public final class LocalByteStore implements ByteStore {

    private static final Logger log = LoggerFactory.getLogger(LocalByteStore.class);
    /** Keys and upload ids, as the service makes them (UUIDs, {@code thumb-<uuid>}): lower-case letters, digits and '-'. */
    private static final Pattern NAME = Pattern.compile("[0-9a-z][0-9a-z-]{1,99}");
    private static final String PART = ".part";

    private final Path root;
    private final Path tmp;

    /** Uses (and creates) {@code root}; fails at once if it cannot be written. */
    public LocalByteStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
        this.tmp = this.root.resolve("tmp");
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
        return new LocalUpload(pathOf(key), part, channel);
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
        // nothing held open between calls
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
        private long size;
        private boolean finished;

        LocalUpload(Path target, Path part, FileChannel channel) {
            this.target = target;
            this.part = part;
            this.channel = channel;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            if (finished) {
                throw new IOException("the upload of " + target.getFileName() + " is already committed or aborted");
            }
            final ByteBuffer buffer = ByteBuffer.wrap(bytes, offset, length);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            size += length;
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
