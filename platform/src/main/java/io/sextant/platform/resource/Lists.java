package io.sextant.platform.resource;

import java.util.List;

/** Lists in the error messages' words. */
final class Lists {

    private Lists() {}

    /** {@code a}, {@code a or b}, {@code a, b or c}. */
    static String or(List<String> items) {
        if (items.size() <= 1) {
            return String.join("", items);
        }
        return String.join(", ", items.subList(0, items.size() - 1)) + " or " + items.get(items.size() - 1);
    }
}
