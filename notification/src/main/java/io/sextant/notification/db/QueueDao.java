package io.sextant.notification.db;

import java.util.List;
import java.util.UUID;

import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/**
 * The delivery engines' side of {@code notifications}: claiming due rows under a lease, and
 * recording what became of each attempt. Every statement is one SQL statement, so engines on
 * several replicas share the queue without a lock held across a delivery.
 */
@RegisterConstructorMapper(ClaimedRow.class)
public interface QueueDao {

    /**
     * Leases up to {@code limit} due notifications to {@code owner} until now + {@code leaseMillis}:
     * due means its time has come and nobody holds a live lease on it (a crashed replica's leases
     * expire, and its rows are taken over). {@code SKIP LOCKED}: engines never wait for each other,
     * nor for a cancellation in progress. Each row comes with the recipient's opt-out that stops it,
     * if any (none for a category in {@code transactional}): decided when it is due, so an opt-out
     * made after a notification was scheduled still holds.
     */
    @SqlQuery("UPDATE notifications n SET status = 'SENDING', lease_owner = :owner,"
              + " lease_until = now() + :leaseMillis * interval '1 millisecond', update_time = now()"
              + " WHERE n.id IN (SELECT id FROM notifications WHERE next_attempt_at <= now()"
              + " AND (lease_until IS NULL OR lease_until < now()) ORDER BY next_attempt_at LIMIT :limit"
              + " FOR UPDATE SKIP LOCKED)"
              + " RETURNING n.id, n.channel, n.recipient, n.address, n.subject, n.body, n.html_body, n.category,"
              + " n.attempts, (SELECT o.channel || '/' || o.category FROM opt_outs o"
              + " WHERE o.owner IN (n.recipient, 'mailto:' || lower(n.address)) AND o.channel IN (n.channel, '*')"
              + " AND o.category IN (n.category, '*') AND NOT n.category = ANY(:transactional)"
              + " ORDER BY o.channel, o.category LIMIT 1) AS opted_out")
    List<ClaimedRow> claim(@Bind("owner") String owner, @Bind("leaseMillis") long leaseMillis, @Bind("limit") int limit,
                           @Bind("transactional") String[] transactional);

    /**
     * Records an attempt and its result while {@code owner} still holds the lease: the attempt row,
     * the count, the status ({@code SENT}, {@code FAILED}, or {@code SENDING} again with the next
     * attempt at now + {@code retryMillis}), the error, and the lease given back. A final status
     * erases a sensitive notification's content. Returns whether the lease was still held.
     *
     * @param status  {@code SENT}, {@code FAILED} or {@code SENDING}
     * @param outcome {@code SENT}, {@code RETRYABLE} or {@code PERMANENT}
     * @param error   the error to keep (the last failure's), or null to keep the one there is
     */
    @SqlUpdate("WITH n AS (UPDATE notifications SET attempts = attempts + 1, status = :status,"
               + " error = COALESCE(:error, error),"
               + " next_attempt_at = CASE WHEN :status = 'SENDING' THEN now() + :retryMillis * interval '1 millisecond' END,"
               + " send_time = CASE WHEN :status = 'SENT' THEN now() ELSE send_time END,"
               + " lease_owner = NULL, lease_until = NULL, update_time = now(),"
               + " subject = CASE WHEN sensitive AND :status <> 'SENDING' THEN '' ELSE subject END,"
               + " body = CASE WHEN sensitive AND :status <> 'SENDING' THEN '' ELSE body END,"
               + " html_body = CASE WHEN sensitive AND :status <> 'SENDING' THEN '' ELSE html_body END,"
               + " template_variables = CASE WHEN sensitive AND :status <> 'SENDING' THEN '{}'::jsonb"
               + " ELSE template_variables END"
               + " WHERE id = :id AND lease_owner = :owner AND status = 'SENDING' RETURNING id, attempts)"
               + " INSERT INTO delivery_attempts (notification_id, attempt, provider, outcome, detail, instance)"
               + " SELECT id, attempts, :provider, :outcome, :detail, :owner FROM n")
    boolean record(@Bind("id") UUID id, @Bind("owner") String owner, @Bind("status") String status,
                   @Bind("retryMillis") long retryMillis, @Bind("error") String error,
                   @Bind("provider") String provider, @Bind("outcome") String outcome, @Bind("detail") String detail);

    /**
     * Ends a leased notification as SUPPRESSED (the recipient opted out) with {@code error} saying
     * which opt-out, without an attempt; a sensitive one's content is erased as at any final
     * status. Returns whether the lease was still held.
     */
    @SqlUpdate("UPDATE notifications SET status = 'SUPPRESSED', error = :error, next_attempt_at = NULL,"
               + " lease_owner = NULL, lease_until = NULL, update_time = now(), " + NotificationDao.ERASE_IF_SENSITIVE
               + " WHERE id = :id AND lease_owner = :owner AND status = 'SENDING'")
    boolean suppress(@Bind("id") UUID id, @Bind("owner") String owner, @Bind("error") String error);

    /** Gives back the leases of rows this owner claimed but did not start (a stopping engine). */
    @SqlUpdate("UPDATE notifications SET lease_owner = NULL, lease_until = NULL WHERE id = ANY(:ids) AND lease_owner = :owner")
    int release(@Bind("ids") UUID[] ids, @Bind("owner") String owner);
}
