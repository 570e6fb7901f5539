package io.sextant.notification.db;

import java.time.Instant;
import java.util.UUID;

/**
 * A row of {@code delivery_attempts}.
 *
 * @param outcome  {@code SENT}, {@code RETRYABLE} or {@code PERMANENT}
 * @param instance the delivery engine instance that made the attempt
 */
public record AttemptRow(UUID notificationId, int attempt, Instant attemptTime, String provider, String outcome,
                         String detail, String instance) {}
