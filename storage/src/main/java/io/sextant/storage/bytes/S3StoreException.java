package io.sextant.storage.bytes;

import java.io.IOException;

/** An S3 call that failed, with a message that says what to check; {@code status} is 0 when nothing answered. */
public final class S3StoreException extends IOException {

    private final int status;

    public S3StoreException(int status, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    /** The HTTP status S3 answered, or 0 when the store could not be reached. */
    public int status() {
        return status;
    }
}
