package io.sextant.storage.thumbs;

import static io.sextant.storage.thumbs.TestImages.BLUE;
import static io.sextant.storage.thumbs.TestImages.GREEN;
import static io.sextant.storage.thumbs.TestImages.RED;
import static io.sextant.storage.thumbs.TestImages.near;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.sextant.platform.config.ConfigException;
import io.sextant.platform.config.Env;
import io.sextant.storage.thumbs.ThumbnailException.Reason;

class ThumbnailerTest {

    private final Thumbnailer thumbnailer = new Thumbnailer(ThumbnailSettings.DEFAULTS);

    @Test
    void aLandscapeJpegShrinksToAtMost256OnItsLongerSide() throws Exception {
        final BufferedImage thumbnail = thumbnail(TestImages.encode(TestImages.marked(600, 300, 100), "jpeg"),
                                                  "image/jpeg");
        assertThat(thumbnail.getWidth()).isEqualTo(256);
        assertThat(thumbnail.getHeight()).isEqualTo(128);
        assertThat(corners(thumbnail)).isEqualTo(Map.of("top-left", RED, "top-right", GREEN, "bottom-left", BLUE,
                                                        "bottom-right", BLUE));
    }

    @Test
    void aPortraitPngKeepsItsAspectRatio() throws Exception {
        final BufferedImage thumbnail = thumbnail(TestImages.encode(TestImages.marked(300, 900, 90), "png"),
                                                  "image/png");
        assertThat(thumbnail.getWidth()).isEqualTo(85);
        assertThat(thumbnail.getHeight()).isEqualTo(256);
        assertThat(thumbnail.getRGB(5, 5)).isEqualTo(RED.getRGB());
    }

    @Test
    void aSmallImageIsNotEnlarged() throws Exception {
        final BufferedImage thumbnail = thumbnail(TestImages.encode(TestImages.filled(10, 10, GREEN), "png"),
                                                  "image/png");
        assertThat(thumbnail.getWidth()).isEqualTo(10);
        assertThat(thumbnail.getHeight()).isEqualTo(10);
        assertThat(thumbnail.getRGB(9, 9)).isEqualTo(GREEN.getRGB());
    }

    @Test
    void aGifGivesItsFirstFrame() throws Exception {
        final byte[] gif = TestImages.gif(TestImages.filled(400, 400, RED), TestImages.filled(400, 400, BLUE));
        final BufferedImage thumbnail = thumbnail(gif, "image/gif");
        assertThat(thumbnail.getWidth()).isEqualTo(256);
        assertThat(near(thumbnail.getRGB(128, 128), RED)).isTrue();
    }

    /** Made with cwebp 1.2.4 (Debian's webp package) from a 64×32 PNG, left half red and right half green. */
    @ParameterizedTest
    @CsvSource({"red-green-lossless.webp", "red-green-lossy.webp"})
    void aWebPIsRead(String fixture) throws Exception {
        final byte[] webp;
        try (InputStream in = getClass().getResourceAsStream(fixture)) {
            webp = in.readAllBytes();
        }
        final BufferedImage thumbnail = thumbnail(webp, "image/webp");
        assertThat(thumbnail.getWidth()).isEqualTo(64);
        assertThat(thumbnail.getHeight()).isEqualTo(32);
        assertThat(near(thumbnail.getRGB(8, 16), RED)).isTrue();
        assertThat(near(thumbnail.getRGB(56, 16), GREEN)).isTrue();
    }

    /**
     * The source is 600×300 with red top-left and green top-right; each EXIF orientation says how to turn it
     * upright, so the marks end up in these corners of a 256×128 (1-4) or 128×256 (5-8) thumbnail.
     */
    @ParameterizedTest(name = "orientation {0}")
    @CsvSource({
        "1, top-left,     top-right",
        "2, top-right,    top-left",
        "3, bottom-right, bottom-left",
        "4, bottom-left,  bottom-right",
        "5, top-left,     bottom-left",
        "6, top-right,    bottom-right",
        "7, bottom-right, top-right",
        "8, bottom-left,  top-left"})
    void theExifOrientationIsApplied(int orientation, String red, String green) throws Exception {
        final byte[] jpeg = TestImages.withExifOrientation(
                TestImages.encode(TestImages.marked(600, 300, 100), "jpeg"), orientation);
        final BufferedImage thumbnail = thumbnail(jpeg, "image/jpeg");
        if (orientation >= 5) {
            assertThat(List.of(thumbnail.getWidth(), thumbnail.getHeight())).isEqualTo(List.of(128, 256));
        } else {
            assertThat(List.of(thumbnail.getWidth(), thumbnail.getHeight())).isEqualTo(List.of(256, 128));
        }
        final Map<String, Color> corners = corners(thumbnail);
        assertThat(corners.get(red)).as("red corner").isEqualTo(RED);
        assertThat(corners.get(green)).as("green corner").isEqualTo(GREEN);
        assertThat(corners.values()).as("the other two corners are blue").filteredOn(BLUE::equals).hasSize(2);
    }

