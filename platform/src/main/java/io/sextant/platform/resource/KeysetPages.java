package io.sextant.platform.resource;

import java.util.List;

import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.Query;

import io.sextant.platform.db.PageToken;

/**
 * One page of a List method (AIP-158) by keyset, never OFFSET: {@code select} (the columns and
 * {@code FROM}) filtered by a {@link SqlFilter}, in an {@link Ordering}, after the row a page token
 * names. The token is opaque and bound to the query (resource, filter text, order): a token used
 * with another filter or order is an INVALID_ARGUMENT on {@code page_token}.
 *
 * <pre>{@code
 * Page<NotificationRow> page = KeysetPages.list(handle, "SELECT " + COLUMNS + " FROM notifications n", "notifications",
 *         FILTER.parse(request.getFilter()), ORDER.parse(request.getOrderBy()),
 *         SIZES.of(request.getPageSize()), request.getPageToken(), new NotificationRow.Mapper());
 * }</pre>
 */
public final class KeysetPages {

    private KeysetPages() {}

    /**
     * @param select   {@code SELECT <columns> FROM <table> <alias>}; the filter and keys use that alias
     * @param resource names the query in its page tokens (e.g. {@code users})
     * @param pageSize the page size to use (see {@link PageSizes#of})
     */
    public static <R> Page<R> list(Handle handle, String select, String resource, SqlFilter filter, Ordering<R> order,
                                   int pageSize, String pageToken, RowMapper<R> mapper) {
        final String fingerprint = resource + "|" + filter.text() + "|" + order.normalized();
        final List<String> after = PageToken.decode(fingerprint, pageToken, order.tokenSize());
        final StringBuilder sql = new StringBuilder(select).append(" WHERE (").append(filter.sql()).append(')');
        if (!after.isEmpty()) {
            sql.append(" AND (").append(order.afterSql()).append(')');
        }
        sql.append(" ORDER BY ").append(order.orderBySql()).append(" LIMIT :limit");
        final Query query = handle.createQuery(sql.toString()).bindMap(filter.parameters()).bind("limit", pageSize + 1);
        if (!after.isEmpty()) {
            order.bindAfter(query, after);
        }
        final List<R> rows = query.map(mapper).list();
        if (rows.size() <= pageSize) {
            return new Page<>(rows, "");
        }
        final List<R> page = rows.subList(0, pageSize);
        return new Page<>(page, PageToken.encode(fingerprint, order.tokenValues(page.get(pageSize - 1))));
    }
}
