package io.sextant.platform.resource;

import java.util.Objects;
import java.util.function.Function;

/**
 * A field that {@code order_by} may name (or a resource's id, which breaks ties): its column and
 * type, and how to read its value from a row for the next page's token.
 *
 * @param field  the name order_by uses
 * @param column the SQL expression it sorts by (an index on it makes a one-key order an index scan)
 * @param type   how a token's value is bound back
 * @param value  the row's value (an Instant for a TIMESTAMP, else anything whose toString is the value)
 */
public record SortKey<R>(String field, String column, Type type, Function<R, ?> value) {

    /** How a key's value is written in a page token and bound in the keyset condition. */
    public enum Type {
        STRING, TIMESTAMP, UUID, BIGINT
    }

    public SortKey {
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(column, "column");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(value, "value");
    }
}
