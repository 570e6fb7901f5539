package io.sextant.gateway.edge;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

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
 * The gateway's rate limits: one token bucket per route group and client (a user id, or a client
 * address), kept in this process (bounded, idle buckets dropped) or, for several gateway replicas,
 * in PostgreSQL through Bucket4j's JDBC integration, where each check is a row lock and an update.
 */
public abstract class RateLimiter implements AutoCloseable {

    /** What a check decided, and what to tell the client about its bucket. */
    record Decision(boolean allowed, RateLimit limit, long remaining, long nanosToRefill, long nanosToReset) {

        /** Whole seconds until one request is allowed again (at least 1). */
        long retryAfterSeconds() {
            return Math.max(1, TimeUnit.NANOSECONDS.toSeconds(nanosToRefill + 999_999_999L));
        }

        /** Whole seconds until the bucket is full again. */
        long resetSeconds() {
            return TimeUnit.NANOSECONDS.toSeconds(nanosToReset + 999_999_999L);
        }
    }

    private final Map<RouteGroup, RateLimit> limits;
    private final Map<RouteGroup, BucketConfiguration> configurations = new EnumMap<>(RouteGroup.class);

    RateLimiter(Map<RouteGroup, RateLimit> limits) {
        this.limits = new EnumMap<>(limits);
        this.limits.forEach((group, limit) -> configurations.put(group, limit.bucket()));
    }

    /** The limiter of the settings: null when every group is off. */
    public static RateLimiter of(EdgeConfig config, Database database) {
        if (config.rateLimits().isEmpty()) {
            return null;
        }
        return database == null ? new InMemory(config.rateLimits()) : new InPostgres(config.rateLimits(), database);
    }

    /** Whether the group has a limit at all. */
    final boolean limits(RouteGroup group) {
        return limits.containsKey(group);
    }

    /** Whether {@link #check} may block (a database round trip): then it must run off the event loop. */
    abstract boolean blocks();

    /** Takes one token from the client's bucket of the group, if there is one left. */
    final Decision check(RouteGroup group, String client) {
        final RateLimit limit = limits.get(group);
        final ConsumptionProbe probe = consume(group.name() + ":" + client, configurations.get(group));
        return new Decision(probe.isConsumed(), limit, probe.getRemainingTokens(), probe.getNanosToWaitForRefill(),
                            probe.getNanosToWaitForReset());
    }

    abstract ConsumptionProbe consume(String key, BucketConfiguration configuration);

    @Override
    public void close() {}

    /** Buckets in this process: at most 100,000 clients, a bucket dropped when idle for longer than its longest period. */
    static final class InMemory extends RateLimiter {

        private static final int MAX_CLIENTS = 100_000;
        private final Cache<String, Bucket> buckets;

        InMemory(Map<RouteGroup, RateLimit> limits) {
            super(limits);
            final Duration idle = limits.values().stream().map(RateLimit::period).max(Duration::compareTo)
                                        .orElse(Duration.ofMinutes(1));
            // an evicted bucket was idle for a full period, so it had refilled completely: nothing is lost
            buckets = CacheBuilder.newBuilder().maximumSize(MAX_CLIENTS).expireAfterAccess(idle).build();
        }

        @Override
        boolean blocks() {
            return false;
        }

        @Override
        ConsumptionProbe consume(String key, BucketConfiguration configuration) {
            try {
                return buckets.get(key, () -> Bucket.builder().addLimit(configuration.getBandwidths()[0]).build())
                              .tryConsumeAndReturnRemaining(1);
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
        }
    }

    /** Buckets in PostgreSQL, shared by every gateway replica that uses the same database. */
    static final class InPostgres extends RateLimiter {

        private static final Logger log = LoggerFactory.getLogger(InPostgres.class);
        private final PostgreSQLSelectForUpdateBasedProxyManager<String> buckets;
        private final ScheduledJobs cleaner;

        InPostgres(Map<RouteGroup, RateLimit> limits, Database database) {
            super(limits);
            buckets = Bucket4jPostgreSQL.selectForUpdateBasedBuilder(database.dataSource())
                                        .primaryKeyMapper(PrimaryKeyMapper.STRING)
                                        .table("rate_limit_buckets")
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
        boolean blocks() {
            return true;
        }

        @Override
        ConsumptionProbe consume(String key, BucketConfiguration configuration) {
            return buckets.builder().build(key, () -> configuration).tryConsumeAndReturnRemaining(1);
        }

        @Override
        public void close() {
            cleaner.close();
        }
    }
}
