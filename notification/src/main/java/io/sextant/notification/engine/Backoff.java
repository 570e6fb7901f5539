package io.sextant.notification.engine;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The wait before the next attempt: exponential (initial × 2^(attempts − 1), at most max) with
 * "equal jitter" (half of it fixed, half random), so that notifications that failed together do
 * not all come back together; never shorter than the provider's own Retry-After.
 */
final class Backoff {

    private final Duration initial;
    private final Duration max;

    Backoff(Duration initial, Duration max) {
        this.initial = initial;
        this.max = max;
    }

    /**
     * @param attempts   the attempts made so far (at least 1)
     * @param retryAfter the provider's hint, or null
     */
    Duration next(int attempts, Duration retryAfter) {
        final int doublings = Math.min(Math.max(attempts - 1, 0), 30);
        final long ceiling = Math.min(max.toMillis(), initial.toMillis() << doublings);
        final long half = ceiling / 2;
        final long delay = half + ThreadLocalRandom.current().nextLong(ceiling - half + 1);
        final long hinted = retryAfter == null ? 0 : Math.min(retryAfter.toMillis(), Duration.ofHours(24).toMillis());
        return Duration.ofMillis(Math.max(delay, hinted));
    }
}
