package io.sextant.notification.db;

import java.util.UUID;

import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** The in-app feed's items. */
public interface FeedDao {

    /** Stores a notification in a user's feed; a repeated delivery of it stores nothing new. */
    @SqlUpdate("INSERT INTO feed_items (id, user_id, notification_id, subject, body, category)"
               + " VALUES (:id, :userId, :notificationId, :subject, :body, :category)"
               + " ON CONFLICT (notification_id) DO NOTHING")
    void add(@Bind("id") UUID id, @Bind("userId") UUID userId, @Bind("notificationId") UUID notificationId,
             @Bind("subject") String subject, @Bind("body") String body, @Bind("category") String category);
}
