package io.sextant.gateway.backends;

import java.util.ArrayList;
import java.util.List;

/** The path templates of {@code google.api.http} rules, as the gateway's routes and its OpenAPI document read them. */
public final class HttpRulePaths {

    private HttpRulePaths() {}

    /** The segments of a path, split at the slashes that are not inside a variable ({@code {name=a/*}}). */
    public static List<String> segments(String path) {
        final List<String> segments = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < path.length(); i++) {
            final char c = path.charAt(i);
            if (c == '{') {
                depth++;
            } else if (c == '}') {
                depth--;
            } else if (c == '/' && depth == 0) {
                segments.add(path.substring(start, i));
                start = i + 1;
            }
        }
        segments.add(path.substring(start));
        return segments;
    }
}
