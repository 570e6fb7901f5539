package io.sextant.notification.db;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.config.RegisterRowMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** The notifications: acceptance, cancellation, reading, and their idempotency keys and attempts. */
@RegisterRowMapper(NotificationRow.Mapper.class)
@RegisterConstructorMapper(AttemptRow.class)
public interface NotificationDao {

    /** What a final status erases of a sensitive notification (as SQL assignments). */
    String ERASE_IF_SENSITIVE = "subject = CASE WHEN sensitive THEN '' ELSE subject END,"
                                + " body = CASE WHEN sensitive THEN '' ELSE body END,"
                                + " html_body = CASE WHEN sensitive THEN '' ELSE html_body END,"
                                + " template_variables = CASE WHEN sensitive THEN '{}'::jsonb ELSE template_variables END";

    @SqlQuery("SELECT " + NotificationRow.COLUMNS + " FROM notifications n WHERE n.id = :id")
    Optional<NotificationRow> find(@Bind("id") UUID id);

    /** Stores a new notification and returns it as stored, in one round trip. */
    @SqlQuery("INSERT INTO notifications AS n (id, channel, recipient, address, template, template_variables, category,"
              + " locale, subject, body, html_body, sensitive, status, schedule_time, next_attempt_at, creator)"
              + " VALUES (:n.id, :n.channel, :n.recipient, :n.address, :n.template, CAST(:n.templateVariables AS jsonb),"
              + " :n.category, :n.locale, :n.subject, :n.body, :n.htmlBody, :n.sensitive, :n.status, :n.scheduleTime,"
              + " :n.scheduleTime, :n.creator) RETURNING " + NotificationRow.COLUMNS)
    NotificationRow insert(@BindMethods("n") NewNotification notification);

    /**
     * How many notifications wait in the queue (not final), counted up to {@code cap}: an index-only
     * scan of at most {@code cap} entries.
     */
    @SqlQuery("SELECT count(*) FROM (SELECT 1 FROM notifications WHERE next_attempt_at IS NOT NULL LIMIT :cap) q")
    int queued(@Bind("cap") int cap);

    /**
     * Takes the idempotency key for a new notification, unless the creator used it within 24 hours;
     * an older use is replaced. Returns whether the key is now this notification's. A concurrent
     * call with the same key waits here until the first one's transaction ends.
     */
    @SqlUpdate("INSERT INTO notification_requests (creator, request_id, notification_id) VALUES (:creator, :requestId, :id)"
               + " ON CONFLICT (creator, request_id) DO UPDATE SET notification_id = excluded.notification_id,"
               + " create_time = now() WHERE notification_requests.create_time < now() - interval '24 hours'")
    boolean takeRequestId(@Bind("creator") String creator, @Bind("requestId") UUID requestId, @Bind("id") UUID id);

    /** The notification a creator's idempotency key stands for, if used within 24 hours. */
    @SqlQuery("SELECT notification_id FROM notification_requests WHERE creator = :creator AND request_id = :requestId"
              + " AND create_time >= now() - interval '24 hours'")
    Optional<UUID> byRequestId(@Bind("creator") String creator, @Bind("requestId") UUID requestId);

    @SqlUpdate("DELETE FROM notification_requests WHERE create_time < now() - interval '24 hours'")
    int purgeRequestIds();

    /**
     * Cancels the notification if it is still QUEUED or SCHEDULED, in one statement: a delivery
     * engine that claimed it first has made it SENDING, and then this changes nothing.
     */
    @SqlQuery("UPDATE notifications SET status = 'CANCELLED', next_attempt_at = NULL, lease_owner = NULL,"
              + " lease_until = NULL, update_time = now(), " + ERASE_IF_SENSITIVE
              + " WHERE id = :id AND status IN ('QUEUED', 'SCHEDULED')"
              + " RETURNING id, channel, recipient, address, template, template_variables::text AS template_variables,"
              + " category, locale, subject, body, html_body, sensitive, status, attempts, error, schedule_time,"
              + " send_time, creator, create_time, update_time")
    Optional<NotificationRow> cancel(@Bind("id") UUID id);

    /** The attempts of the notifications, oldest first, at most the last {@code perNotification} of each. */
    @SqlQuery("SELECT notification_id, attempt, attempt_time, provider, outcome, detail, instance FROM ("
              + " SELECT a.*, row_number() OVER (PARTITION BY notification_id ORDER BY attempt DESC) AS rn"
              + " FROM delivery_attempts a WHERE notification_id = ANY(:ids)) t"
              + " WHERE rn <= :perNotification ORDER BY notification_id, attempt")
    List<AttemptRow> attempts(@Bind("ids") UUID[] ids, @Bind("perNotification") int perNotification);
}
