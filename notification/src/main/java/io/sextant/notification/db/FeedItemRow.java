package io.sextant.notification.db;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.UUID;

import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;

/** One row of {@code feed_items}: a notification in a user's in-app feed. {@code readTime} is null while unread. */
public record FeedItemRow(UUID id, UUID userId, UUID notificationId, String subject, String body, String category,
                          Instant readTime, Instant createTime) {

    /** The columns {@link Mapper} reads, for a query over {@code feed_items f}. */
    public static final String COLUMNS =
            "f.id, f.user_id, f.notification_id, f.subject, f.body, f.category, f.read_time, f.create_time";

    /** Maps {@link #COLUMNS}. */
    public static final class Mapper implements RowMapper<FeedItemRow> {
        @Override
        public FeedItemRow map(ResultSet rs, StatementContext ctx) throws SQLException {
            final OffsetDateTime read = rs.getObject("read_time", OffsetDateTime.class);
            return new FeedItemRow(rs.getObject("id", UUID.class), rs.getObject("user_id", UUID.class),
                                   rs.getObject("notification_id", UUID.class), rs.getString("subject"),
                                   rs.getString("body"), rs.getString("category"),
                                   read == null ? null : read.toInstant(),
                                   rs.getObject("create_time", OffsetDateTime.class).toInstant());
        }
    }
}
