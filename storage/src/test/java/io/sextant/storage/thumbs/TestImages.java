package io.sextant.storage.thumbs;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/** Images made in the tests: with ImageIO, or byte by byte where ImageIO would not write them. */
public final class TestImages {

    public static final Color RED = new Color(255, 0, 0);
    public static final Color GREEN = new Color(0, 255, 0);
    public static final Color BLUE = new Color(0, 0, 255);

    private TestImages() {}

    /** A blue image with a {@code mark}-sized red square in its top-left corner and a green one in its top-right. */
    public static BufferedImage marked(int width, int height, int mark) {
        final BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        final Graphics2D graphics = image.createGraphics();
        graphics.setColor(BLUE);
        graphics.fillRect(0, 0, width, height);
        graphics.setColor(RED);
        graphics.fillRect(0, 0, mark, mark);
        graphics.setColor(GREEN);
        graphics.fillRect(width - mark, 0, mark, mark);
        graphics.dispose();
        return image;
    }

    public static BufferedImage filled(int width, int height, Color color) {
        final BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        final Graphics2D graphics = image.createGraphics();
        graphics.setColor(color);
        graphics.fillRect(0, 0, width, height);
        graphics.dispose();
        return image;
    }

    public static byte[] encode(BufferedImage image, String format) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(image, format, out)) {
            throw new IllegalStateException("no writer for " + format);
        }
        return out.toByteArray();
    }

    /** An animated GIF of these frames. */
    public static byte[] gif(BufferedImage... frames) throws IOException {
        final ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream stream = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(stream);
            writer.prepareWriteSequence(null);
            for (BufferedImage frame : frames) {
                writer.writeToSequence(new IIOImage(frame, null, null), null);
            }
            writer.endWriteSequence();
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    /**
     * The JPEG with an EXIF APP1 segment (big-endian TIFF, IFD0 holding only Orientation) after its JFIF APP0
     * segment.
     */
    public static byte[] withExifOrientation(byte[] jpeg, int orientation) throws IOException {
        if ((jpeg[0] & 0xff) != 0xFF || (jpeg[1] & 0xff) != 0xD8 || (jpeg[2] & 0xff) != 0xFF
            || (jpeg[3] & 0xff) != 0xE0) {
            throw new IllegalArgumentException("expected SOI and a JFIF APP0 segment");
        }
        final int afterApp0 = 4 + ((jpeg[4] & 0xff) << 8 | jpeg[5] & 0xff);
        final ByteArrayOutputStream tiff = new ByteArrayOutputStream();
        final DataOutputStream t = new DataOutputStream(tiff);
        t.writeBytes("MM");
        t.writeShort(42);
        t.writeInt(8); // IFD0 right after the header
        t.writeShort(1); // one entry
        t.writeShort(0x0112); // Orientation
        t.writeShort(3); // SHORT
        t.writeInt(1); // one value
        t.writeShort(orientation); // the value, left-justified in the 4-byte field
        t.writeShort(0);
        t.writeInt(0); // no next IFD
        final byte[] exif = "Exif\0\0".getBytes(StandardCharsets.ISO_8859_1);
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, afterApp0);
        final DataOutputStream segment = new DataOutputStream(out);
        segment.writeShort(0xFFE1);
        segment.writeShort(2 + exif.length + tiff.size());
        segment.write(exif);
        tiff.writeTo(segment);
        out.write(jpeg, afterApp0, jpeg.length - afterApp0);
        return out.toByteArray();
    }

    /** A PNG whose header claims {@code width}×{@code height} RGB pixels but whose data is a few bytes. */
    public static byte[] pngClaiming(int width, int height) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        pngStart(out, width, height);
        final ByteArrayOutputStream data = new ByteArrayOutputStream();
        try (DeflaterOutputStream deflate = new DeflaterOutputStream(data)) {
            deflate.write(new byte[16]);
        }
        chunk(out, "IDAT", data.toByteArray());
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    /**
     * A real PNG of {@code width}×{@code height} RGB pixels, left half red and right half blue, written row by
     * row so that making it needs no image in memory (it compresses to a few hundred KiB).
     */
    public static byte[] largePng(int width, int height) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        pngStart(out, width, height);
        final byte[] row = new byte[1 + 3 * width]; // filter type 0, then RGB
        for (int x = 0; x < width; x++) {
            row[1 + 3 * x] = (byte) (x < width / 2 ? 255 : 0);
            row[3 + 3 * x] = (byte) (x < width / 2 ? 0 : 255);
        }
        final ByteArrayOutputStream data = new ByteArrayOutputStream();
        try (DeflaterOutputStream deflate = new DeflaterOutputStream(data, new Deflater(Deflater.BEST_SPEED), 65536)) {
            for (int y = 0; y < height; y++) {
                deflate.write(row);
            }
        }
        chunk(out, "IDAT", data.toByteArray());
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void pngStart(OutputStream out, int width, int height) throws IOException {
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        final ByteArrayOutputStream header = new ByteArrayOutputStream();
        final DataOutputStream h = new DataOutputStream(header);
        h.writeInt(width);
        h.writeInt(height);
        h.write(new byte[] {8, 2, 0, 0, 0}); // 8 bits, RGB, deflate, no filter method, not interlaced
        chunk(out, "IHDR", header.toByteArray());
    }

    /** A PNG chunk: length, type, data and the CRC-32 of type and data. */
    private static void chunk(OutputStream out, String type, byte[] data) throws IOException {
        final byte[] name = type.getBytes(StandardCharsets.US_ASCII);
        final CRC32 crc = new CRC32();
        crc.update(name);
        crc.update(data);
        final DataOutputStream d = new DataOutputStream(out);
        d.writeInt(data.length);
        d.write(name);
        d.write(data);
        d.writeInt((int) crc.getValue());
        d.flush();
    }

    /** Whether the pixel is near {@code expected} (lossy formats move colours a little). */
    public static boolean near(int rgb, Color expected) {
        final Color actual = new Color(rgb, true);
        return Math.abs(actual.getRed() - expected.getRed()) < 60
               && Math.abs(actual.getGreen() - expected.getGreen()) < 60
               && Math.abs(actual.getBlue() - expected.getBlue()) < 60;
    }
}
