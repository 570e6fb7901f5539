package io.sextant.platform.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.prometheus.client.CollectorRegistry;
import io.sextant.platform.db.Database;
import io.sextant.platform.db.DbConfig;
import io.sextant.platform.testing.TestPostgres;

/** Both stores of the keyed limiter: in this process, and in a real PostgreSQL shared by two limiters. */
class RateLimiterIT {

    private static final RateLimit THREE_PER_HOUR = new RateLimit(3, Duration.ofHours(1));
    private static final RateLimit FIVE_PER_HOUR = new RateLimit(5, Duration.ofHours(1));

    private static Database first;
    private static Database second;

    @BeforeAll
    static void openDatabase() {
        final DbConfig db = TestPostgres.newDatabase("limits");
        first = Database.open("limits", db, new CollectorRegistry());
        second = Database.open("limits", db, new CollectorRegistry());
        // the layout the services' migrations create (gateway V1, notification V4)
        first.jdbi().useHandle(h -> h.execute("CREATE TABLE " + RateLimiter.TABLE
                                              + " (id text PRIMARY KEY, state bytea, expires_at bigint)"));
    }

    @AfterAll
    static void closeDatabase() {
        first.close();
        second.close();
    }

    @Test
    void inMemoryABatchTakesAllItsTokensOrNone() {
        try (RateLimiter limiter = RateLimiter.inMemory(List.of(THREE_PER_HOUR))) {
            assertThat(limiter.blocks()).isFalse();
            assertBatchesAllOrNone(limiter, "memory-batch");
        }
    }

    @Test
    void inMemoryKeysAndLimitsAreIndependent() {
        try (RateLimiter limiter = RateLimiter.inMemory(List.of(THREE_PER_HOUR, FIVE_PER_HOUR))) {
            assertThat(limiter.tryConsume("a", THREE_PER_HOUR, 3).allowed()).isTrue();
            assertThat(limiter.tryConsume("a", THREE_PER_HOUR, 1).allowed()).isFalse();
            assertThat(limiter.tryConsume("b", THREE_PER_HOUR, 3).allowed()).as("another key").isTrue();
            assertThat(limiter.tryConsume("c", FIVE_PER_HOUR, 5).allowed()).as("another limit").isTrue();
        }
    }

    @Test
    void inPostgresTwoLimitersOnOneDatabaseShareTheBuckets() {
        try (RateLimiter one = RateLimiter.inPostgres(first); RateLimiter other = RateLimiter.inPostgres(second)) {
            assertThat(one.blocks()).isTrue();
            assertThat(one.tryConsume("shared", THREE_PER_HOUR, 2).allowed()).isTrue();
            final RateLimiter.Decision refused = other.tryConsume("shared", THREE_PER_HOUR, 2);
            assertThat(refused.allowed()).as("the other replica sees the tokens the first took").isFalse();
            assertThat(refused.remaining()).isEqualTo(1);
            assertThat(other.tryConsume("shared", THREE_PER_HOUR, 1).allowed()).isTrue();
            assertThat(one.tryConsume("shared", THREE_PER_HOUR, 1).allowed()).isFalse();
            other.giveBack("shared", THREE_PER_HOUR, 1);
            assertThat(one.tryConsume("shared", THREE_PER_HOUR, 1).allowed()).as("given back on the other").isTrue();
        }
    }

    @Test
    void inPostgresABatchTakesAllItsTokensOrNone() {
        try (RateLimiter limiter = RateLimiter.inPostgres(first)) {
            assertBatchesAllOrNone(limiter, "postgres-batch");
        }
    }

    private static void assertBatchesAllOrNone(RateLimiter limiter, String key) {
        assertThat(limiter.tryConsume(key, THREE_PER_HOUR, 2).allowed()).isTrue();
        final RateLimiter.Decision refused = limiter.tryConsume(key, THREE_PER_HOUR, 2);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.remaining()).as("nothing taken by a refused batch").isEqualTo(1);
        // one token comes back every 20 minutes
        assertThat(refused.retryAfterSeconds()).isBetween(1190L, 1200L);
        assertThat(refused.resetSeconds()).isBetween(2390L, 2400L);
        assertThat(limiter.tryConsume(key, THREE_PER_HOUR, 1).allowed()).isTrue();
        limiter.giveBack(key, THREE_PER_HOUR, 5);
        assertThat(limiter.tryConsume(key, THREE_PER_HOUR, 3).allowed()).as("given back, up to the count").isTrue();
        assertThat(limiter.tryConsume(key, THREE_PER_HOUR, 1).allowed()).isFalse();
        final RateLimiter.Decision never = limiter.tryConsume(key + "-big", THREE_PER_HOUR, 4);
        assertThat(never.allowed()).as("more than the count is never allowed").isFalse();
        assertThat(never.retryAfterSeconds()).isPositive();
    }
}
