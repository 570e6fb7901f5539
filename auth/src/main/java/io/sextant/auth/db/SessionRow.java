package io.sextant.auth.db;

import java.time.Instant;
import java.util.UUID;

/** A refresh token joined with its session: what a refresh or logout looks at. */
public record SessionRow(UUID sessionId, UUID accountId, Instant sessionExpiresAt, Instant revokedAt,
                         Instant tokenExpiresAt, Instant usedAt) {}
