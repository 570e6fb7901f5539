package io.sextant.platform.resource;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

import io.sextant.platform.error.Errors;

/**
 * The fields of one resource that a List method's {@code order_by} may name (AIP-132), its id (which
 * breaks ties) and the default order; {@link #parse} reads an order_by into an {@link Ordering}.
 *
 * <pre>{@code
 * static final SortKeys<NotificationRow> ORDER = SortKeys.builder("n.id", SortKey.Type.UUID, NotificationRow::id)
 *         .timestamp("create_time", "n.create_time", NotificationRow::createTime)
 *         .string("channel", "n.channel", NotificationRow::channel)
 *         .defaultOrder("create_time desc")
 *         .build();
 * }</pre>
 */
public final class SortKeys<R> {

    private final Map<String, SortKey<R>> keys;
    private final SortKey<R> id;
    private final String defaultOrder;

    private SortKeys(Map<String, SortKey<R>> keys, SortKey<R> id, String defaultOrder) {
        this.keys = keys;
        this.id = id;
        this.defaultOrder = defaultOrder;
    }

    /** Starts a table whose rows are identified (and ties broken) by {@code idColumn}. */
    public static <R> Builder<R> builder(String idColumn, SortKey.Type idType, Function<R, ?> id) {
        return new Builder<>(new SortKey<>("id", idColumn, idType, id));
    }

    /** The sortable fields by name, in declaration order. */
    public Map<String, SortKey<R>> keys() {
        return keys;
    }

    public SortKey<R> id() {
        return id;
    }

    /**
     * Parses an order_by: fields separated by commas, each optionally followed by {@code asc} or
     * {@code desc}; each field at most once; empty means the default order. Anything else is an
     * INVALID_ARGUMENT on {@code order_by}.
     */
    public Ordering<R> parse(String orderBy) {
        final String text = orderBy.isBlank() ? defaultOrder : orderBy;
        final List<OrderKey<R>> order = new ArrayList<>();
        final Set<String> seen = new HashSet<>();
        for (String part : text.split(",")) {
            final String[] words = part.trim().split(" +");
            final String field = words[0];
            if (!seen.add(field)) {
                throw Errors.invalidField("order_by", "names '" + field + "' twice; name each field at most once");
            }
            final SortKey<R> key = keys.get(field);
            if (key == null) {
                throw Errors.invalidField("order_by", "cannot order by '" + field + "'; expected " + expected());
            }
            if (words.length > 2 || words.length == 2 && !words[1].equals("asc") && !words[1].equals("desc")) {
                throw Errors.invalidField("order_by", "'" + part.trim() + "' is not a field followed by nothing, asc"
                                                      + " or desc");
            }
            order.add(new OrderKey<>(key, words.length > 1 && words[1].equals("desc")));
        }
        if (order.isEmpty()) {
            // "," (or ",,"): split drops the empty parts; the keyset query needs at least one key
            throw Errors.invalidField("order_by", "names no field; expected " + expected());
        }
        return new Ordering<>(order, id);
    }

    private String expected() {
        return Lists.or(List.copyOf(keys.keySet()));
    }

    /** Declares the sortable fields of a resource. */
    public static final class Builder<R> {

        private final SortKey<R> id;
        private final Map<String, SortKey<R>> keys = new LinkedHashMap<>();
        private String defaultOrder;

        private Builder(SortKey<R> id) {
            this.id = id;
        }

        public Builder<R> string(String field, String column, Function<R, String> value) {
            return key(new SortKey<>(field, column, SortKey.Type.STRING, value));
        }

        public Builder<R> timestamp(String field, String column, Function<R, Instant> value) {
            return key(new SortKey<>(field, column, SortKey.Type.TIMESTAMP, value));
        }

        public Builder<R> uuid(String field, String column, Function<R, UUID> value) {
            return key(new SortKey<>(field, column, SortKey.Type.UUID, value));
        }

        public Builder<R> bigint(String field, String column, Function<R, Long> value) {
            return key(new SortKey<>(field, column, SortKey.Type.BIGINT, value));
        }

        public Builder<R> key(SortKey<R> key) {
            if (keys.put(key.field(), key) != null) {
                throw new IllegalArgumentException("sort key " + key.field() + " declared twice");
            }
            return this;
        }

        /** The order of an empty order_by, e.g. {@code create_time desc}. */
        public Builder<R> defaultOrder(String order) {
            defaultOrder = order;
            return this;
        }

        public SortKeys<R> build() {
            if (keys.isEmpty()) {
                throw new IllegalArgumentException("no sortable field");
            }
            final SortKeys<R> table = new SortKeys<>(java.util.Collections.unmodifiableMap(new LinkedHashMap<>(keys)), id,
                                                     Objects.requireNonNull(defaultOrder, "defaultOrder"));
            table.parse(defaultOrder); // fails now, at start, if the default names no declared field
            return table;
        }
    }
}
