package io.sextant.auth.db;

import java.time.Instant;
import java.util.UUID;

/**
 * What a refresh found ({@link SessionDao#rotate}): the session and account of the presented token,
 * whether it was revoked or already used, and whether the token was rotated.
 */
public record RotationRow(UUID sessionId, UUID accountId, String username, boolean disabled, Instant revokedAt,
                          Instant usedAt, boolean rotated) {}
