package io.sextant.notification.engine;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link DeliveryEngine} works.
 *
 * @param workers      deliveries at once (the bounded worker pool)
 * @param pollInterval how often it looks for due notifications when nothing woke it
 * @param lease        how long a claimed notification is this engine's; after that another may take it over
 * @param maxAttempts  attempts before a retryable failure becomes FAILED
 * @param retryInitial the backoff before the second attempt; it doubles with each attempt
 * @param retryMax     the longest backoff
 */
public record EngineSettings(int workers, Duration pollInterval, Duration lease, int maxAttempts, Duration retryInitial,
                             Duration retryMax) {

    public EngineSettings {
        Objects.requireNonNull(pollInterval, "pollInterval");
        Objects.requireNonNull(lease, "lease");
        Objects.requireNonNull(retryInitial, "retryInitial");
        Objects.requireNonNull(retryMax, "retryMax");
        if (workers < 1 || maxAttempts < 1) {
            throw new IllegalArgumentException("workers and maxAttempts must be at least 1");
        }
    }
}
