package io.sextant.platform.resource;

import java.util.Map;

/**
 * A parsed {@code filter}: a SQL condition whose every value is a bound parameter.
 *
 * @param sql        the condition ({@code true} for an empty filter), with {@code :f<n>} placeholders
 * @param parameters the values of the placeholders (String, Boolean or OffsetDateTime)
 * @param text       the filter as the caller wrote it, stripped (what a page token is bound to)
 */
public record SqlFilter(String sql, Map<String, Object> parameters, String text) {

    public SqlFilter {
        parameters = Map.copyOf(parameters);
    }
}
