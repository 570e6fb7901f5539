package io.sextant.storage.thumbs;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

import com.drew.imaging.ImageMetadataReader;
import com.drew.imaging.ImageProcessingException;
import com.drew.metadata.Metadata;
import com.drew.metadata.exif.ExifIFD0Directory;

import io.sextant.storage.thumbs.ThumbnailException.Reason;
import net.coobird.thumbnailator.Thumbnails;

/**
 * Makes a PNG of at most {@value #MAX_SIDE} pixels on its longer side (never larger than the image) of a
 * JPEG, PNG, GIF (its first frame) or WebP image, turned upright by its EXIF orientation.
 *
 * <p>Bounded by construction: at most {@link ThumbnailSettings#maxBytes()} are read (into memory, once); the
 * width and height come from the header before any pixel is decoded and an image above
 * {@link ThumbnailSettings#maxPixels()} is refused; the decoder reads only every n-th pixel of every n-th row
 * (source subsampling), so that the decoded image has fewer than 4×{@value #MAX_SIDE} pixels on its longer
 * side whatever the image's size (an 8000×8000 image decodes to 534×534, not 256 MB), except lossless and
 * transparent WebP, which TwelveMonkeys decodes whole and which are therefore refused above
 * {@link #MAX_WHOLE_DECODE_PIXELS}; ImageIO's disk cache is off. One thumbnail in the making holds the file's bytes and that decoded image. Thread-safe.
 */
public final class Thumbnailer {

    /** The longer side of a thumbnail, at most. */
    public static final int MAX_SIDE = 256;

    /**
     * The most pixels of an image whose decoder cannot subsample (lossless or transparent WebP): 4096×4096, a
     * 64 MiB raster.
     */
    public static final long MAX_WHOLE_DECODE_PIXELS = 4096L * 4096;

    /** The types thumbnails are made of, with the format name their readers announce. */
    private static final Map<String, String> TYPES = Map.of("image/jpeg", "jpeg", "image/png", "png",
                                                            "image/gif", "gif", "image/webp", "webp");

    static {
        ImageIO.setUseCache(false);
    }

    private final ThumbnailSettings settings;

    public Thumbnailer(ThumbnailSettings settings) {
        this.settings = settings;
        ImageIO.setUseCache(false);
    }

    public ThumbnailSettings settings() {
        return settings;
    }

    /** Whether thumbnails are made of this (detected) content type. */
    public static boolean supports(String contentType) {
        return contentType != null && TYPES.containsKey(baseType(contentType));
    }

    /**
     * The thumbnail of the image in {@code in} (read to its end or one byte past the limit; the caller closes
     * it), whose content type was detected as {@code contentType}.
     *
     * @throws ThumbnailException when the file gets no thumbnail, saying why
     * @throws IOException when reading {@code in} failed
     */
    public Thumbnail thumbnail(InputStream in, String contentType) throws IOException, ThumbnailException {
        if (!supports(contentType)) {
            throw new ThumbnailException(Reason.UNSUPPORTED_TYPE, "no thumbnails are made of " + contentType
                                                                  + ": only of JPEG, PNG, GIF and WebP images");
        }
        final byte[] bytes = in.readNBytes((int) settings.maxBytes() + 1);
        if (bytes.length > settings.maxBytes()) {
            throw new ThumbnailException(Reason.TOO_MANY_BYTES, "the image is larger than THUMBNAIL_MAX_BYTES ("
                                                                + settings.maxBytes() + " bytes)");
        }
        final BufferedImage decoded = decode(bytes);
        final BufferedImage upright = Orientation.apply(scale(decoded), orientation(bytes));
        final ByteArrayOutputStream png = new ByteArrayOutputStream();
        if (!ImageIO.write(upright, "png", png)) {
            throw new IllegalStateException("the JDK has no PNG writer");
        }
        return new Thumbnail(png.toByteArray(), upright.getWidth(), upright.getHeight());
    }

