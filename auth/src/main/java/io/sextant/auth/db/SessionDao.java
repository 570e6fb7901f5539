package io.sextant.auth.db;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** Sessions and their refresh tokens (only SHA-256 hashes of the tokens are stored). */
@RegisterConstructorMapper(SessionRow.class)
public interface SessionDao {

    @SqlUpdate("INSERT INTO sessions (id, account_id, expires_at, client_address)"
               + " VALUES (:id, :accountId, :expiresAt, :clientAddress)")
    void insertSession(@Bind("id") UUID id, @Bind("accountId") UUID accountId, @Bind("expiresAt") Instant expiresAt,
                       @Bind("clientAddress") String clientAddress);

    @SqlUpdate("INSERT INTO refresh_tokens (token_hash, session_id, expires_at) VALUES (:hash, :sessionId, :expiresAt)")
    void insertRefreshToken(@Bind("hash") byte[] hash, @Bind("sessionId") UUID sessionId,
                            @Bind("expiresAt") Instant expiresAt);

    /** The token and its session, locked until the transaction ends so that two refreshes serialize. */
    @SqlQuery("SELECT s.id AS session_id, s.account_id, s.expires_at AS session_expires_at, s.revoked_at,"
              + " t.expires_at AS token_expires_at, t.used_at"
              + " FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id"
              + " WHERE t.token_hash = :hash FOR UPDATE OF t, s")
    Optional<SessionRow> lockByRefreshToken(@Bind("hash") byte[] hash);

    @SqlUpdate("UPDATE refresh_tokens SET used_at = :now WHERE token_hash = :hash")
    void markUsed(@Bind("hash") byte[] hash, @Bind("now") Instant now);

    /** Revokes a session unless already revoked; returns whether it was revoked now. */
    @SqlUpdate("UPDATE sessions SET revoked_at = :now, revoke_reason = :reason WHERE id = :id AND revoked_at IS NULL")
    boolean revoke(@Bind("id") UUID id, @Bind("reason") String reason, @Bind("now") Instant now);

    /** Revokes every live session of an account except one; returns the ids revoked. */
    @SqlQuery("UPDATE sessions SET revoked_at = :now, revoke_reason = :reason"
              + " WHERE account_id = :accountId AND revoked_at IS NULL AND id <> :keep RETURNING id")
    List<UUID> revokeAllExcept(@Bind("accountId") UUID accountId, @Bind("keep") UUID keep,
                               @Bind("reason") String reason, @Bind("now") Instant now);

    /** Deletes refresh tokens of sessions that ended long enough ago to be of no further use. */
    @SqlUpdate("DELETE FROM sessions WHERE expires_at < :before OR revoked_at < :before")
    int purge(@Bind("before") Instant before);
}
