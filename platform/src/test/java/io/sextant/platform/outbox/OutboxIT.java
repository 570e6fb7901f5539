package io.sextant.platform.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.StringValue;

import io.prometheus.client.CollectorRegistry;
import io.sextant.platform.db.Database;
import io.sextant.platform.testing.Poll;
import io.sextant.platform.testing.TestPostgres;

/**
 * The transactional outbox on a real PostgreSQL: an event exists exactly when its cause committed,
 * is delivered until the target takes it, and is never handed to two replicas at once.
 */
class OutboxIT {

    private static final String TOPIC = "users.profile-create";

    private Database database;
    private Jdbi jdbi;
    private final List<OutboxRelay> relays = new ArrayList<>();

    @BeforeEach
    void open() {
        database = Database.open("outbox", TestPostgres.newDatabase("outbox"), new CollectorRegistry());
        jdbi = database.jdbi();
    }

    @AfterEach
    void close() {
        relays.forEach(OutboxRelay::close);
        database.close();
    }

    /** A relay as one replica of a service runs it (each replica has its own metrics registry). */
    private OutboxRelay relay(Map<String, OutboxHandler> handlers) {
        final OutboxRelay relay = new OutboxRelay("outbox", jdbi, handlers, Duration.ofMillis(100), new CollectorRegistry());
        relays.add(relay);
        return relay;
    }

    private static StringValue payload(String text) {
        return StringValue.of(text);
    }

    private static String text(OutboxEvent event) {
        try {
            return event.payload().unpack(StringValue.class).getValue();
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    private UUID appendCommitted(String text) {
        return jdbi.inTransaction(h -> Outbox.append(h, TOPIC, payload(text)));
    }

    private int count(String where) {
        return jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM outbox WHERE " + where).mapTo(Integer.class).one());
    }

    private Map<String, Object> row(UUID eventId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT attempts, last_error, delivered_at, next_attempt_at"
                                                  + " FROM outbox WHERE event_id = :id")
                                     .bind("id", eventId)
                                     .mapToMap()
                                     .one());
    }

    @Test
    void an_event_of_a_rolled_back_transaction_is_never_delivered() {
        final List<OutboxEvent> delivered = new CopyOnWriteArrayList<>();
        final OutboxRelay relay = relay(Map.of(TOPIC, delivered::add));

        assertThatThrownBy(() -> jdbi.useTransaction(h -> {
            h.execute("CREATE TABLE IF NOT EXISTS accounts (id text PRIMARY KEY)");
            Outbox.append(h, TOPIC, payload("rolled back"));
            throw new IllegalStateException("the cause failed");
        })).hasMessage("the cause failed");

        assertThat(relay.deliverBatch()).isZero();
        assertThat(delivered).isEmpty();
        assertThat(count("true")).isZero();
    }

    @Test
    void an_event_of_a_committed_transaction_is_delivered_once() {
        final List<OutboxEvent> delivered = new CopyOnWriteArrayList<>();
        final OutboxRelay relay = relay(Map.of(TOPIC, delivered::add));

        final UUID eventId = appendCommitted("profile for user-1");

        assertThat(relay.deliverBatch()).isEqualTo(1);
        assertThat(relay.deliverBatch()).isZero();
        assertThat(delivered).hasSize(1);
        final OutboxEvent event = delivered.get(0);
        assertThat(event.eventId()).isEqualTo(eventId);
        assertThat(event.topic()).isEqualTo(TOPIC);
        assertThat(text(event)).isEqualTo("profile for user-1");
        assertThat(event.attempts()).isZero();
        assertThat(row(eventId).get("delivered_at")).isNotNull();
        assertThat(row(eventId).get("attempts")).isEqualTo(1);
    }

