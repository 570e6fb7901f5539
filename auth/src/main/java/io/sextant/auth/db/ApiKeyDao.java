package io.sextant.auth.db;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** API keys; only a SHA-256 hash of each secret is stored. */
@RegisterConstructorMapper(ApiKeyRow.class)
public interface ApiKeyDao {

    String COLUMNS = "id, owner_id, display_name, scopes, key_prefix, created_at, last_used_at, revoked_at";

    @SqlUpdate("INSERT INTO api_keys (id, owner_id, display_name, scopes, key_hash, key_prefix, created_at)"
               + " VALUES (:id, :ownerId, :displayName, :scopes, :hash, :prefix, :now)")
    void insert(@Bind("id") UUID id, @Bind("ownerId") UUID ownerId, @Bind("displayName") String displayName,
                @Bind("scopes") String[] scopes, @Bind("hash") byte[] hash, @Bind("prefix") String prefix,
                @Bind("now") Instant now);

    @SqlQuery("SELECT count(*) FROM api_keys WHERE owner_id = :ownerId AND revoked_at IS NULL")
    int countActive(@Bind("ownerId") UUID ownerId);

    @SqlQuery("SELECT " + COLUMNS + " FROM api_keys WHERE key_hash = :hash AND revoked_at IS NULL")
    Optional<ApiKeyRow> findActiveByHash(@Bind("hash") byte[] hash);

    @SqlQuery("SELECT " + COLUMNS + " FROM api_keys WHERE id = :id AND revoked_at IS NULL")
    Optional<ApiKeyRow> findActive(@Bind("id") UUID id);

    /** A page of an owner's active keys, newest first, after the keyset (createdAt, id) of the last one seen. */
    @SqlQuery("SELECT " + COLUMNS + " FROM api_keys WHERE owner_id = :ownerId AND revoked_at IS NULL"
              + " AND (CAST(:afterTime AS timestamptz) IS NULL OR (created_at, id) < (:afterTime, :afterId))"
              + " ORDER BY created_at DESC, id DESC LIMIT :limit")
    List<ApiKeyRow> page(@Bind("ownerId") UUID ownerId, @Bind("afterTime") Instant afterTime,
                         @Bind("afterId") UUID afterId, @Bind("limit") int limit);

    @SqlUpdate("UPDATE api_keys SET revoked_at = :now WHERE id = :id AND revoked_at IS NULL")
    boolean revoke(@Bind("id") UUID id, @Bind("now") Instant now);

    /** The ids of an owner's active keys (at most {@code ApiKeys}' per-owner limit). */
    @SqlQuery("SELECT id FROM api_keys WHERE owner_id = :ownerId AND revoked_at IS NULL")
    List<UUID> activeIdsOf(@Bind("ownerId") UUID ownerId);

    @SqlUpdate("UPDATE api_keys SET last_used_at = :now WHERE id = :id")
    void touch(@Bind("id") UUID id, @Bind("now") Instant now);

    /** Revokes every active API key of an owner; returns their ids. */
    @SqlQuery("UPDATE api_keys SET revoked_at = :now WHERE owner_id = :ownerId AND revoked_at IS NULL RETURNING id")
    java.util.List<UUID> revokeAllOf(@Bind("ownerId") UUID ownerId, @Bind("now") Instant now);
}
