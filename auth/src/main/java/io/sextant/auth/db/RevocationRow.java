package io.sextant.auth.db;

import java.time.Instant;

/** A row of {@code revocations}: kind is token, session or subject. */
public record RevocationRow(long id, String kind, String target, Instant revokedAt, Instant expiresAt) {}
