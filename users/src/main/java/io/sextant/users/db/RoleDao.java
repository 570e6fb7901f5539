package io.sextant.users.db;

import java.util.List;
import java.util.Optional;

import org.jdbi.v3.sqlobject.config.RegisterRowMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** Roles and the permissions they grant. */
@RegisterRowMapper(RoleRow.Mapper.class)
public interface RoleDao {

    @SqlQuery("SELECT " + RoleRow.COLUMNS + " FROM roles WHERE id = :id")
    Optional<RoleRow> find(@Bind("id") String id);

    /** A page of roles ordered by id, after {@code afterId} ("" for the first page). */
    @SqlQuery("SELECT " + RoleRow.COLUMNS + " FROM roles WHERE id > :afterId ORDER BY id LIMIT :limit")
    List<RoleRow> page(@Bind("afterId") String afterId, @Bind("limit") int limit);

    /** Inserts unless the id is taken; returns whether it inserted. */
    @SqlUpdate("INSERT INTO roles (id, description, permissions) VALUES (:id, :description, :permissions)"
               + " ON CONFLICT (id) DO NOTHING")
    boolean insertIfAbsent(@Bind("id") String id, @Bind("description") String description,
                           @Bind("permissions") String[] permissions);

    @SqlUpdate("UPDATE roles SET description = :description, permissions = :permissions, update_time = now()"
               + " WHERE id = :id")
    boolean update(@Bind("id") String id, @Bind("description") String description,
                   @Bind("permissions") String[] permissions);

    @SqlUpdate("DELETE FROM roles WHERE id = :id")
    boolean delete(@Bind("id") String id);

    /** The union of the permissions of the roles, without duplicates, ordered. */
    @SqlQuery("SELECT DISTINCT perm FROM roles r, unnest(r.permissions) AS perm WHERE r.id = ANY(:roleIds)"
              + " ORDER BY perm")
    List<String> permissionsOf(@Bind("roleIds") String[] roleIds);
}
