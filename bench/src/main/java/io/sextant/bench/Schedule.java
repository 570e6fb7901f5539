package io.sextant.bench;

import java.time.Duration;

/**
 * The intended send times of an open-loop run: a fixed rate, a warm-up whose requests are sent but
 * not recorded, then the measured part. The times are fixed before the run starts and do not move
 * when responses are slow; that is what keeps coordinated omission out of the figures.
 */
record Schedule(double ratePerSecond, Duration warmup, Duration duration) {

    private static final double NANOS_PER_SECOND = 1e9;

    Schedule {
        if (!(ratePerSecond > 0) || Double.isInfinite(ratePerSecond)) {
            throw new IllegalArgumentException("the rate must be a positive number of requests per second, not "
                                               + ratePerSecond);
        }
        if (warmup.isNegative()) {
            throw new IllegalArgumentException("the warm-up cannot be negative: " + warmup);
        }
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("the duration must be positive: " + duration);
        }
    }

    /** How many requests the whole run sends (warm-up included). */
    long total() {
        return count(warmup.plus(duration).toNanos());
    }

    /** How many of them fall in the measured part. */
    long measured() {
        return total() - count(warmup.toNanos());
    }

    /** The i-th intended send time, in nanoseconds after the start; computed, never accumulated, so no drift. */
    long offsetNanos(long index) {
        return Math.round(index * NANOS_PER_SECOND / ratePerSecond);
    }

    /** Whether the i-th request is measured, that is, intended after the warm-up. */
    boolean isMeasured(long index) {
        return offsetNanos(index) >= warmup.toNanos();
    }

    /** The number of intended times in [0, nanos). */
    private long count(long nanos) {
        // the smallest i whose offset reaches nanos; the loop corrects the rounding of the estimate
        long index = (long) Math.ceil(nanos * ratePerSecond / NANOS_PER_SECOND);
        while (index > 0 && offsetNanos(index - 1) >= nanos) {
            index--;
        }
        while (offsetNanos(index) < nanos) {
            index++;
        }
        return index;
    }
}
