package io.sextant.gateway.edge;

import java.util.EnumMap;
import java.util.Map;

import io.sextant.platform.db.Database;
import io.sextant.platform.limits.RateLimit;
import io.sextant.platform.limits.RateLimiter;

/**
 * The gateway's rate limits: one token bucket per route group and client (a user id, or a client
 * address), in the platform's {@link RateLimiter}: in this process, or in PostgreSQL for several
 * gateway replicas.
 */
public final class RouteLimiter implements AutoCloseable {

    private final Map<RouteGroup, RateLimit> limits;
    private final RateLimiter buckets;

    private RouteLimiter(Map<RouteGroup, RateLimit> limits, RateLimiter buckets) {
        this.limits = new EnumMap<>(limits);
        this.buckets = buckets;
    }

    /** The limiter of the settings: null when every group is off. */
    public static RouteLimiter of(EdgeConfig config, Database database) {
        if (config.rateLimits().isEmpty()) {
            return null;
        }
        return new RouteLimiter(config.rateLimits(), database == null ? RateLimiter.inMemory(config.rateLimits().values())
                                                                      : RateLimiter.inPostgres(database));
    }

    /** Whether the group has a limit at all. */
    boolean limits(RouteGroup group) {
        return limits.containsKey(group);
    }

    /** Whether {@link #check} may block (a database round trip): then it must run off the event loop. */
    boolean blocks() {
        return buckets.blocks();
    }

    /** Takes one token from the client's bucket of the group, if there is one left. */
    RateLimiter.Decision check(RouteGroup group, String client) {
        return buckets.tryConsume(group.name() + ":" + client, limits.get(group), 1);
    }

    /** Logs (at most every 10 s) that the shared store failed and calls go through unlimited. */
    void storeFailed(Throwable failure) {
        buckets.storeFailed(failure);
    }

    @Override
    public void close() {
        buckets.close();
    }
}
