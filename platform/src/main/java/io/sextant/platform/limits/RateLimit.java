package io.sextant.platform.limits;

import java.time.Duration;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.sextant.platform.config.Env;

/**
 * A limit of requests per period, written {@code <count>/<period>} ({@code 600/1m}, {@code 10/1m},
 * {@code 50/1s}): a token bucket of {@code count} tokens refilled gradually over the period, so a
 * client may burst up to {@code count} and then goes on at the average rate.
 */
public record RateLimit(long count, Duration period) {

    public static final String SYNTAX = "<count>/<period> such as 600/1m or 20/1s, or off";

    public RateLimit {
        if (count < 1 || period.isZero() || period.isNegative()) {
            throw new IllegalArgumentException("a rate limit needs a positive count and period");
        }
    }

    /** The limit the setting names, or null for {@code off}; a malformed one is a problem of {@code env}. */
    public static RateLimit read(Env env, String name, String defaultValue) {
        final String text = env.string(name, defaultValue);
        if (text.equalsIgnoreCase("off")) {
            return null;
        }
        final String[] parts = text.split("/", -1);
        try {
            if (parts.length == 2) {
                return new RateLimit(Long.parseLong(parts[0].trim()), Env.parseDuration(parts[1]));
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        env.problem(name, "is '" + text + "'; expected " + SYNTAX);
        return null;
    }

    /** The Bucket4j configuration of one client's bucket. */
    BucketConfiguration bucket() {
        return BucketConfiguration.builder()
                                  .addLimit(Bandwidth.builder().capacity(count).refillGreedy(count, period).build())
                                  .build();
    }

    /** The limit as people read it: {@code 20 per 3600 s}. */
    public String describe() {
        return count + " per " + period.toSeconds() + " s";
    }

    @Override
    public String toString() {
        return count + "/" + period;
    }
}
