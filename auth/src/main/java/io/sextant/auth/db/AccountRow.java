package io.sextant.auth.db;

import java.time.Instant;
import java.util.UUID;

/** A row of {@code accounts}. */
public record AccountRow(UUID id, String username, String email, String passwordHash, boolean disabled,
                         Instant createdAt, Instant passwordChangedAt) {}
