package io.sextant.auth.db;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A row of {@code api_keys} (without the hash). */
public record ApiKeyRow(UUID id, UUID ownerId, String displayName, List<String> scopes, String keyPrefix,
                        Instant createdAt, Instant lastUsedAt, Instant revokedAt) {}
