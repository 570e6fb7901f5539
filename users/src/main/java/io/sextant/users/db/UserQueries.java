package io.sextant.users.db;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;

import io.sextant.platform.db.PageToken;
import io.sextant.platform.error.Errors;
import io.sextant.platform.resource.FilterField;
import io.sextant.platform.resource.FilterFields;
import io.sextant.platform.resource.KeysetPages;
import io.sextant.platform.resource.OrderKey;
import io.sextant.platform.resource.Page;
import io.sextant.platform.resource.PageSizes;
import io.sextant.platform.resource.SortKey;
import io.sextant.platform.resource.SortKeys;
import io.sextant.platform.resource.SqlFilter;

/**
 * The dynamic queries of ListUsers and SearchUsers over {@code profiles p}: ListUsers' filter and
 * order_by fields (the platform's parsers turn them into bound SQL and a keyset page), its count,
 * and SearchUsers' ranked prefix search.
 */
public final class UserQueries {

    public static final PageSizes LIST_SIZES = new PageSizes(50, 1000);
    public static final PageSizes SEARCH_SIZES = new PageSizes(20, 100);
    public static final int EXACT_COUNT_LIMIT = 10_000;
    /** The top plan node's row estimate in EXPLAIN (FORMAT JSON). */
    private static final Pattern PLAN_ROWS = Pattern.compile("\"Plan Rows\":\\s*(\\d+)");

    /**
     * ListUsers' {@code filter}:
     * <pre>
     * comparison = "role" "=" string | "active" ("=" | "!=") ("true" | "false")
     *            | "email_domain" "=" string | "locale" "=" string
     *            | ("create_time" | "update_time") ("=" | "!=" | "&lt;" | "&lt;=" | "&gt;" | "&gt;=") string(RFC 3339)
     * </pre>
     */
    public static final FilterFields FILTER = FilterFields.of(
            FilterField.string("role", "role_id").withCondition(
                    (op, value) -> "EXISTS (SELECT 1 FROM user_roles fr WHERE fr.user_id = p.id AND fr.role_id " + op
                                   + " " + value + ")"),
            FilterField.bool("active", "p.active"),
            FilterField.string("email_domain", "p.email_domain").withNormalize(domain -> domain.toLowerCase(Locale.ROOT)),
            FilterField.string("locale", "p.locale"),
            FilterField.timestamp("create_time", "p.create_time"),
            FilterField.timestamp("update_time", "p.update_time"))
            .withExpected("expected comparisons joined by AND: role = \"<role id>\", active = true|false,"
                          + " email_domain = \"<domain>\", locale = \"<tag>\", or create_time/update_time"
                          + " with =, !=, <, <=, >, >= and an RFC 3339 time in double quotes");

    /** ListUsers' {@code order_by} (each column has a {@code (column, id)} index); {@code create_time desc} by default. */
    public static final SortKeys<ProfileRow> ORDER = SortKeys.builder("p.id", SortKey.Type.UUID, ProfileRow::id)
            .timestamp("create_time", "p.create_time", ProfileRow::createTime)
            .timestamp("update_time", "p.update_time", ProfileRow::updateTime)
            .string("username", "p.username", ProfileRow::username)
            .string("email", "p.email", ProfileRow::email)
            .string("last_name", "p.last_name", ProfileRow::lastName)
            .string("display_name", "p.shown_name", ProfileRow::shownName)
            .defaultOrder("create_time desc")
            .build();

    private UserQueries() {}

    /** ListUsers' filter as SQL over {@code profiles p} (for tests of the parser). */
    public static SqlFilter filter(String filter) {
        return FILTER.parse(filter);
    }

    /** ListUsers' order_by as keys (for tests of the parser). */
    public static List<OrderKey<ProfileRow>> order(String orderBy) {
        return ORDER.parse(orderBy).keys();
    }

    public static Page<ProfileRow> list(Handle handle, String filter, String orderBy, int pageSize, String pageToken) {
        return KeysetPages.list(handle, "SELECT " + ProfileRow.COLUMNS + " FROM profiles p", "users", FILTER.parse(filter),
                                ORDER.parse(orderBy), LIST_SIZES.of(pageSize), pageToken, new ProfileRow.Mapper());
    }

    /** How many users match a filter, and whether that is PostgreSQL's estimate rather than a count. */
    public record Total(int size, boolean estimate) {}

    /**
     * How many users match the filter: counted exactly up to {@link #EXACT_COUNT_LIMIT} (a bounded
     * scan), else the planner's estimate for the same condition, which costs no scan at all.
     */
    public static Total count(Handle handle, String filterText) {
        final SqlFilter filter = FILTER.parse(filterText);
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
    public static Page<ProfileRow> search(Handle handle, String queryText, int pageSizeRequested, String pageToken) {
        final int pageSize = SEARCH_SIZES.of(pageSizeRequested);
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
            return new Page<>(rows, "");
        }
        final ProfileRow last = rows.get(pageSize - 1);
        return new Page<>(rows.subList(0, pageSize),
                          PageToken.encode(fingerprint, List.of(String.valueOf(ranks.get(pageSize - 1)),
                                                                last.id().toString())));
    }

    /** Escapes LIKE's wildcards (the default escape character is the backslash). */
    static String escapeLike(String text) {
        return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }
}
