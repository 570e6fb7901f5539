package io.sextant.platform.resource;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.jdbi.v3.core.statement.SqlStatement;

import io.sextant.platform.error.Errors;

/**
 * A parsed order_by: its keys, then the id, which breaks ties in the direction of the last key, so
 * that a one-key order is exactly the order of that key's {@code (column, id)} index, read forwards
 * or backwards, and never needs a sort (ties on the key, as after a bulk import in one transaction,
 * would otherwise sort them all).
 */
public final class Ordering<R> {

    /** The times a token may hold (a crafted one could hold more than PostgreSQL's timestamptz). */
    private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999999Z");

    private final List<OrderKey<R>> keys;
    private final SortKey<R> id;

    Ordering(List<OrderKey<R>> keys, SortKey<R> id) {
        this.keys = List.copyOf(keys);
        this.id = id;
    }

    public List<OrderKey<R>> keys() {
        return keys;
    }

    /** The order, written one way only (what a page token is bound to). */
    public String normalized() {
        final StringBuilder sb = new StringBuilder();
        for (OrderKey<R> key : keys) {
            sb.append(key.field()).append(key.descending() ? " desc," : ",");
        }
        return sb.toString();
    }

    /** What follows {@code ORDER BY}: the keys, then the id in the direction of the last key. */
    public String orderBySql() {
        final StringBuilder sql = new StringBuilder();
        for (OrderKey<R> key : keys) {
            sql.append(key.column()).append(key.descending() ? " DESC, " : " ASC, ");
        }
        return sql.append(id.column()).append(idDescending() ? " DESC" : " ASC").toString();
    }

    /**
     * {@code k0 >= :k0 AND ((k0 > :k0) OR (k0 = :k0 AND k1 > :k1) OR ... OR (all equal AND id > :kid))},
     * with {@code <} for descending keys: the rows strictly after the last one returned. The leading
     * bound on the first key lets the index on it start the scan right there.
     */
    public String afterSql() {
        final OrderKey<R> first = keys.get(0);
        final String bound = first.column() + (first.descending() ? " <= " : " >= ") + parameter(first.key(), "k0")
                             + " AND (";
        final List<String> alternatives = new ArrayList<>();
        for (int i = 0; i <= keys.size(); i++) {
            final StringBuilder term = new StringBuilder();
            for (int j = 0; j < i; j++) {
                term.append(keys.get(j).column()).append(" = ").append(parameter(keys.get(j).key(), "k" + j))
                    .append(" AND ");
            }
            if (i < keys.size()) {
                final OrderKey<R> key = keys.get(i);
                term.append(key.column()).append(key.descending() ? " < " : " > ").append(parameter(key.key(), "k" + i));
            } else {
                term.append(id.column()).append(idDescending() ? " < " : " > ").append(parameter(id, "kid"));
            }
            alternatives.add("(" + term + ")");
        }
        return bound + String.join(" OR ", alternatives) + ")";
    }

    /** How many values a page token of this order holds: one per key and the id. */
    public int tokenSize() {
        return keys.size() + 1;
    }

    /** The values of the last row of a page, for the next page's token. */
    public List<String> tokenValues(R last) {
        final List<String> values = new ArrayList<>();
        for (OrderKey<R> key : keys) {
            values.add(String.valueOf(key.key().value().apply(last)));
        }
        values.add(String.valueOf(id.value().apply(last)));
        return values;
    }

    /** Binds a decoded token's values to {@link #afterSql()}'s parameters; INVALID_ARGUMENT if one is not of its type. */
    public void bindAfter(SqlStatement<?> statement, List<String> after) {
        for (int i = 0; i < keys.size(); i++) {
            bind(statement, "k" + i, keys.get(i).key().type(), after.get(i));
        }
        bind(statement, "kid", id.type(), after.get(keys.size()));
    }

    private boolean idDescending() {
        return keys.get(keys.size() - 1).descending();
    }

    private static String parameter(SortKey<?> key, String name) {
        return switch (key.type()) {
            case TIMESTAMP -> "CAST(:" + name + " AS timestamptz)";
            case UUID -> "CAST(:" + name + " AS uuid)";
            case STRING, BIGINT -> ":" + name;
        };
    }

    private static void bind(SqlStatement<?> statement, String name, SortKey.Type type, String value) {
        try {
            switch (type) {
                case TIMESTAMP -> {
                    final Instant time = Instant.parse(value);
                    if (time.isBefore(EARLIEST) || time.isAfter(LATEST)) {
                        throw new DateTimeException("past what timestamptz holds: " + value);
                    }
                    statement.bind(name, OffsetDateTime.ofInstant(time, ZoneOffset.UTC).toString());
                }
                case UUID -> statement.bind(name, UUID.fromString(value).toString());
                case BIGINT -> statement.bind(name, Long.parseLong(value));
                case STRING -> statement.bind(name, value);
            }
        } catch (DateTimeException | IllegalArgumentException e) {
            throw Errors.invalidField("page_token", "is not a page token returned by this method");
        }
    }
}
