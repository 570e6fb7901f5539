package io.sextant.platform.outbox;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import io.prometheus.client.Gauge;
import io.sextant.platform.jobs.ScheduledJobs;

/**
 * Delivers outbox events with retries. Each round leases a bounded batch of due events with
 * {@code FOR UPDATE SKIP LOCKED}, so any number of replicas share the work without delivering an
 * event twice at the same time, and delivers them outside any transaction; a failed delivery is
 * retried with exponential backoff (1 s doubling up to 5 minutes), forever: nothing is dropped while
 * the target is down. Delivered events are purged after a week. A handler should finish well
 * within the lease (two minutes for a batch of 20); past it, another replica may deliver the same
 * event again, which idempotent handlers absorb.
 */
public final class OutboxRelay implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);
    private static final int BATCH = 20;
    /** How long a claimed event is left to the replica that claimed it before another may try it. */
    private static final Duration LEASE = Duration.ofMinutes(2);
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

    private final String serviceName;
    private final Jdbi jdbi;
    private final Map<String, OutboxHandler> handlers;
    private final Duration interval;
    private final ScheduledJobs scheduler;
    private final Counter delivered;
    private final Counter failed;
    private final Gauge pending;

    public OutboxRelay(String serviceName, Jdbi jdbi, Map<String, OutboxHandler> handlers, Duration interval,
                       CollectorRegistry registry) {
        this.serviceName = serviceName;
        this.jdbi = jdbi;
        this.handlers = Map.copyOf(handlers);
        this.interval = interval;
        this.scheduler = ScheduledJobs.on(serviceName + "-outbox-relay");
        delivered = Counter.build("sextant_outbox_delivered_total", "Outbox events delivered.")
                           .labelNames("topic").register(registry);
        failed = Counter.build("sextant_outbox_failed_attempts_total", "Failed outbox delivery attempts.")
                        .labelNames("topic").register(registry);
        pending = Gauge.build("sextant_outbox_pending", "Outbox events not delivered yet.").register(registry);
    }

    public OutboxRelay start() {
        if (!handlers.isEmpty()) {
            scheduler.every("outbox relay", Duration.ZERO, interval, this::runSafely);
        }
        scheduler.every("outbox purge", Duration.ofMinutes(1), Duration.ofMinutes(60), this::purge);
        return this;
    }

    private void runSafely() {
        try {
            while (deliverBatch() == BATCH) {
                // a full batch: there may be more due right now
            }
        } catch (RuntimeException e) {
            log.warn("Outbox relay of {} failed a round: {}", serviceName, e.toString());
        }
    }

    /**
     * Claims a batch of due events, delivers them and records each outcome; returns how many were
     * claimed. The claim is a short transaction that leases the events (pushes their next attempt
     * {@link #LEASE} ahead, skipping rows another replica is claiming), so deliveries run without
     * holding a connection or row locks, and a replica that dies mid-batch only delays its events
     * by the lease. Public for tests.
     */
    public int deliverBatch() {
        final List<OutboxEvent> claimed = new ArrayList<>(jdbi.inTransaction(this::claim));
        claimed.sort(Comparator.comparingLong(OutboxEvent::sequence));
        for (OutboxEvent event : claimed) {
            deliver(event);
        }
        pending.set(jdbi.withHandle(handle -> handle.createQuery("SELECT count(*) FROM outbox WHERE delivered_at IS NULL")
                                                    .mapTo(Long.class).one()));
        return claimed.size();
    }

    private List<OutboxEvent> claim(Handle handle) {
        return handle.createQuery("UPDATE outbox SET next_attempt_at = now() + make_interval(secs => :lease)"
                                  + " WHERE id IN (SELECT id FROM outbox"
                                  + "   WHERE delivered_at IS NULL AND next_attempt_at <= now() AND topic = ANY(:topics)"
                                  + "   ORDER BY id LIMIT :batch FOR UPDATE SKIP LOCKED)"
                                  + " RETURNING id, event_id, topic, payload, attempts, created_at")
                     .bindArray("topics", String.class, handlers.keySet().toArray(new String[0]))
                     .bind("batch", BATCH)
                     .bind("lease", (double) LEASE.toSeconds())
                     .map((rs, ctx) -> new OutboxEvent(rs.getLong("id"), rs.getObject("event_id", UUID.class),
                                                       rs.getString("topic"), parse(rs.getBytes("payload")),
                                                       rs.getInt("attempts"),
                                                       rs.getObject("created_at", OffsetDateTime.class).toInstant()))
                     .list();
    }

    private void deliver(OutboxEvent event) {
        try {
            handlers.get(event.topic()).deliver(event);
        } catch (Exception e) {
            final long backoff = Math.min(MAX_BACKOFF.toMillis(), 1000L << Math.min(event.attempts(), 20));
            // the database's clock decides what is due, so it also sets when
            jdbi.useHandle(handle -> handle.createUpdate("UPDATE outbox SET attempts = attempts + 1, last_error = :error,"
                                                         + " next_attempt_at = now() + make_interval(secs => :backoffSeconds)"
                                                         + " WHERE id = :id")
                                           .bind("id", event.sequence())
                                           .bind("error", String.valueOf(e.getMessage()))
                                           .bind("backoffSeconds", backoff / 1000.0)
                                           .execute());
            failed.labels(event.topic()).inc();
            log.info("Outbox event {} ({}) not delivered (attempt {}), retrying in {} ms: {}",
                     event.eventId(), event.topic(), event.attempts() + 1, backoff, e.getMessage());
            return;
        }
        jdbi.useHandle(handle -> handle.createUpdate("UPDATE outbox SET delivered_at = now(), attempts = attempts + 1,"
                                                     + " last_error = NULL WHERE id = :id")
                                       .bind("id", event.sequence()).execute());
        delivered.labels(event.topic()).inc();
    }

    private void purge() {
        try {
            jdbi.useHandle(h -> h.createUpdate("DELETE FROM outbox WHERE delivered_at < now() - interval '7 days'")
                                 .execute());
        } catch (RuntimeException e) {
            log.warn("Outbox purge of {} failed: {}", serviceName, e.toString());
        }
    }

    private static Any parse(byte[] bytes) {
        try {
            return Any.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("corrupt outbox payload", e);
        }
    }

    @Override
    public void close() {
        scheduler.close();
    }
}
