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

    /** Opens a session with its first refresh token: one statement, so one round trip and no transaction to hold. */
    @SqlUpdate("WITH s AS (INSERT INTO sessions (id, account_id, expires_at, client_address)"
               + "           VALUES (:id, :accountId, :expiresAt, :clientAddress) RETURNING id)"
               + " INSERT INTO refresh_tokens (token_hash, session_id, expires_at) SELECT :hash, id, :tokenExpiresAt FROM s")
    void open(@Bind("id") UUID id, @Bind("accountId") UUID accountId, @Bind("expiresAt") Instant expiresAt,
              @Bind("clientAddress") String clientAddress, @Bind("hash") byte[] refreshTokenHash,
              @Bind("tokenExpiresAt") Instant tokenExpiresAt);

    /** The token and its session, locked until the transaction ends so that two refreshes serialize. */
    @SqlQuery("SELECT s.id AS session_id, s.account_id, s.expires_at AS session_expires_at, s.revoked_at,"
              + " t.expires_at AS token_expires_at, t.used_at"
              + " FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id"
              + " WHERE t.token_hash = :hash FOR UPDATE OF t, s")
    Optional<SessionRow> lockByRefreshToken(@Bind("hash") byte[] hash);

    /**
     * A refresh in one statement (one round trip, autocommit): locks the presented token and its
     * session as {@link #lockByRefreshToken} does, and if the token is unused, unexpired, its
     * session live and its account enabled, marks it used and inserts the next one ({@code next},
     * expiring at {@code nextExpiresAt} or with the session, whichever is first). Answers what it
     * found, with the account's username and whether it rotated; empty for an unknown token.
     * Two refreshes with one token serialize on the lock, and the second finds it used.
     */
    @SqlQuery("WITH cur AS ("
              + "   SELECT t.token_hash, s.id AS session_id, s.account_id, s.expires_at AS session_expires_at,"
              + "          s.revoked_at, t.expires_at AS token_expires_at, t.used_at, a.username, a.disabled"
              + "   FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id JOIN accounts a ON a.id = s.account_id"
              + "   WHERE t.token_hash = :hash FOR UPDATE OF t, s),"
              + " used AS ("
              + "   UPDATE refresh_tokens t SET used_at = :now FROM cur"
              + "   WHERE t.token_hash = cur.token_hash AND cur.used_at IS NULL AND cur.revoked_at IS NULL"
              + "     AND NOT cur.disabled AND cur.session_expires_at > :now AND cur.token_expires_at > :now"
              + "   RETURNING cur.session_id, cur.session_expires_at),"
              + " next AS ("
              + "   INSERT INTO refresh_tokens (token_hash, session_id, expires_at)"
              + "   SELECT :next, session_id, least(CAST(:nextExpiresAt AS timestamptz), session_expires_at) FROM used"
              + "   RETURNING session_id)"
              + " SELECT cur.session_id, cur.account_id, cur.username, cur.disabled, cur.revoked_at, cur.used_at,"
              + "        EXISTS (SELECT 1 FROM next) AS rotated"
              + " FROM cur")
    @RegisterConstructorMapper(RotationRow.class)
    Optional<RotationRow> rotate(@Bind("hash") byte[] hash, @Bind("next") byte[] next, @Bind("now") Instant now,
                                 @Bind("nextExpiresAt") Instant nextExpiresAt);

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
