package io.sextant.platform.testing;

import java.time.Duration;

/**
 * Waits for something that happens asynchronously ("arrives within a second"): re-runs an
 * assertion until it passes or a generous timeout expires, then fails with the last assertion
 * error. Tests never assert how long something took, only that it happens.
 */
public final class Poll {

    /** Long enough that a slow CI machine never fails a correct test. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private static final long INTERVAL_MILLIS = 50;

    /** An assertion that may throw anything. */
    @FunctionalInterface
    public interface Check {
        void run() throws Exception;
    }

    private Poll() {}

    /** Re-runs {@code check} until it passes, for up to {@link #DEFAULT_TIMEOUT}. */
    public static void until(Check check) {
        until(DEFAULT_TIMEOUT, check);
    }

    /** Re-runs {@code check} until it passes, for up to {@code timeout}. */
    public static void until(Duration timeout, Check check) {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                check.run();
                return;
            } catch (AssertionError | Exception e) {
                if (System.nanoTime() - deadline >= 0) {
                    final AssertionError failure = new AssertionError(
                            "still failing after " + timeout.toMillis() + " ms: " + e.getMessage(), e);
                    throw failure;
                }
            }
            try {
                Thread.sleep(INTERVAL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting", e);
            }
        }
    }
}
