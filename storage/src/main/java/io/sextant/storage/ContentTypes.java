package io.sextant.storage;

import java.util.Locale;
import java.util.Set;

import org.apache.tika.Tika;

/**
 * Media types of uploads: what Tika detects from the first bytes (magic numbers) and the file name,
 * and what a download is served as, never more dangerous than what was detected: a declared type a
 * browser would run (HTML, SVG, XML, JavaScript) is served only if the bytes look like it too.
 */
final class ContentTypes {

    /** How many leading bytes detection reads. */
    static final int DETECT_BYTES = 64 * 1024;
    private static final String OCTET_STREAM = "application/octet-stream";
    private static final Set<String> ACTIVE = Set.of("text/html", "application/xhtml+xml", "image/svg+xml", "text/xml",
                                                     "application/xml", "text/javascript", "application/javascript",
                                                     "application/ecmascript", "text/ecmascript");
    private static final Tika TIKA = new Tika();

    private ContentTypes() {}

    /** The type of {@code prefix} (the first bytes) named {@code filename}. */
    static String detect(byte[] prefix, String filename) {
        final String detected = TIKA.detect(prefix, filename);
        return detected == null || detected.isBlank() ? OCTET_STREAM : detected;
    }

    /** The declared type, or when none was declared the detected one. */
    static String stored(String declared, String detected) {
        return declared.isEmpty() ? detected : declared;
    }

    /** What a download is served as. */
    static String served(String stored, String detected) {
        final String base = base(stored);
        if (ACTIVE.contains(base) && !ACTIVE.contains(base(detected))) {
            return detected;
        }
        return stored;
    }

    private static String base(String type) {
        final int semicolon = type.indexOf(';');
        return (semicolon < 0 ? type : type.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
    }
}
