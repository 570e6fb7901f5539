package io.sextant.gateway.streaming;

import java.nio.charset.StandardCharsets;

/**
 * The HTTP headers of a download that come from text a user chose: the file name of
 * {@code Content-Disposition} (RFC 6266, with RFC 5987's {@code filename*} for the exact name), the
 * single byte range of a {@code Range} header (RFC 9110 §14), and the entity tags of {@code If-None-Match}.
 */
final class ContentHeaders {

    /** RFC 5987's attr-char beside ALPHA and DIGIT: what {@code filename*} carries as it is. */
    private static final String ATTR_CHARS = "!#$&+-.^_`|~";

    private ContentHeaders() {}

    /** One range of bytes a request asks for: from {@code offset} (negative: from the end), {@code limit} bytes (0: to the end). */
    record ByteRange(long offset, long limit) {}

    /**
     * {@code attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded>}: the fallback
     * has every character that is not printable ASCII replaced by {@code _}, and no quote or backslash (which
     * would end or escape the quoted string), so no name can add a parameter or a header.
     */
    static String attachment(String filename) {
        final String name = filename == null || filename.isBlank() ? "download" : filename;
        final StringBuilder fallback = new StringBuilder(name.length());
        final StringBuilder encoded = new StringBuilder(name.length() + 16);
        name.codePoints().forEach(c -> {
            if (c >= 0x20 && c < 0x7f) {
                if (c != '"' && c != '\\') {
                    fallback.append((char) c);
                }
            } else if (!Character.isISOControl(c)) {
                fallback.append('_');
            }
        });
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            final int c = b & 0xff;
            if (c < 0x80 && (Character.isLetterOrDigit(c) || ATTR_CHARS.indexOf(c) >= 0)) {
                encoded.append((char) c);
            } else {
                encoded.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                       .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        final String ascii = fallback.toString().isBlank() ? "download" : fallback.toString();
        return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
    }

    /**
     * The single range of {@code bytes=a-b}, {@code bytes=a-} or {@code bytes=-n}; null for anything
     * else (several ranges, another unit, a malformed one), which is served whole, as RFC 9110 allows.
     */
    static ByteRange range(String header) {
        if (header == null || !header.regionMatches(true, 0, "bytes=", 0, 6)) {
            return null;
        }
        final String spec = header.substring(6).trim();
        final int dash = spec.indexOf('-');
        if (dash < 0 || spec.indexOf(',') >= 0) {
            return null;
        }
        try {
            final String first = spec.substring(0, dash).trim();
            final String last = spec.substring(dash + 1).trim();
            if (first.isEmpty()) {
                final long suffix = digits(last);
                return suffix > 0 ? new ByteRange(-suffix, 0) : null;
            }
            final long start = digits(first);
            if (last.isEmpty()) {
                return new ByteRange(start, 0);
            }
            final long end = digits(last);
            return end >= start && end < Long.MAX_VALUE ? new ByteRange(start, end - start + 1) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static long digits(String text) {
        if (text.isEmpty() || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new NumberFormatException(text);
        }
        return Long.parseLong(text);
    }

    /** Whether {@code If-None-Match} names the entity tag (weakly, as RFC 9110 §13.1.2 compares), or is {@code *}. */
    static boolean matches(String ifNoneMatch, String etag) {
        if (ifNoneMatch == null || etag == null) {
            return false;
        }
        for (String tag : ifNoneMatch.split(",")) {
            String candidate = tag.trim();
            if (candidate.equals("*")) {
                return true;
            }
            if (candidate.startsWith("W/")) {
                candidate = candidate.substring(2);
            }
            if (candidate.equals(etag)) {
                return true;
            }
        }
        return false;
    }
}
