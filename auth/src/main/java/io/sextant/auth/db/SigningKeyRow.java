package io.sextant.auth.db;

import java.time.Instant;

/** A row of {@code signing_keys}; the private key is encrypted. */
public record SigningKeyRow(String kid, byte[] privateKey, byte[] publicKey, Instant createdAt) {}
