package io.sextant.users;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;

import io.sextant.platform.db.PageToken;
import io.sextant.platform.error.Errors;
import io.sextant.users.db.ProfileRow;

/**
 * The dynamic queries of ListUsers and SearchUsers: keyset pagination (no OFFSET) over an order of
 * allow-listed columns, the user id breaking ties (in the direction of the last key), with every
 * value a bound parameter.
 */
final class UserQueries {

    static final int LIST_DEFAULT = 50;
    static final int LIST_MAX = 1000;
    static final int SEARCH_DEFAULT = 20;
    static final int SEARCH_MAX = 100;
    static final int EXACT_COUNT_LIMIT = 10_000;
    /** The top plan node's row estimate in EXPLAIN (FORMAT JSON). */
    private static final Pattern PLAN_ROWS = Pattern.compile("\"Plan Rows\":\\s*(\\d+)");

    /** A page of rows and the token of the next one ("" on the last page). */
    record Page(List<ProfileRow> rows, String nextPageToken) {}

    /** One key of an order: an order_by field, its column, and whether it sorts descending. */
    record Key(String field, String column, boolean timestamp, boolean descending) {

        String value(ProfileRow row) {
            return switch (field) {
                case "create_time" -> row.createTime().toString();
                case "update_time" -> row.updateTime().toString();
                case "username" -> row.username();
                case "email" -> row.email();
                case "last_name" -> row.lastName();
                case "display_name" -> row.shownName();
                default -> throw new IllegalStateException(field);
            };
        }
    }

    private UserQueries() {}

    /**
     * Parses order_by (its syntax is checked by the contract already); empty means {@code create_time desc}.
     * Package-private for its fuzz test.
     */
    static List<Key> order(String orderBy) {
        final String text = orderBy.isBlank() ? "create_time desc" : orderBy;
        final List<Key> keys = new ArrayList<>();
        final Set<String> seen = new HashSet<>();
        for (String part : text.split(",")) {
            final String[] words = part.trim().split(" +");
            final String field = words[0];
            final boolean descending = words.length > 1 && words[1].equals("desc");
            if (!seen.add(field)) {
                throw Errors.invalidField("order_by", "names '" + field + "' twice; name each field at most once");
            }
            final String column = switch (field) {
                case "create_time", "update_time", "username", "email", "last_name" -> "p." + field;
                case "display_name" -> "p.shown_name";
                default -> throw Errors.invalidField("order_by", "cannot order by '" + field + "'; expected create_time,"
                                                                 + " update_time, username, email, last_name or display_name");
            };
            keys.add(new Key(field, column, field.endsWith("_time"), descending));
        }
        if (keys.isEmpty()) {
            // "," (or ",,"): split drops the empty parts; the keyset query needs at least one key
            throw Errors.invalidField("order_by", "names no field; expected create_time, update_time, username, email,"
                                                  + " last_name or display_name");
        }
        return keys;
    }

    private static String normalized(List<Key> keys) {
        final StringBuilder sb = new StringBuilder();
        for (Key key : keys) {
            sb.append(key.field()).append(key.descending() ? " desc," : ",");
        }
        return sb.toString();
    }