    private BufferedImage decode(byte[] bytes) throws ThumbnailException {
        try (ImageInputStream input = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            final ImageReader reader = reader(input);
            try {
                reader.setInput(input, true, true);
                final int width = reader.getWidth(0);
                final int height = reader.getHeight(0);
                final long pixels = (long) width * height;
                if (width < 1 || height < 1) {
                    throw new ThumbnailException(Reason.UNREADABLE, "the image says it is " + width + "×" + height);
                }
                if (pixels > settings.maxPixels()) {
                    throw new ThumbnailException(Reason.TOO_MANY_PIXELS, "the image is " + width + "×" + height + " = "
                                                                         + pixels + " pixels, more than"
                                                                         + " THUMBNAIL_MAX_PIXELS ("
                                                                         + settings.maxPixels() + ")");
                }
                if (pixels > MAX_WHOLE_DECODE_PIXELS && isWebP(reader) && decodedWhole(bytes)) {
                    throw new ThumbnailException(Reason.TOO_MANY_PIXELS, "the image is " + width + "×" + height
                                                                         + ", a lossless or transparent WebP,"
                                                                         + " which is decoded whole: at most "
                                                                         + MAX_WHOLE_DECODE_PIXELS + " pixels");
                }
                final int step = Math.max(1, Math.max(width, height) / (2 * MAX_SIDE));
                final ImageReadParam param = reader.getDefaultReadParam();
                param.setSourceSubsampling(step, step, 0, 0);
                return reader.read(0, param);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) { // decoders throw unchecked exceptions on broken data too
            throw new ThumbnailException(Reason.UNREADABLE, "the image cannot be read: " + e.getMessage(), e);
        }
    }

    private static boolean isWebP(ImageReader reader) {
        return Arrays.stream(reader.getOriginatingProvider().getFormatNames()).anyMatch("webp"::equalsIgnoreCase);
    }

    /**
     * Whether a WebP file has a lossless image or an alpha channel ({@code VP8L} or {@code ALPH} chunk), which
     * TwelveMonkeys' reader decodes into a raster of the whole image whatever the subsampling.
     */
    static boolean decodedWhole(byte[] webp) {
        long at = 12; // after "RIFF", the size and "WEBP"
        while (at + 8 <= webp.length) {
            final int i = (int) at;
            final String chunk = new String(webp, i, 4, StandardCharsets.US_ASCII);
            if (chunk.equals("VP8L") || chunk.equals("ALPH")) {
                return true;
            }
            final long size = (webp[i + 4] & 0xffL) | (webp[i + 5] & 0xffL) << 8 | (webp[i + 6] & 0xffL) << 16
                              | (webp[i + 7] & 0xffL) << 24;
            at += 8 + size + (size & 1);
        }
        return false;
    }

    /** A reader of one of the supported formats that recognises the bytes, whatever type they were declared as. */
    private static ImageReader reader(ImageInputStream input) throws ThumbnailException {
        final Iterator<ImageReader> readers = ImageIO.getImageReaders(input);
        while (readers.hasNext()) {
            final ImageReader reader = readers.next();
            final String[] names = reader.getOriginatingProvider().getFormatNames();
            if (Arrays.stream(names).map(name -> name.toLowerCase(Locale.ROOT)).anyMatch(TYPES::containsValue)) {
                return reader;
            }
            reader.dispose();
        }
        throw new ThumbnailException(Reason.UNREADABLE, "the bytes are not a JPEG, PNG, GIF or WebP image");
    }

    /** At most MAX_SIDE on the longer side, never enlarged, as 8-bit (A)RGB. */
    private static BufferedImage scale(BufferedImage image) throws IOException {
        final int type = image.getColorModel().hasAlpha() ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB;
        final int longer = Math.max(image.getWidth(), image.getHeight());
        if (longer > MAX_SIDE) {
            return Thumbnails.of(image).size(MAX_SIDE, MAX_SIDE).keepAspectRatio(true).imageType(type)
                    .asBufferedImage();
        }
        final BufferedImage copy = new BufferedImage(image.getWidth(), image.getHeight(), type);
        final Graphics2D graphics = copy.createGraphics();
        try {
            graphics.drawImage(image, 0, 0, null);
        } finally {
            graphics.dispose();
        }
        return copy;
    }

    /** The EXIF orientation (1 to 8), 1 when there is none or it cannot be read. */
    private static int orientation(byte[] bytes) {
        try {
            final Metadata metadata = ImageMetadataReader.readMetadata(new ByteArrayInputStream(bytes), bytes.length);
            final ExifIFD0Directory exif = metadata.getFirstDirectoryOfType(ExifIFD0Directory.class);
            if (exif != null && exif.containsTag(ExifIFD0Directory.TAG_ORIENTATION)) {
                final Integer orientation = exif.getInteger(ExifIFD0Directory.TAG_ORIENTATION);
                return orientation == null ? 1 : orientation;
            }
        } catch (ImageProcessingException | IOException | RuntimeException e) {
            // no usable metadata: as stored
        }
        return 1;
    }

    private static String baseType(String contentType) {
        final int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    }

    /** A PNG thumbnail and its size in pixels. */
    public record Thumbnail(byte[] png, int width, int height) {}
}
