package io.sextant.storage.thumbs;

import io.sextant.platform.config.Env;
import io.sextant.storage.bytes.ByteSize;

/**
 * The limits of what {@link Thumbnailer} reads.
 *
 * <table>
 *   <tr><td>THUMBNAIL_MAX_BYTES</td><td>bigger files get no thumbnail; default 50MiB (read into memory once
 *       per thumbnail being made)</td></tr>
 *   <tr><td>THUMBNAIL_MAX_PIXELS</td><td>images whose header says more pixels get no thumbnail and are never
 *       decoded; default 50000000</td></tr>
 * </table>
 */
public record ThumbnailSettings(long maxBytes, long maxPixels) {

    public static final long DEFAULT_MAX_BYTES = 50 * ByteSize.MIB;
    public static final long DEFAULT_MAX_PIXELS = 50_000_000;
    public static final ThumbnailSettings DEFAULTS = new ThumbnailSettings(DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS);

    public ThumbnailSettings {
        if (maxBytes < 1 || maxBytes > Integer.MAX_VALUE - 8 || maxPixels < 1) {
            throw new IllegalArgumentException("maxBytes must be 1 to 2GiB and maxPixels positive");
        }
    }

    /** Reads the settings, recording each wrong one in the Env; the caller calls {@link Env#check()}. */
    public static ThumbnailSettings read(Env env) {
        final long bytes = ByteSize.read(env, "THUMBNAIL_MAX_BYTES", DEFAULT_MAX_BYTES, ByteSize.KIB, ByteSize.GIB);
        final int pixels = env.integer("THUMBNAIL_MAX_PIXELS", (int) DEFAULT_MAX_PIXELS, 1, 1_000_000_000);
        return new ThumbnailSettings(bytes, pixels);
    }
}
