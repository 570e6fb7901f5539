package io.sextant.platform.db;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;

import io.sextant.platform.error.Errors;

/**
 * Opaque keyset page tokens (AIP-158): the sort key of the last row returned, plus a fingerprint of
 * the query it belongs to, so that a token is refused if the filter or order changed.
 */
public final class PageToken {

    /** Separates the fingerprint and the key values; each value is base64url-encoded, so it never contains one. */
    private static final char SEPARATOR = '.';

    private PageToken() {}

    /** Encodes the last row's sort key values for a query identified by {@code queryFingerprint}. */
    public static String encode(String queryFingerprint, List<String> keyValues) {
        final StringBuilder sb = new StringBuilder(Integer.toHexString(queryFingerprint.hashCode()));
        for (String value : keyValues) {
            sb.append(SEPARATOR).append(base64(value));
        }
        return base64(sb.toString());
    }

    /**
     * Decodes a token; an empty token is the first page (an empty list). A token that does not
     * decode, or belongs to another query, is an INVALID_ARGUMENT on {@code page_token}.
     */
    public static List<String> decode(String queryFingerprint, String token, int expectedValues) {
        if (token == null || token.isEmpty()) {
            return List.of();
        }
        final String text;
        try {
            text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw Errors.invalidField("page_token", "is not a page token returned by this method");
        }
        final String[] parts = text.split(Pattern.quote(String.valueOf(SEPARATOR)), -1);
        if (parts.length != expectedValues + 1
            || !parts[0].equals(Integer.toHexString(queryFingerprint.hashCode()))) {
            throw Errors.invalidField("page_token",
                                      "does not belong to this query: keep filter and order_by as in the first call");
        }
        final List<String> values = new ArrayList<>(expectedValues);
        for (int i = 1; i < parts.length; i++) {
            try {
                values.add(new String(Base64.getUrlDecoder().decode(parts[i]), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw Errors.invalidField("page_token", "is not a page token returned by this method");
            }
        }
        return List.copyOf(values);
    }

    private static String base64(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The page size to use: 0 means the default, anything above the maximum is the maximum. */
    public static int pageSize(int requested, int defaultSize, int maxSize) {
        if (requested <= 0) {
            return defaultSize;
        }
        return Math.min(requested, maxSize);
    }
}