    static Page list(Handle handle, String filterText, String orderBy, int pageSizeRequested, String pageToken) {
        final UserFilter filter = UserFilter.parse(filterText);
        final List<Key> keys = order(orderBy);
        final int pageSize = PageToken.pageSize(pageSizeRequested, LIST_DEFAULT, LIST_MAX);
        final String fingerprint = "users|" + filterText.strip() + "|" + normalized(keys);
        final List<String> after = PageToken.decode(fingerprint, pageToken, keys.size() + 1);

        final StringBuilder sql = new StringBuilder("SELECT ").append(ProfileRow.COLUMNS)
                                                              .append(" FROM profiles p WHERE (")
                                                              .append(filter.sql()).append(')');
        if (!after.isEmpty()) {
            sql.append(" AND (").append(keysetCondition(keys)).append(')');
        }
        sql.append(" ORDER BY ");
        for (Key key : keys) {
            sql.append(key.column()).append(key.descending() ? " DESC, " : " ASC, ");
        }
        // the id breaks ties in the direction of the last key, so that a one-key order is exactly the
        // order of that key's (column, id) index, read forwards or backwards, and never needs a sort
        // (ties on the key, as after a bulk import in one transaction, would otherwise sort them all)
        sql.append(idDescending(keys) ? "p.id DESC" : "p.id ASC").append(" LIMIT :limit");

        final Query query = handle.createQuery(sql.toString()).bindMap(filter.parameters()).bind("limit", pageSize + 1);
        if (!after.isEmpty()) {
            bindKeyset(query, keys, after);
        }
        final List<ProfileRow> rows = query.map(new ProfileRow.Mapper()).list();
        if (rows.size() <= pageSize) {
            return new Page(rows, "");
        }
        final List<ProfileRow> page = rows.subList(0, pageSize);
        final ProfileRow last = page.get(pageSize - 1);
        final List<String> values = new ArrayList<>();
        for (Key key : keys) {
            values.add(key.value(last));
        }
        values.add(last.id().toString());
        return new Page(List.copyOf(page), PageToken.encode(fingerprint, values));
    }

    /** How many users match a filter, and whether that is PostgreSQL's estimate rather than a count. */
    record Total(int size, boolean estimate) {}

    /**
     * How many users match the filter: counted exactly up to {@link #EXACT_COUNT_LIMIT} (a bounded
     * scan), else the planner's estimate for the same condition, which costs no scan at all.
     */
    static Total count(Handle handle, String filterText) {
        final UserFilter filter = UserFilter.parse(filterText);
        final String matching = "SELECT 1 FROM profiles p WHERE " + filter.sql();
        final long counted = handle.createQuery("SELECT count(*) FROM (" + matching + " LIMIT :cap) t")
                                   .bindMap(filter.parameters())
                                   .bind("cap", EXACT_COUNT_LIMIT + 1)
                                   .mapTo(Long.class)
                                   .one();
        if (counted <= EXACT_COUNT_LIMIT) {
            return new Total((int) counted, false);
        }
        final String plan = handle.createQuery("EXPLAIN (FORMAT JSON) " + matching)
                                  .bindMap(filter.parameters())
                                  .mapTo(String.class)
                                  .one();
        final Matcher rows = PLAN_ROWS.matcher(plan);
        final long estimate = rows.find() ? Long.parseLong(rows.group(1)) : 0;
        return new Total((int) Math.min(Math.max(estimate, EXACT_COUNT_LIMIT + 1), Integer.MAX_VALUE), true);
    }

    /**
     * {@code k0 >= :k0 AND ((k0 > :k0) OR (k0 = :k0 AND k1 > :k1) OR ... OR (all equal AND id > :kid))},
     * with {@code <} for descending keys: the rows strictly after the last one returned. The leading
     * bound on the first key lets the index on it start the scan right there.
     */
    private static String keysetCondition(List<Key> keys) {
        final Key first = keys.get(0);
        final String bound = first.column() + (first.descending() ? " <= " : " >= ") + parameter(first, 0) + " AND (";
        final List<String> alternatives = new ArrayList<>();
        for (int i = 0; i <= keys.size(); i++) {
            final StringBuilder term = new StringBuilder();
            for (int j = 0; j < i; j++) {
                term.append(keys.get(j).column()).append(" = ").append(parameter(keys.get(j), j)).append(" AND ");
            }
            if (i < keys.size()) {
                final Key key = keys.get(i);
                term.append(key.column()).append(key.descending() ? " < " : " > ").append(parameter(key, i));
            } else {
                term.append(idDescending(keys) ? "p.id < " : "p.id > ").append("CAST(:kid AS uuid)");
            }
            alternatives.add("(" + term + ")");
        }
        return bound + String.join(" OR ", alternatives) + ")";
    }

