package io.sextant.storage.thumbs;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

import io.sextant.storage.bytes.ByteStore;

/**
 * Makes the thumbnail of one stored file: reads its bytes through the {@link ByteStore} (never more than
 * THUMBNAIL_MAX_BYTES and one), makes the PNG and stores it under {@code thumb-<fileId>} (begin, commit). The
 * service runs it from its {@code storage.file_uploaded} outbox handler and records the result; a
 * {@link ThumbnailException} means the file gets no thumbnail (nothing to retry), an IOException that the store
 * failed (retry later). Storing again replaces the earlier thumbnail, so a retried job is harmless.
 *
 * <p>The thumbnail's pending write is named {@code thumb-<fileId>}; it is smaller than any multipart part, so
 * it leaves nothing for the sweeper in S3, and a local store's temporary file lives for one write only.
 */
public final class ThumbnailJob {

    private static final Pattern FILE_ID = Pattern.compile("[0-9a-f][0-9a-f-]{0,93}");

    private final ByteStore store;
    private final Thumbnailer thumbnailer;

    public ThumbnailJob(ByteStore store, Thumbnailer thumbnailer) {
        this.store = store;
        this.thumbnailer = thumbnailer;
    }

    /** The thumbnail's key for a file. */
    public static String thumbnailKey(String fileId) {
        if (fileId == null || !FILE_ID.matcher(fileId).matches()) {
            throw new IllegalArgumentException("fileId must be lower-case hex and '-', at most 94 characters: "
                                               + fileId);
        }
        return "thumb-" + fileId;
    }

    /**
     * Makes and stores the thumbnail of the file {@code fileId}, whose bytes are under {@code key} and whose
     * detected content type is {@code contentType}.
     */
    public Result run(String fileId, String key, String contentType) throws IOException, ThumbnailException {
        final String thumbnailKey = thumbnailKey(fileId);
        if (!Thumbnailer.supports(contentType)) { // before reading any byte
            throw new ThumbnailException(ThumbnailException.Reason.UNSUPPORTED_TYPE,
                                         "no thumbnails are made of " + contentType);
        }
        final Thumbnailer.Thumbnail thumbnail;
        try (InputStream in = store.open(key, 0, thumbnailer.settings().maxBytes() + 1)) {
            thumbnail = thumbnailer.thumbnail(in, contentType);
        }
        final byte[] png = thumbnail.png();
        try (ByteStore.Upload upload = store.begin(thumbnailKey, thumbnailKey)) {
            upload.write(png, 0, png.length);
            upload.commit();
        }
        return new Result(thumbnailKey, png.length, sha256(png), thumbnail.width(), thumbnail.height());
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /**
     * A stored thumbnail: its key, its size in bytes, the SHA-256 of its bytes (lower-case hex) and its size in
     * pixels, for the service's {@code thumbnails} row.
     */
    public record Result(String key, long size, String sha256, int width, int height) {}
}
