package io.sextant.platform.db;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import io.sextant.platform.error.Errors;

/**
 * Opaque keyset page tokens (AIP-158): the sort key of the last row returned, plus a fingerprint of
 * the query it belongs to, so that a token is refused if the filter or order changed.
 */
public final class PageToken {

    private static final char SEPARATOR = '\u001f';

    private PageToken() {}

    /** Encodes the last row's sort key values for a query identified by {@code queryFingerprint}. */
    public static String encode(String queryFingerprint, List<String> keyValues) {
        final StringBuilder sb = new StringBuilder(Integer.toHexString(queryFingerprint.hashCode()));
        for (String value : keyValues) {
            sb.append(SEPARATOR).append(value);
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(sb.toString().getBytes(StandardCharsets.UTF_8));
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
        final String[] parts = text.split(String.valueOf(SEPARATOR), -1);
        if (parts.length != expectedValues + 1
            || !parts[0].equals(Integer.toHexString(queryFingerprint.hashCode()))) {
            throw Errors.invalidField("page_token",
                                      "does not belong to this query: keep filter and order_by as in the first call");
        }
        return List.of(parts).subList(1, parts.length);
    }

    /** The page size to use: 0 means the default, anything above the maximum is the maximum. */
    public static int pageSize(int requested, int defaultSize, int maxSize) {
        if (requested <= 0) {
            return defaultSize;
        }
        return Math.min(requested, maxSize);
    }
}
