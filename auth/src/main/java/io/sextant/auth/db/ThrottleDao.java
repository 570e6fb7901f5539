package io.sextant.auth.db;

import java.time.Instant;

import org.jdbi.v3.sqlobject.SqlObject;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** Failed-login counters, shared by every auth replica through the database. */
public interface ThrottleDao extends SqlObject {

    /** The statement of {@link #attempt}. */
    String ATTEMPT = "INSERT INTO login_throttle AS t (key, failures, window_start, locked_until)"
                     + " VALUES (:key, 1, :now, CASE WHEN 1 > :limit THEN CAST(:lockUntil AS timestamptz) END)"
                     + " ON CONFLICT (key) DO UPDATE SET"
                     + "   failures = CASE WHEN t.window_start < :windowStart THEN 1 ELSE t.failures + 1 END,"
                     + "   window_start = CASE WHEN t.window_start < :windowStart THEN :now ELSE t.window_start END,"
                     + "   locked_until = CASE"
                     + "     WHEN t.locked_until > :now THEN t.locked_until"
                     + "     WHEN (CASE WHEN t.window_start < :windowStart THEN 1 ELSE t.failures + 1 END) > :limit"
                     + "       THEN CAST(:lockUntil AS timestamptz)"
                     + "     ELSE NULL END"
                     + " RETURNING CASE WHEN locked_until > :now THEN greatest(failures, :limit + 1) ELSE failures END";

    /** {@link #attempt} on two keys and the known-address check in one statement: see {@link #attemptOnAccount}. */
    String ATTEMPT_ON_ACCOUNT =
            "WITH here AS (" + attemptWith(":hereKey", ":hereLimit") + " AS n),"
            + " everywhere AS (" + attemptWith(":account", ":totalLimit") + " AS n)"
            + " SELECT (SELECT n FROM here) > :hereLimit"
            + "     OR ((SELECT n FROM everywhere) > :totalLimit"
            + "         AND NOT EXISTS (SELECT 1 FROM login_known_clients"
            + "                         WHERE account_key = :account AND address = :address AND last_seen_at > :since))";

    private static String attemptWith(String key, String limit) {
        return ATTEMPT.replace(":key", key).replace(":limit", limit);
    }

    /**
     * Counts one attempt against the key, before its outcome is known (so that concurrent attempts
     * cannot all slip under the limit): a new window once the old one has passed, and a lock for
     * {@code lock} once more than {@code limit} attempts fall in the window. Returns the attempts
     * counted in the window, this one included, or {@code limit + 1} while a lock holds.
     */
    @SqlQuery(ATTEMPT)
    int attempt(@Bind("key") String key, @Bind("now") Instant now, @Bind("windowStart") Instant windowStart,
                @Bind("limit") int limit, @Bind("lockUntil") Instant lockUntil);

    /**
     * Counts an attempt (as {@link #attempt}) on the account from the client ({@code hereKey}, limit
     * {@code hereLimit}) and on the account from everywhere ({@code account}, limit {@code totalLimit}),
     * in one statement; answers whether the account is locked to the client: over its limit from
     * there, or over its total limit from a client not seen on the account since {@code since}.
     */
    default boolean attemptOnAccount(String hereKey, int hereLimit, String account, int totalLimit, String address,
                                     Instant since, Instant now, Instant windowStart, Instant lockUntil) {
        return getHandle().createQuery(ATTEMPT_ON_ACCOUNT)
                          .bind("hereKey", hereKey).bind("hereLimit", hereLimit)
                          .bind("account", account).bind("totalLimit", totalLimit)
                          .bind("address", address).bind("since", since)
                          .bind("now", now).bind("windowStart", windowStart).bind("lockUntil", lockUntil)
                          .mapTo(Boolean.class).one();
    }

    /** When the key's lock ends, if it is locked. */
    @SqlQuery("SELECT locked_until FROM login_throttle WHERE key = :key AND locked_until > :now")
    java.util.Optional<Instant> lockedUntil(@Bind("key") String key, @Bind("now") Instant now);

    /**
     * A successful login in one statement: forgets the failures on the account from the client
     * ({@code accountClient}), takes back one attempt from the account's and the client's counts, and
     * remembers the client's address for the account.
     */
    @SqlUpdate("WITH cleared AS (DELETE FROM login_throttle WHERE key = :accountClient),"
               + " released AS (UPDATE login_throttle SET failures = greatest(failures - 1, 0)"
               + "              WHERE key IN (:account, :client))"
               + " INSERT INTO login_known_clients (account_key, address, last_seen_at) VALUES (:account, :address, :now)"
               + " ON CONFLICT (account_key, address) DO UPDATE SET last_seen_at = excluded.last_seen_at")
    void succeeded(@Bind("accountClient") String accountClientKey, @Bind("account") String accountKey,
                   @Bind("client") String clientKey, @Bind("address") String address, @Bind("now") Instant now);

    /** Forgets the account's failures after a successful login. */
    @SqlUpdate("DELETE FROM login_throttle WHERE key = :key")
    void clear(@Bind("key") String key);

    /** Takes back one attempt counted against a client that turned out to succeed. */
    @SqlUpdate("UPDATE login_throttle SET failures = greatest(failures - 1, 0) WHERE key = :key")
    void release(@Bind("key") String key);

    @SqlUpdate("DELETE FROM login_throttle WHERE window_start < :before AND (locked_until IS NULL OR locked_until < :before)")
    int purge(@Bind("before") Instant before);

    /** Remembers that the owner of the account was at the address. */
    @SqlUpdate("INSERT INTO login_known_clients (account_key, address, last_seen_at) VALUES (:account, :address, :now)"
               + " ON CONFLICT (account_key, address) DO UPDATE SET last_seen_at = excluded.last_seen_at")
    void remember(@Bind("account") String accountKey, @Bind("address") String address, @Bind("now") Instant now);

    @SqlUpdate("DELETE FROM login_known_clients WHERE last_seen_at < :before")
    int purgeKnown(@Bind("before") Instant before);
}
