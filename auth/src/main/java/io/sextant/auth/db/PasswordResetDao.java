package io.sextant.auth.db;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** Single-use password reset tokens (hashes only). */
public interface PasswordResetDao {

    @SqlUpdate("INSERT INTO password_resets (token_hash, account_id, expires_at) VALUES (:hash, :accountId, :expiresAt)")
    void insert(@Bind("hash") byte[] hash, @Bind("accountId") UUID accountId, @Bind("expiresAt") Instant expiresAt);

    /** Uses a token: returns its account if it was valid, unused and unexpired, and marks it used. */
    @SqlQuery("UPDATE password_resets SET used_at = now()"
              + " WHERE token_hash = :hash AND used_at IS NULL AND expires_at > now() RETURNING account_id")
    Optional<UUID> consume(@Bind("hash") byte[] hash);

    /** Invalidates the other outstanding tokens of an account. */
    @SqlUpdate("UPDATE password_resets SET used_at = now() WHERE account_id = :accountId AND used_at IS NULL")
    void invalidateAll(@Bind("accountId") UUID accountId);
}
