package io.sextant.bench;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The bound on requests sent and not yet answered. An open-loop generator that kept sending into a
 * server that stopped answering would hold ever more requests; past the bound a request is not sent
 * but counted as dropped, which the report shows as an error.
 */
final class OutstandingLimit {

    private final int max;
    private final Semaphore permits;

    OutstandingLimit(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("the outstanding bound must be at least 1, not " + max);
        }
        this.max = max;
        this.permits = new Semaphore(max);
    }

    /** Takes a place for one request; false when the bound is reached. */
    boolean tryAcquire() {
        return permits.tryAcquire();
    }

    void release() {
        permits.release();
    }

    int outstanding() {
        return max - permits.availablePermits();
    }

    /** Waits until every request is answered; false if some are still out after the timeout. */
    boolean awaitIdle(Duration timeout) throws InterruptedException {
        if (permits.tryAcquire(max, timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            permits.release(max);
            return true;
        }
        return false;
    }
}