    @Test
    void aPixelBombIsRefusedFromItsHeader() throws IOException {
        final byte[] bomb = TestImages.pngClaiming(100_000, 100_000);
        assertThat(bomb.length).isLessThan(100);
        assertThatThrownBy(() -> thumbnailer.thumbnail(new ByteArrayInputStream(bomb), "image/png"))
                .isInstanceOf(ThumbnailException.class)
                .hasMessageContaining("100000×100000").hasMessageContaining("THUMBNAIL_MAX_PIXELS")
                .extracting(e -> ((ThumbnailException) e).reason()).isEqualTo(Reason.TOO_MANY_PIXELS);
    }

    /**
     * TwelveMonkeys decodes lossless WebP whole, whatever the subsampling, so a large one is refused from its
     * header. The fixture: cwebp 1.2.4 {@code -lossless -z 0} of an 8000×8000 PNG, left half red, right half blue
     * (what {@link TestImages#largePng} makes).
     */
    @Test
    void aLargeLosslessWebPIsRefusedAsItWouldBeDecodedWhole() throws IOException {
        final Thumbnailer generous = new Thumbnailer(new ThumbnailSettings(ThumbnailSettings.DEFAULT_MAX_BYTES,
                                                                           100_000_000));
        try (InputStream in = getClass().getResourceAsStream("large-8000-lossless.webp")) {
            assertThatThrownBy(() -> generous.thumbnail(in, "image/webp")).isInstanceOf(ThumbnailException.class)
                    .hasMessageContaining("8000×8000").hasMessageContaining("lossless")
                    .extracting(e -> ((ThumbnailException) e).reason()).isEqualTo(Reason.TOO_MANY_PIXELS);
        }
    }

