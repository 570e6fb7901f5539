package io.sextant.users.db;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.jdbi.v3.sqlobject.config.RegisterRowMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** Profiles and the roles their users hold. */
@RegisterRowMapper(ProfileRow.Mapper.class)
public interface ProfileDao {

    @SqlQuery("SELECT " + ProfileRow.COLUMNS + " FROM profiles p WHERE p.id = :id")
    Optional<ProfileRow> find(@Bind("id") UUID id);

    /** Inserts a bare profile unless one exists for the id; returns whether it inserted. */
    @SqlUpdate("INSERT INTO profiles (id, username, email) VALUES (:id, :username, :email)"
               + " ON CONFLICT (id) DO NOTHING")
    boolean insertIfAbsent(@Bind("id") UUID id, @Bind("username") String username, @Bind("email") String email);

    /**
     * Inserts a profile with its fields, or, if one exists for the id already (provisioned from auth's
     * outbox first), sets the fields on it.
     */
    @SqlUpdate("INSERT INTO profiles (id, username, email, first_name, last_name, display_name, phone, avatar_file,"
               + " locale, time_zone, metadata, active)"
               + " VALUES (:id, :username, :email, :f.firstName, :f.lastName, :f.displayName, :f.phone, :f.avatarFile,"
               + " :f.locale, :f.timeZone, CAST(:f.metadata AS jsonb), :f.active)"
               + " ON CONFLICT (id) DO UPDATE SET first_name = excluded.first_name, last_name = excluded.last_name,"
               + " display_name = excluded.display_name, phone = excluded.phone, avatar_file = excluded.avatar_file,"
               + " locale = excluded.locale, time_zone = excluded.time_zone, metadata = excluded.metadata,"
               + " active = excluded.active, update_time = now()")
    void upsert(@Bind("id") UUID id, @Bind("username") String username, @Bind("email") String email,
                @BindMethods("f") ProfileFields fields);

    @SqlUpdate("UPDATE profiles SET first_name = :f.firstName, last_name = :f.lastName, display_name = :f.displayName,"
               + " phone = :f.phone, avatar_file = :f.avatarFile, locale = :f.locale, time_zone = :f.timeZone,"
               + " metadata = CAST(:f.metadata AS jsonb), active = :f.active, update_time = now() WHERE id = :id")
    boolean update(@Bind("id") UUID id, @BindMethods("f") ProfileFields fields);

    @SqlUpdate("DELETE FROM profiles WHERE id = :id")
    boolean delete(@Bind("id") UUID id);

    /**
     * The first step of a deletion: a tombstone (so that no late ProvisionUser brings the profile
     * back), the user inactive and without roles (so that the user counts for nothing while auth
     * disables the account).
     */
    @SqlUpdate("WITH tombstone AS (INSERT INTO deleted_users (id) VALUES (:id) ON CONFLICT (id) DO NOTHING),"
               + " revoked AS (DELETE FROM user_roles WHERE user_id = :id)"
               + " UPDATE profiles SET active = false, update_time = now() WHERE id = :id")
    void retire(@Bind("id") UUID id);

    /** Whether the id belongs to a deleted user. */
    @SqlQuery("SELECT EXISTS (SELECT 1 FROM deleted_users WHERE id = :id)")
    boolean isDeleted(@Bind("id") UUID id);

    @SqlUpdate("UPDATE profiles SET update_time = now() WHERE id = :id")
    void touch(@Bind("id") UUID id);

    /** Locks the profile row for the rest of the transaction; whether it exists. */
    @SqlQuery("SELECT true FROM profiles WHERE id = :id FOR UPDATE")
    Optional<Boolean> lock(@Bind("id") UUID id);

    /** Grants the existing roles among {@code roleIds}; returns how many grants were new. */
    @SqlUpdate("INSERT INTO user_roles (user_id, role_id) SELECT :id, r.id FROM roles r WHERE r.id = ANY(:roleIds)"
               + " ON CONFLICT DO NOTHING")
    int grant(@Bind("id") UUID id, @Bind("roleIds") String[] roleIds);

    @SqlUpdate("DELETE FROM user_roles WHERE user_id = :id AND role_id = :roleId")
    boolean revoke(@Bind("id") UUID id, @Bind("roleId") String roleId);

    /** The ids of the users holding the role, locked for the rest of the transaction. */
    @SqlQuery("SELECT user_id FROM user_roles WHERE role_id = :roleId ORDER BY user_id FOR UPDATE")
    List<UUID> lockHolders(@Bind("roleId") String roleId);

    /**
     * Takes the role's row lock (NO KEY UPDATE: grants of the role, which only key-share it, go on)
     * until the transaction ends, so that the changes to the role's holders that check it take turns.
     */
    @SqlQuery("SELECT true FROM roles WHERE id = :roleId FOR NO KEY UPDATE")
    Optional<Boolean> lockRole(@Bind("roleId") String roleId);

    /** The ids of the active users holding the role. */
    @SqlQuery("SELECT ur.user_id FROM user_roles ur JOIN profiles p ON p.id = ur.user_id"
              + " WHERE ur.role_id = :roleId AND p.active ORDER BY ur.user_id")
    List<UUID> activeHolders(@Bind("roleId") String roleId);
}
