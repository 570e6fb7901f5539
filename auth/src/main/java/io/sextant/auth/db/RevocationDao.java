package io.sextant.auth.db;

import java.time.Instant;
import java.util.List;

import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** Revocations in force; every auth replica polls them in order of id and streams them out. */
@RegisterConstructorMapper(RevocationRow.class)
public interface RevocationDao {

    @SqlUpdate("INSERT INTO revocations (kind, target, revoked_at, expires_at) VALUES (:kind, :target, :now, :expiresAt)")
    void insert(@Bind("kind") String kind, @Bind("target") String target, @Bind("now") Instant now,
                @Bind("expiresAt") Instant expiresAt);

    @SqlQuery("SELECT id, kind, target, revoked_at, expires_at FROM revocations"
              + " WHERE id > :after AND expires_at > now() ORDER BY id LIMIT :limit")
    List<RevocationRow> after(@Bind("after") long after, @Bind("limit") int limit);

    /**
     * Revocations of the last minute with ids up to {@code upTo}: a transaction that took its id
     * before another but committed after it is found here by the next poll.
     */
    @SqlQuery("SELECT id, kind, target, revoked_at, expires_at FROM revocations"
              + " WHERE id <= :upTo AND revoked_at > now() - interval '1 minute' AND expires_at > now()"
              + " ORDER BY id LIMIT 10000")
    List<RevocationRow> recentUpTo(@Bind("upTo") long upTo);

    @SqlUpdate("DELETE FROM revocations WHERE expires_at < now() - interval '1 hour'")
    int purgeExpired();
}
