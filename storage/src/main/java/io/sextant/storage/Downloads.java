package io.sextant.storage;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.protobuf.ByteString;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import io.sextant.platform.error.Errors;
import io.sextant.platform.error.ServiceException;
import io.sextant.platform.grpc.StreamedBytes;
import io.sextant.platform.resource.ProtoTime;
import io.sextant.storage.bytes.ByteStore;
import io.sextant.storage.db.FileRow;
import io.sextant.storage.v1.ContentInfo;

/**
 * Streams the bytes of a file (or a range of them) or of its thumbnail: first the {@link ContentInfo},
 * then chunks of at most 1 MiB, as fast as the client takes them ({@link StreamedBytes}). A file whose
 * bytes are missing is never served as empty: the call fails with DATA_LOSS, logged and counted.
 */
public final class Downloads {

    private static final Logger log = LoggerFactory.getLogger(Downloads.class);

    private final Jdbi jdbi;
    private final ByteStore bytes;
    private final Counter missing;

    Downloads(Jdbi jdbi, ByteStore bytes, CollectorRegistry registry) {
        this.jdbi = jdbi;
        this.bytes = bytes;
        this.missing = Counter.build("sextant_storage_missing_bytes_total",
                                     "Downloads refused because a file's bytes are missing from the byte store.")
                              .register(registry);
    }

    /** A thumbnail row. */
    record Thumbnail(String key, long sizeBytes, String sha256) {}

    /** Sends {@code file}'s bytes from {@code readOffset} (negative: from the end), at most {@code readLimit} (0: all). */
    <T> void file(FileRow file, long readOffset, long readLimit, StreamObserver<T> out,
                  Function<ContentInfo, T> info, Function<ByteString, T> data) {
        final long size = file.sizeBytes();
        final long start;
        if (readOffset < 0) {
            start = Math.max(0, size + readOffset);
        } else if (readOffset >= size && !(readOffset == 0 && size == 0)) {
            throw Errors.of(Status.Code.OUT_OF_RANGE, "OUT_OF_RANGE", "read_offset " + readOffset
                                                                       + " is at or past the end of the file ("
                                                                       + size + " bytes)",
                            Map.of("size_bytes", String.valueOf(size)));
        } else {
            start = readOffset;
        }
        final long length = readLimit > 0 ? Math.min(readLimit, size - start) : size - start;
        final ContentInfo head = ContentInfo.newBuilder()
                                            .setFilename(file.filename())
                                            .setContentType(ContentTypes.served(file.contentType(),
                                                                                file.detectedContentType()))
                                            .setSizeBytes(size)
                                            .setSha256(file.sha256())
                                            .setRangeStart(start)
                                            .setRangeLength(length)
                                            .setPartial(readOffset != 0 || readLimit != 0)
                                            .setUpdateTime(ProtoTime.timestamp(file.updateTime()))
                                            .build();
        send(file.storageKey(), "files/" + file.id(), start, head, out, info, data);
    }

    /** The thumbnail of a file, if it has one. */
    Optional<Thumbnail> thumbnail(UUID fileId) {
        return jdbi.withHandle(handle -> handle.createQuery("SELECT storage_key, size_bytes, sha256 FROM thumbnails"
                                                            + " WHERE file_id = :id")
                                               .bind("id", fileId)
                                               .map((rs, ctx) -> new Thumbnail(rs.getString("storage_key"),
                                                                               rs.getLong("size_bytes"),
                                                                               rs.getString("sha256")))
                                               .findOne());
    }

    /** Sends the thumbnail of {@code file}; NOT_FOUND when it has none. */
    <T> void thumbnail(FileRow file, StreamObserver<T> out, Function<ContentInfo, T> info, Function<ByteString, T> data) {
        final Thumbnail thumbnail = thumbnail(file.id()).orElseThrow(
                () -> Errors.of(Status.Code.NOT_FOUND, "THUMBNAIL_NOT_FOUND", "files/" + file.id() + " has no thumbnail",
                                Map.of("name", "files/" + file.id())));
        final String filename = file.filename().replaceAll("\\.[^.]*$", "") + ".thumbnail.png";
        final ContentInfo head = ContentInfo.newBuilder()
                                            .setFilename(filename)
                                            .setContentType("image/png")
                                            .setSizeBytes(thumbnail.sizeBytes())
                                            .setSha256(thumbnail.sha256())
                                            .setRangeLength(thumbnail.sizeBytes())
                                            .setUpdateTime(ProtoTime.timestamp(file.updateTime()))
                                            .build();
        send(thumbnail.key(), "files/" + file.id() + " (thumbnail)", 0, head, out, info, data);
    }

    private <T> void send(String key, String what, long start, ContentInfo head, StreamObserver<T> out,
                          Function<ContentInfo, T> info, Function<ByteString, T> data) {
        final InputStream in;
        try {
            in = bytes.open(key, start, head.getRangeLength());
        } catch (IOException e) {
            throw unreadable(key, what, e);
        }
        out.onNext(info.apply(head));
        StreamedBytes.send((ServerCallStreamObserver<T>) out, in, head.getRangeLength(), StreamedBytes.MAX_CHUNK, data,
                           e -> unreadable(key, what, e));
    }

    private ServiceException unreadable(String key, String what, IOException e) {
        boolean gone;
        try {
            gone = !bytes.exists(key);
        } catch (IOException check) {
            gone = false;
        }
        if (gone) {
            missing.inc();
            log.error("The bytes of {} (key {}) are missing from the {} byte store: not served", what, key, bytes.kind());
            return Errors.of(Status.Code.DATA_LOSS, "FILE_BYTES_MISSING", "the bytes of " + what + " are missing;"
                                                                          + " the operators have been told");
        }
        log.warn("Cannot read the bytes of {} (key {}): {}", what, key, e.toString());
        return Errors.unavailable("BYTES_UNAVAILABLE", "the bytes of " + what + " cannot be read now; try again");
    }
}
