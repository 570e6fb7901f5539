package io.sextant.platform.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.prometheus.client.CollectorRegistry;
import io.sextant.platform.testing.TestPostgres;

/** Real deadlocks on the embedded PostgreSQL: the aborted side runs again and both end; other errors are not retried. */
class ConflictRetryIT {

    private Database database;
    private Jdbi jdbi;

    @BeforeEach
    void open() {
        database = Database.open("outbox", TestPostgres.newDatabase("conflict"), new CollectorRegistry());
        jdbi = database.jdbi();
        jdbi.useHandle(h -> {
            h.execute("CREATE TABLE counters (id int PRIMARY KEY, n int NOT NULL)");
            h.execute("INSERT INTO counters VALUES (1, 0), (2, 0)");
        });
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void aTransactionAbortedAsADeadlockRunsAgainAndBothCountOnce() throws Exception {
        final CountDownLatch bothHoldOneRow = new CountDownLatch(2);
        final AtomicInteger runs = new AtomicInteger();
        // each locks one row, waits until the other holds the other row, then wants it: a deadlock on the first runs
        // threads of their own: the common pool may have a single thread on a 2-core machine
        final ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            final CompletableFuture<Void> first = CompletableFuture.runAsync(() -> ConflictRetry.run(
                    () -> increment(1, 2, bothHoldOneRow, runs)), threads);
            final CompletableFuture<Void> second = CompletableFuture.runAsync(() -> ConflictRetry.run(
                    () -> increment(2, 1, bothHoldOneRow, runs)), threads);
            first.get(60, TimeUnit.SECONDS);
            second.get(60, TimeUnit.SECONDS);
        } finally {
            threads.shutdownNow();
        }

        // how often a rerun meets the other side again depends on timing; that some side ran again does not
        assertThat(runs.get()).as("a side was aborted and ran again").isBetween(3, 2 * ConflictRetry.ATTEMPTS);
        final int sum = jdbi.withHandle(h -> h.createQuery("SELECT sum(n) FROM counters").mapTo(Integer.class).one());
        assertThat(sum).as("each transaction counted once: the aborted attempt left nothing behind").isEqualTo(4);
    }

    @Test
    void otherErrorsAreThrownAtOnce() {
        final AtomicInteger runs = new AtomicInteger();
        assertThatThrownBy(() -> ConflictRetry.run(() -> {
            runs.incrementAndGet();
            return jdbi.withHandle(h -> h.execute("INSERT INTO counters VALUES (1, 0)"));
        })).isInstanceOf(JdbiException.class);
        assertThat(runs.get()).isEqualTo(1);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private Void increment(int firstRow, int secondRow, CountDownLatch bothHoldOneRow, AtomicInteger runs) {
        return jdbi.inTransaction(h -> {
            runs.incrementAndGet();
            h.execute("UPDATE counters SET n = n + 1 WHERE id = ?", firstRow);
            bothHoldOneRow.countDown();
            await(bothHoldOneRow);
            h.execute("UPDATE counters SET n = n + 1 WHERE id = ?", secondRow);
            return null;
        });
    }
}