    @Test
    void events_are_delivered_in_the_order_they_were_written() {
        final List<String> delivered = new CopyOnWriteArrayList<>();
        final OutboxRelay relay = relay(Map.of(TOPIC, e -> delivered.add(text(e))));
        for (int i = 0; i < 120; i++) {
            appendCommitted("event-" + i);
        }

        while (relay.deliverBatch() > 0) {
            // drain
        }

        assertThat(delivered).hasSize(120);
        assertThat(delivered.get(0)).isEqualTo("event-0");
        assertThat(delivered.get(119)).isEqualTo("event-119");
    }

    @Test
    void a_running_relay_delivers_new_events_by_itself() {
        final List<OutboxEvent> delivered = new CopyOnWriteArrayList<>();
        relay(Map.of(TOPIC, delivered::add)).start();

        final UUID eventId = appendCommitted("soon");

        Poll.until(() -> assertThat(delivered).extracting(OutboxEvent::eventId).containsExactly(eventId));
    }

    @Test
    void a_failed_delivery_is_retried_later_until_it_succeeds() {
        final AtomicInteger calls = new AtomicInteger();
        final List<OutboxEvent> delivered = new CopyOnWriteArrayList<>();
        final OutboxRelay relay = relay(Map.of(TOPIC, event -> {
            if (calls.incrementAndGet() <= 2) {
                throw new IllegalStateException("users service unavailable");
            }
            delivered.add(event);
        }));
        final UUID eventId = appendCommitted("retry me");
        final OffsetDateTime firstTry = jdbi.withHandle(h -> h.createQuery("SELECT now()").mapTo(OffsetDateTime.class).one());

        relay.deliverBatch();

        Map<String, Object> row = row(eventId);
        assertThat(row.get("attempts")).isEqualTo(1);
        assertThat(row.get("last_error")).isEqualTo("users service unavailable");
        assertThat(row.get("delivered_at")).isNull();
        assertThat(((java.sql.Timestamp) row.get("next_attempt_at")).toInstant())
                .as("the next attempt is backed off").isAfter(firstTry.toInstant());
        assertThat(delivered).isEmpty();

        makeDue(eventId);
        relay.deliverBatch();

        row = row(eventId);
        assertThat(row.get("attempts")).isEqualTo(2);
        assertThat(row.get("delivered_at")).isNull();

        makeDue(eventId);
        relay.deliverBatch();

        row = row(eventId);
        assertThat(row.get("attempts")).isEqualTo(3);
        assertThat(row.get("last_error")).isNull();
        assertThat(row.get("delivered_at")).isNotNull();
        assertThat(delivered).hasSize(1);
        assertThat(delivered.get(0).eventId()).isEqualTo(eventId);
        assertThat(delivered.get(0).attempts()).as("the handler sees how often it was tried").isEqualTo(2);
        assertThat(text(delivered.get(0))).isEqualTo("retry me");
        assertThat(calls).hasValue(3);
    }

    @Test
    void a_failing_event_does_not_hold_up_the_others() {
        final List<String> delivered = new CopyOnWriteArrayList<>();
        final OutboxRelay relay = relay(Map.of(TOPIC, event -> {
            if (text(event).equals("poison")) {
                throw new IllegalStateException("cannot deliver this one");
            }
            delivered.add(text(event));
        }));
        appendCommitted("first");
        appendCommitted("poison");
        appendCommitted("third");

        relay.deliverBatch();

        assertThat(delivered).containsExactly("first", "third");
        assertThat(count("delivered_at IS NULL")).isEqualTo(1);
    }

    @Test
    void events_of_topics_without_a_handler_are_left_for_the_relay_that_has_one() {
        final List<OutboxEvent> delivered = new CopyOnWriteArrayList<>();
        final OutboxRelay relay = relay(Map.of(TOPIC, delivered::add));
        final UUID other = jdbi.inTransaction(h -> Outbox.append(h, "notification.send", payload("mail")));

        assertThat(relay.deliverBatch()).isZero();

        assertThat(delivered).isEmpty();
        assertThat(row(other).get("attempts")).isEqualTo(0);
        assertThat(row(other).get("delivered_at")).isNull();
    }