    /**
     * In a JVM of 128 MB (an 8000×8000 image decoded whole would need 192 MB): the image's thumbnail is made
     * from a subsampled decode, the pixel bomb and a large lossless WebP are refused.
     */
    @Test
    void memoryStaysBoundedInASmallHeap(@TempDir Path dir) throws Exception {
        final Path large = dir.resolve("large.png");
        final Path bomb = dir.resolve("bomb.png");
        Files.write(large, TestImages.largePng(8000, 8000));
        Files.write(bomb, TestImages.pngClaiming(100_000, 100_000));
        final Path webp = dir.resolve("large.webp");
        try (InputStream in = getClass().getResourceAsStream("large-8000-lossless.webp")) {
            Files.copy(in, webp);
        }
        final Path output = dir.resolve("output.txt");
        final Process child = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m",
                "-cp", System.getProperty("java.class.path"), ThumbnailerHeapCheck.class.getName(),
                large.toString(), bomb.toString(), webp.toString())
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        assertThat(child.waitFor(120, TimeUnit.SECONDS)).isTrue();
        final String printed = Files.readString(output, StandardCharsets.UTF_8);
        assertThat(child.exitValue()).as(printed).isZero();
        assertThat(printed).contains("large.png: 256x256 left=ff0000 right=0000ff")
                .contains("bomb.png: TOO_MANY_PIXELS").contains("large.webp: TOO_MANY_PIXELS")
                .contains("a lossless or transparent WebP"); // the child's console may not print '×'
    }

    @Test
    void bytesThatAreNoImageAreRefused() {
        final byte[] text = "hello, this is not a picture".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> thumbnailer.thumbnail(new ByteArrayInputStream(text), "image/png"))
                .isInstanceOf(ThumbnailException.class).hasMessageContaining("not a JPEG, PNG, GIF or WebP image")
                .extracting(e -> ((ThumbnailException) e).reason()).isEqualTo(Reason.UNREADABLE);
        final byte[] truncated = new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13};
        assertThatThrownBy(() -> thumbnailer.thumbnail(new ByteArrayInputStream(truncated), "image/png"))
                .isInstanceOf(ThumbnailException.class)
                .extracting(e -> ((ThumbnailException) e).reason()).isEqualTo(Reason.UNREADABLE);
    }

    @Test
    void otherTypesAreNotRead() {
        final InputStream never = new InputStream() {
            @Override
            public int read() {
                throw new AssertionError("read an unsupported type");
            }
        };
        for (String type : new String[] {"text/plain", "image/svg+xml", "application/pdf", "image/tiff"}) {
            assertThatThrownBy(() -> thumbnailer.thumbnail(never, type)).as(type)
                    .isInstanceOf(ThumbnailException.class).hasMessageContaining(type)
                    .extracting(e -> ((ThumbnailException) e).reason()).isEqualTo(Reason.UNSUPPORTED_TYPE);
        }
        assertThat(Thumbnailer.supports("image/JPEG; charset=binary")).isTrue();
    }

    @Test
    void theDetectedFormatCountsNotTheDeclaredOne() throws Exception {
        final byte[] jpeg = TestImages.encode(TestImages.filled(50, 20, BLUE), "jpeg");
        assertThat(thumbnail(jpeg, "image/png").getWidth()).isEqualTo(50);
    }

    @Test
    void tooManyBytesAreRefusedBeforeDecoding() throws IOException {
        final Thumbnailer small = new Thumbnailer(new ThumbnailSettings(100, 50_000_000));
        final byte[] png = TestImages.encode(TestImages.marked(300, 300, 10), "png");
        assertThat(png.length).isGreaterThan(100);
        assertThatThrownBy(() -> small.thumbnail(new ByteArrayInputStream(png), "image/png"))
                .isInstanceOf(ThumbnailException.class).hasMessageContaining("THUMBNAIL_MAX_BYTES")
                .extracting(e -> ((ThumbnailException) e).reason()).isEqualTo(Reason.TOO_MANY_BYTES);
    }

    @Test
    void settingsComeFromTheEnvironment() {
        assertThat(ThumbnailSettings.read(Env.of(Map.of()))).isEqualTo(ThumbnailSettings.DEFAULTS);
        final Env env = Env.of(Map.of("THUMBNAIL_MAX_BYTES", "20MiB", "THUMBNAIL_MAX_PIXELS", "1000000"));
        assertThat(ThumbnailSettings.read(env)).isEqualTo(new ThumbnailSettings(20L << 20, 1_000_000));
        env.check();
        final Env wrong = Env.of(Map.of("THUMBNAIL_MAX_BYTES", "lots", "THUMBNAIL_MAX_PIXELS", "0"));
        ThumbnailSettings.read(wrong);
        assertThatThrownBy(wrong::check).isInstanceOf(ConfigException.class)
                .hasMessageContaining("THUMBNAIL_MAX_BYTES").hasMessageContaining("THUMBNAIL_MAX_PIXELS");
    }

    private BufferedImage thumbnail(byte[] image, String type) throws IOException, ThumbnailException {
        final Thumbnailer.Thumbnail thumbnail = thumbnailer.thumbnail(new ByteArrayInputStream(image), type);
        final BufferedImage png = ImageIO.read(new ByteArrayInputStream(thumbnail.png()));
        assertThat(thumbnail.png()).startsWith(0x89, 'P', 'N', 'G');
        assertThat(List.of(png.getWidth(), png.getHeight())).isEqualTo(List.of(thumbnail.width(), thumbnail.height()));
        return png;
    }

    /** The colour (red, green or blue, else null) 12 pixels in from each corner. */
    private static Map<String, Color> corners(BufferedImage image) {
        final int right = image.getWidth() - 13;
        final int bottom = image.getHeight() - 13;
        return Map.of("top-left", colour(image.getRGB(12, 12)), "top-right", colour(image.getRGB(right, 12)),
                      "bottom-left", colour(image.getRGB(12, bottom)), "bottom-right", colour(image.getRGB(right, bottom)));
    }

    private static Color colour(int rgb) {
        for (Color candidate : new Color[] {RED, GREEN, BLUE}) {
            if (near(rgb, candidate)) {
                return candidate;
            }
        }
        return new Color(rgb);
    }
}