    private static boolean idDescending(List<Key> keys) {
        return keys.get(keys.size() - 1).descending();
    }

    private static String parameter(Key key, int index) {
        return key.timestamp() ? "CAST(:k" + index + " AS timestamptz)" : ":k" + index;
    }

    private static void bindKeyset(Query query, List<Key> keys, List<String> after) {
        for (int i = 0; i < keys.size(); i++) {
            final String value = after.get(i);
            if (keys.get(i).timestamp()) {
                try {
                    query.bind("k" + i, OffsetDateTime.ofInstant(Instant.parse(value), ZoneOffset.UTC).toString());
                } catch (DateTimeParseException e) {
                    throw Errors.invalidField("page_token", "is not a page token returned by this method");
                }
            } else {
                query.bind("k" + i, value);
            }
        }
        query.bind("kid", uuid(after.get(keys.size())).toString());
    }

    private static UUID uuid(String value) {
        try {
            return UUID.fromString(value);
        } catch (IllegalArgumentException e) {
            throw Errors.invalidField("page_token", "is not a page token returned by this method");
        }
    }

    /**
     * Users whose username, e-mail address, first, last or shown name starts with the query
     * (case-insensitively); exact username or e-mail matches first, then by id.
     */
    static Page search(Handle handle, String queryText, int pageSizeRequested, String pageToken) {
        final int pageSize = PageToken.pageSize(pageSizeRequested, SEARCH_DEFAULT, SEARCH_MAX);
        final String needle = queryText.strip().toLowerCase(Locale.ROOT);
        if (needle.isEmpty()) {
            throw Errors.invalidField("query", "must contain something other than spaces");
        }
        final String fingerprint = "search|" + needle;
        final List<String> after = PageToken.decode(fingerprint, pageToken, 2);
        final String rank = "(CASE WHEN lower(p.username) = :needle OR lower(p.email) = :needle THEN 0 ELSE 1 END)";
        final StringBuilder sql = new StringBuilder("SELECT ").append(ProfileRow.COLUMNS).append(", ").append(rank)
                .append(" AS rank FROM profiles p WHERE (lower(p.username) LIKE :prefix OR lower(p.email) LIKE :prefix")
                .append(" OR lower(p.first_name) LIKE :prefix OR lower(p.last_name) LIKE :prefix")
                .append(" OR lower(p.shown_name) LIKE :prefix)");
        if (!after.isEmpty()) {
            sql.append(" AND (").append(rank).append(", p.id) > (:afterRank, CAST(:afterId AS uuid))");
        }
        sql.append(" ORDER BY rank, p.id LIMIT :limit");
        final Query query = handle.createQuery(sql.toString())
                                  .bind("needle", needle)
                                  .bind("prefix", escapeLike(needle) + "%")
                                  .bind("limit", pageSize + 1);
        if (!after.isEmpty()) {
            final int afterRank;
            try {
                afterRank = Integer.parseInt(after.get(0));
            } catch (NumberFormatException e) {
                throw Errors.invalidField("page_token", "is not a page token returned by this method");
            }
            query.bind("afterRank", afterRank).bind("afterId", uuid(after.get(1)).toString());
        }
        final List<ProfileRow> rows = new ArrayList<>();
        final List<Integer> ranks = new ArrayList<>();
        final ProfileRow.Mapper mapper = new ProfileRow.Mapper();
        query.map((rs, ctx) -> {
            ranks.add(rs.getInt("rank"));
            return mapper.map(rs, ctx);
        }).forEach(rows::add);
        if (rows.size() <= pageSize) {
            return new Page(rows, "");
        }
        final ProfileRow last = rows.get(pageSize - 1);
        return new Page(List.copyOf(rows.subList(0, pageSize)),
                        PageToken.encode(fingerprint, List.of(String.valueOf(ranks.get(pageSize - 1)),
                                                              last.id().toString())));
    }

    /** Escapes LIKE's wildcards (the default escape character is the backslash). */
    static String escapeLike(String text) {
        return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }
}
