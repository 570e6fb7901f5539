package io.sextant.platform.grpc;

import com.netflix.concurrency.limits.Limit;
import com.netflix.concurrency.limits.limit.FixedLimit;
import com.netflix.concurrency.limits.limit.Gradient2Limit;
import com.netflix.concurrency.limits.limiter.SimpleLimiter;

import io.sextant.platform.config.Env;

/**
 * A bound on the calls in flight to one place (a target service at its client, a service at its
 * server), between {@code min} and {@code max}: Netflix's Gradient2 limit, which lowers the bound
 * while the latency of the calls grows past its long-run average (queueing somewhere) and raises it
 * again as it falls, never below {@code min} nor above {@code max}. With {@code min == max} the
 * bound is fixed.
 *
 * <p>Why adaptive: a fixed bound is right for one machine and one kind of call only. Too high and
 * the calls beyond the capacity wait in queues until their deadlines pass (the collapse of
 * bench/REPORT.md); too low and a fast backend is refused work it could do. Gradient2 finds the
 * bound from the latency it measures, and {@code max} keeps a ceiling the operator chose.
 *
 * @param min the least the bound falls to (at least 1)
 * @param max the most calls in flight, whatever the latency
 */
public record ConcurrencyLimit(int min, int max) {

    /**
     * The gateway's default bound on its calls in flight to one backend. The floor (64) is above
     * what a busy closed-loop client keeps in flight (32 connections of a load generator, a
     * connection pool): an earlier floor of 20 refused a tenth of such a client's calls while the
     * limit was still learning (a fresh start, the JIT still cold, a pool wait), which is not
     * overload. Past the floor, queueing costs at most floor / throughput (64 calls at 3,000/s:
     * about 20 ms) before the bound sheds.
     */
    public static final ConcurrencyLimit DEFAULT_CLIENT = new ConcurrencyLimit(64, 1000);
    /** A service's default bound on the calls it serves at once (floor: as {@link #DEFAULT_CLIENT}). */
    public static final ConcurrencyLimit DEFAULT_SERVER = new ConcurrencyLimit(64, 1000);

    public ConcurrencyLimit {
        if (min < 1 || max < min) {
            throw new IllegalArgumentException("concurrency limit: min " + min + ", max " + max
                                               + " (need 1 <= min <= max)");
        }
    }

    /**
     * Reads {@code PREFIX_MIN} and {@code PREFIX_MAX} (1 to 100,000; min at most max), reporting a
     * wrong value to the env, which names it at start.
     */
    public static ConcurrencyLimit read(Env env, String prefix, ConcurrencyLimit defaults) {
        final int max = env.integer(prefix + "_MAX", defaults.max(), 1, 100_000);
        final int min = env.integer(prefix + "_MIN", Math.min(defaults.min(), max), 1, 100_000);
        if (min > max) {
            env.problem(prefix + "_MIN", "is " + min + ", more than " + prefix + "_MAX (" + max + ")");
            return defaults;
        }
        return new ConcurrencyLimit(min, max);
    }

    /** Whether the bound never moves. */
    public boolean fixed() {
        return min == max;
    }

    /** A new limiter of this bound (each place bounded has its own). */
    public <C> SimpleLimiter<C> newLimiter(String name) {
        return SimpleLimiter.newBuilder().named(name).limit(newLimit()).build();
    }

    private Limit newLimit() {
        if (fixed()) {
            return FixedLimit.of(max);
        }
        return Gradient2Limit.newBuilder()
                             .initialLimit(min)
                             .minLimit(min)
                             .maxConcurrency(max)
                             .build();
    }
}
