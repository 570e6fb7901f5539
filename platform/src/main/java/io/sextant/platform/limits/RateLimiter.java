package io.sextant.platform.limits;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.jdbc.PrimaryKeyMapper;
import io.github.bucket4j.postgresql.Bucket4jPostgreSQL;
import io.github.bucket4j.postgresql.PostgreSQLSelectForUpdateBasedProxyManager;
import io.sextant.platform.db.Database;
import io.sextant.platform.jobs.ScheduledJobs;

/**
 * Token buckets by key (a user, a client address, a recipient: the caller names keys, and a key
 * belongs to one {@link RateLimit}, so keys of different limits carry a prefix of their own). The
 * buckets are kept in this process ({@link #inMemory}: bounded, idle buckets dropped) or, for
 * several replicas, in PostgreSQL through Bucket4j's JDBC integration ({@link #inPostgres}), where
 * each check is a row lock and an update.
 */
public abstract class RateLimiter implements AutoCloseable {

    /** The table of {@link #inPostgres}, which the service's migrations create (Bucket4j's layout). */
    public static final String TABLE = "rate_limit_buckets";

    private static final Logger log = LoggerFactory.getLogger(RateLimiter.class);
    private static final long WARN_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

    /** What a check decided, and what to tell the client about its bucket. */
    public record Decision(boolean allowed, RateLimit limit, long remaining, long nanosToRefill, long nanosToReset) {

        /** Whole seconds until the tokens asked for are there again (at least 1). */
        public long retryAfterSeconds() {
            return Math.max(1, TimeUnit.NANOSECONDS.toSeconds(Math.min(nanosToRefill, Long.MAX_VALUE - 999_999_999L)
                                                              + 999_999_999L));
        }

        /** Whole seconds until the bucket is full again. */
        public long resetSeconds() {
            return TimeUnit.NANOSECONDS.toSeconds(Math.min(nanosToReset, Long.MAX_VALUE - 999_999_999L) + 999_999_999L);
        }
    }

    private final Map<RateLimit, BucketConfiguration> configurations = new ConcurrentHashMap<>();
    private final AtomicLong lastStoreWarning = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);

    RateLimiter() {}

    /**
     * Buckets in this process, for the limits given (an idle bucket is dropped after the longest of
     * their periods, when it is full again anyway).
     */
    public static RateLimiter inMemory(Collection<RateLimit> limits) {
        return new InMemory(limits.stream().map(RateLimit::period).max(Duration::compareTo)
                                  .orElse(Duration.ofMinutes(1)));
    }

    /** Buckets in the database's {@value #TABLE}, shared by every replica that uses it; expired rows removed every minute. */
    public static RateLimiter inPostgres(Database database) {
        return new InPostgres(database);
    }

    /** Whether a check may block (a database round trip): then it must run off the event loop. */
    public abstract boolean blocks();

    /**
     * Takes {@code tokens} from the key's bucket of the limit if it has them all, else none. A
     * request for more than the limit's count is never allowed (its refill time is unbounded).
     */
    public final Decision tryConsume(String key, RateLimit limit, long tokens) {
        final ConsumptionProbe probe = bucket(key, configurations.computeIfAbsent(limit, RateLimit::bucket))
                .tryConsumeAndReturnRemaining(tokens);
        return new Decision(probe.isConsumed(), limit, probe.getRemainingTokens(), probe.getNanosToWaitForRefill(),
                            probe.getNanosToWaitForReset());
    }

    /** Puts back tokens taken for work that then did not happen (a bucket never holds more than its count). */
    public final void giveBack(String key, RateLimit limit, long tokens) {
        bucket(key, configurations.computeIfAbsent(limit, RateLimit::bucket)).addTokens(tokens);
    }

    /**
     * Says that the store failed (its database is away) and the caller lets work through unlimited,
     * at most every 10 seconds: an outage of the limits is not an outage of the service.
     */
    public final void storeFailed(Throwable failure) {
        final long last = lastStoreWarning.get();
        if (System.nanoTime() - last >= WARN_EVERY_NANOS && lastStoreWarning.compareAndSet(last, System.nanoTime())) {
            log.warn("Rate limit store failed; letting calls through unlimited until it answers: {}", failure.toString());
        }
    }

    abstract Bucket bucket(String key, BucketConfiguration configuration);

    @Override
    public void close() {}

    /** Buckets in this process: at most 100,000 keys, a bucket dropped when idle for longer than the longest period. */
    static final class InMemory extends RateLimiter {

        static final int MAX_KEYS = 100_000;
        private final Cache<String, Bucket> buckets;

        InMemory(Duration idle) {
            // an expired bucket was idle for a full period, so it had refilled completely: nothing is lost
            // (past MAX_KEYS the least recently used goes, and its key starts again from a full bucket)
            buckets = CacheBuilder.newBuilder().maximumSize(MAX_KEYS).expireAfterAccess(idle).build();
        }

        @Override
        public boolean blocks() {
            return false;
        }

        @Override
        Bucket bucket(String key, BucketConfiguration configuration) {
            try {
                return buckets.get(key, () -> Bucket.builder().addLimit(configuration.getBandwidths()[0]).build());
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
        }
    }

    /** Buckets in PostgreSQL, shared by every replica that uses the same database. */
    static final class InPostgres extends RateLimiter {

        private final PostgreSQLSelectForUpdateBasedProxyManager<String> buckets;
        private final ScheduledJobs cleaner;

        InPostgres(Database database) {
            buckets = Bucket4jPostgreSQL.selectForUpdateBasedBuilder(database.dataSource())
                                        .primaryKeyMapper(PrimaryKeyMapper.STRING)
                                        .table(TABLE)
                                        .idColumn("id")
                                        .stateColumn("state")
                                        .expiresAtColumn("expires_at")
                                        // a row lives until its bucket is full again, plus a margin
                                        .expirationAfterWrite(ExpirationAfterWriteStrategy
                                                .basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)))
                                        .build();
            cleaner = ScheduledJobs.on("rate-limit-cleaner")
                                   .every("rate limit cleanup", Duration.ofMinutes(1), Duration.ofMinutes(1),
                                          this::removeExpired);
        }

        private void removeExpired() {
            try {
                int removed;
                do {
                    removed = buckets.removeExpired(1000);
                } while (removed == 1000);
            } catch (RuntimeException e) {
                log.warn("Could not remove expired rate limit buckets: {}", e.getMessage());
            }
        }

        @Override
        public boolean blocks() {
            return true;
        }

        @Override
        Bucket bucket(String key, BucketConfiguration configuration) {
            return buckets.builder().build(key, () -> configuration);
        }

        @Override
        public void close() {
            cleaner.close();
        }
    }
}
