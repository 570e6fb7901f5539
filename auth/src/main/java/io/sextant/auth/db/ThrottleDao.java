package io.sextant.auth.db;

import java.time.Instant;
import java.util.Optional;

import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** Failed-login counters, shared by every auth replica through the database. */
public interface ThrottleDao {

    @SqlQuery("SELECT locked_until FROM login_throttle WHERE key = :key AND locked_until > :now")
    Optional<Instant> lockedUntil(@Bind("key") String key, @Bind("now") Instant now);

    /**
     * Counts one failure in the current window (a new window once the old one has passed) and locks
     * the key for {@code lock} once {@code limit} failures are reached. Returns the failures in the window.
     */
    @SqlQuery("INSERT INTO login_throttle AS t (key, failures, window_start) VALUES (:key, 1, :now)"
              + " ON CONFLICT (key) DO UPDATE SET"
              + "   failures = CASE WHEN t.window_start < :windowStart THEN 1 ELSE t.failures + 1 END,"
              + "   window_start = CASE WHEN t.window_start < :windowStart THEN :now ELSE t.window_start END,"
              + "   locked_until = CASE WHEN t.window_start >= :windowStart AND t.failures + 1 >= :limit"
              + "                       THEN :lockUntil ELSE t.locked_until END"
              + " RETURNING failures")
    int fail(@Bind("key") String key, @Bind("now") Instant now, @Bind("windowStart") Instant windowStart,
             @Bind("limit") int limit, @Bind("lockUntil") Instant lockUntil);

    @SqlUpdate("DELETE FROM login_throttle WHERE key = :key")
    void clear(@Bind("key") String key);

    @SqlUpdate("DELETE FROM login_throttle WHERE window_start < :before AND (locked_until IS NULL OR locked_until < :before)")
    int purge(@Bind("before") Instant before);
}
