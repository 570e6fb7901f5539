package io.sextant.notification.db;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

import org.jdbi.v3.sqlobject.config.RegisterRowMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** The in-app feed's items. */
@RegisterRowMapper(FeedItemRow.Mapper.class)
public interface FeedDao {

    /** Stores a notification in a user's feed; a repeated delivery of it stores nothing new. */
    @SqlUpdate("INSERT INTO feed_items (id, user_id, notification_id, subject, body, category)"
               + " VALUES (:id, :userId, :notificationId, :subject, :body, :category)"
               + " ON CONFLICT (notification_id) DO NOTHING")
    void add(@Bind("id") UUID id, @Bind("userId") UUID userId, @Bind("notificationId") UUID notificationId,
             @Bind("subject") String subject, @Bind("body") String body, @Bind("category") String category);

    /** How many items of the user's feed are unread. */
    @SqlQuery("SELECT count(*) FROM feed_items WHERE user_id = :userId AND read_time IS NULL")
    long unreadCount(@Bind("userId") UUID userId);

    /** Marks the named items of the user's feed read (those already read keep their time); others' ids change nothing. */
    @SqlUpdate("UPDATE feed_items SET read_time = now()"
               + " WHERE user_id = :userId AND id = ANY(:ids) AND read_time IS NULL")
    int markRead(@Bind("userId") UUID userId, @Bind("ids") UUID[] ids);

    /** Marks every unread item of the user's feed read. */
    @SqlUpdate("UPDATE feed_items SET read_time = now() WHERE user_id = :userId AND read_time IS NULL")
    int markAllRead(@Bind("userId") UUID userId);

    /** The newest {@code limit} items of the user's feed created after {@code since}, newest first. */
    @SqlQuery("SELECT " + FeedItemRow.COLUMNS + " FROM feed_items f WHERE f.user_id = :userId AND f.create_time > :since"
              + " ORDER BY f.create_time DESC, f.id DESC LIMIT :limit")
    List<FeedItemRow> newestSince(@Bind("userId") UUID userId, @Bind("since") OffsetDateTime since, @Bind("limit") int limit);

    /**
     * Everyone's items after the key ({@code create_time}, {@code id}) in that order, at most {@code limit}:
     * what WatchFeed's poller reads.
     */
    @SqlQuery("SELECT " + FeedItemRow.COLUMNS + " FROM feed_items f WHERE (f.create_time, f.id) > (:time, :id)"
              + " ORDER BY f.create_time, f.id LIMIT :limit")
    List<FeedItemRow> after(@Bind("time") OffsetDateTime time, @Bind("id") UUID id, @Bind("limit") int limit);

    /** The database's clock: what the poller and the watchers compare {@code create_time} with. */
    @SqlQuery("SELECT now()")
    Instant now();
}
