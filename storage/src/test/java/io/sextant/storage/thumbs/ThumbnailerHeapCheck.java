package io.sextant.storage.thumbs;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import javax.imageio.ImageIO;

/**
 * Run by {@link ThumbnailerTest} in a JVM with a small heap: makes the thumbnail of each PNG named and prints
 * its size and the colours of its left and right edge, or the reason it was refused (PNG, or WebP by name).
 */
public final class ThumbnailerHeapCheck {

    private ThumbnailerHeapCheck() {}

    public static void main(String[] args) throws Exception {
        final Thumbnailer thumbnailer = new Thumbnailer(new ThumbnailSettings(ThumbnailSettings.DEFAULT_MAX_BYTES,
                                                                              100_000_000));
        for (String file : args) {
            final Path path = Path.of(file);
            try (InputStream in = Files.newInputStream(path)) {
                final String type = file.endsWith(".webp") ? "image/webp" : "image/png";
                final Thumbnailer.Thumbnail thumbnail = thumbnailer.thumbnail(in, type);
                final BufferedImage image = ImageIO.read(new ByteArrayInputStream(thumbnail.png()));
                System.out.printf("%s: %dx%d left=%06x right=%06x%n", path.getFileName(), image.getWidth(),
                                  image.getHeight(), image.getRGB(10, 128) & 0xffffff,
                                  image.getRGB(image.getWidth() - 10, 128) & 0xffffff);
            } catch (ThumbnailException e) {
                System.out.println(path.getFileName() + ": " + e.reason() + " " + e.getMessage());
            }
        }
    }
}