    @Test
    void replicas_share_the_work_without_waiting_for_each_other() throws Exception {
        for (int i = 0; i < 120; i++) {
            appendCommitted("event-" + i);
        }
        final Map<UUID, AtomicInteger> deliveries = new ConcurrentHashMap<>();
        final CountDownLatch firstHeld = new CountDownLatch(1);
        final CountDownLatch secondDelivered = new CountDownLatch(1);
        final AtomicInteger byFirst = new AtomicInteger();
        final AtomicInteger bySecond = new AtomicInteger();
        // the first replica holds its claimed batch until the second has delivered something: with
        // row locks that are skipped, not waited for, the second goes ahead with the next events
        final OutboxRelay first = relay(Map.of(TOPIC, event -> {
            deliveries.computeIfAbsent(event.eventId(), id -> new AtomicInteger()).incrementAndGet();
            byFirst.incrementAndGet();
            firstHeld.countDown();
            if (!secondDelivered.await(30, TimeUnit.SECONDS)) {
                throw new AssertionError("the second replica was blocked by the first one's batch");
            }
        }));
        final OutboxRelay second = relay(Map.of(TOPIC, event -> {
            deliveries.computeIfAbsent(event.eventId(), id -> new AtomicInteger()).incrementAndGet();
            bySecond.incrementAndGet();
            secondDelivered.countDown();
        }));
        final ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            final Future<?> a = threads.submit(() -> drain(first));
            assertThat(firstHeld.await(30, TimeUnit.SECONDS)).isTrue();
            final Future<?> b = threads.submit(() -> drain(second));
            a.get(60, TimeUnit.SECONDS);
            b.get(60, TimeUnit.SECONDS);
        } finally {
            threads.shutdownNow();
        }

        assertThat(deliveries).hasSize(120);
        assertThat(deliveries.values()).allSatisfy(n -> assertThat(n).hasValue(1));
        assertThat(byFirst.get()).isPositive();
        assertThat(bySecond.get()).isPositive();
        assertThat(count("delivered_at IS NULL")).isZero();
    }

    @Test
    void racing_replicas_never_deliver_an_event_twice() throws Exception {
        for (int i = 0; i < 400; i++) {
            appendCommitted("event-" + i);
        }
        final Map<UUID, AtomicInteger> deliveries = new ConcurrentHashMap<>();
        final OutboxHandler handler =
                event -> deliveries.computeIfAbsent(event.eventId(), id -> new AtomicInteger()).incrementAndGet();
        final List<OutboxRelay> replicas = List.of(relay(Map.of(TOPIC, handler)), relay(Map.of(TOPIC, handler)),
                                                   relay(Map.of(TOPIC, handler)), relay(Map.of(TOPIC, handler)));
        final CountDownLatch go = new CountDownLatch(1);
        final ExecutorService threads = Executors.newFixedThreadPool(replicas.size());
        try {
            final List<Future<?>> runs = new ArrayList<>();
            for (OutboxRelay replica : replicas) {
                runs.add(threads.submit(() -> {
                    go.await();
                    drain(replica);
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> run : runs) {
                run.get(60, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }

        assertThat(deliveries).hasSize(400);
        assertThat(deliveries.values()).allSatisfy(n -> assertThat(n).hasValue(1));
        assertThat(count("delivered_at IS NULL")).isZero();
    }

    @Test
    void appending_outside_a_transaction_is_refused() {
        assertThatThrownBy(() -> jdbi.useHandle(h -> Outbox.append(h, TOPIC, payload("no transaction"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("transaction");

        assertThat(count("true")).isZero();
    }

    private static void drain(OutboxRelay relay) {
        while (relay.deliverBatch() > 0) {
            // until nothing is due
        }
    }

    private void makeDue(UUID eventId) {
        jdbi.useHandle(h -> h.createUpdate("UPDATE outbox SET next_attempt_at = now() - interval '1 second'"
                                           + " WHERE event_id = :id")
                             .bind("id", eventId)
                             .execute());
    }
}
