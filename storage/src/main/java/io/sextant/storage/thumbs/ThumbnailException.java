package io.sextant.storage.thumbs;

/** Why no thumbnail can be made of a file: it is the file's fault, so making one again will not help. */
public final class ThumbnailException extends Exception {

    /** What is wrong with the file. */
    public enum Reason {
        /** Not a type thumbnails are made of (JPEG, PNG, GIF, WebP). */
        UNSUPPORTED_TYPE,
        /** More bytes than THUMBNAIL_MAX_BYTES. */
        TOO_MANY_BYTES,
        /** More pixels than THUMBNAIL_MAX_PIXELS, by its header (never decoded). */
        TOO_MANY_PIXELS,
        /** Its bytes are not a readable image of its type. */
        UNREADABLE
    }

    private final Reason reason;

    public ThumbnailException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public ThumbnailException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
