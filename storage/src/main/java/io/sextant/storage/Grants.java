package io.sextant.storage;

import java.time.OffsetDateTime;
import java.util.UUID;

import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;

import io.sextant.platform.error.Errors;
import io.sextant.platform.resource.KeysetPages;
import io.sextant.platform.resource.Page;
import io.sextant.platform.resource.PageSizes;
import io.sextant.platform.resource.SortKey;
import io.sextant.platform.resource.SortKeys;
import io.sextant.platform.resource.SqlFilter;
import io.sextant.storage.db.FileRow;
import io.sextant.storage.db.FolderRow;
import io.sextant.storage.db.GrantRow;

/**
 * Per-user grants on files ({@code file_grants}) and folders ({@code folder_grants}): listed, granted
 * (replacing the user's previous grant) and revoked by the owner or {@code files.write}.
 */
public final class Grants {

    static final PageSizes SIZES = new PageSizes(50, 100);
    private static final SortKeys<GrantRow> ORDER = SortKeys.builder("g.user_name", SortKey.Type.STRING, GrantRow::userName)
            .string("user", "g.user_name", GrantRow::userName)
            .defaultOrder("user")
            .build();
    private static final RowMapper<GrantRow> MAPPER = (rs, ctx) -> new GrantRow(
            rs.getString("user_name"), rs.getInt("access_level"), rs.getString("granter"),
            rs.getObject("grant_time", OffsetDateTime.class).toInstant());

    /** The two kinds of grants: the table, its key column and the resource. */
    enum On {
        FILE("file_grants", "file_id"), FOLDER("folder_grants", "folder_id");

        private final String table;
        private final String column;

        On(String table, String column) {
            this.table = table;
            this.column = column;
        }
    }

    private final Jdbi jdbi;
    private final UserDirectory users;

    Grants(Jdbi jdbi, UserDirectory users) {
        this.jdbi = jdbi;
        this.users = users;
    }

    Page<GrantRow> list(Caller caller, On on, UUID id, int pageSize, String pageToken) {
        return jdbi.withHandle(handle -> {
            manage(handle, caller, on, id);
            final SqlFilter where = new SqlFilter("g." + on.column + " = :id", java.util.Map.of("id", id), "");
            return KeysetPages.list(handle, "SELECT g.user_name, g.access_level, g.granter, g.grant_time FROM "
                                            + on.table + " g", on.table + "/" + id, where, ORDER.parse(""),
                                    SIZES.of(pageSize), pageToken, MAPPER);
        });
    }

    GrantRow grant(Caller caller, On on, UUID id, String user, int level) {
        // whether the caller may is told before whether the user exists
        final String owner = jdbi.withHandle(handle -> manage(handle, caller, on, id));
        if (owner.equals(user)) {
            throw Errors.invalidField("user", user + " owns it already");
        }
        users.requireExists(user, "user");
        return jdbi.inTransaction(handle -> {
            manage(handle, caller, on, id);
            return handle.createQuery("INSERT INTO " + on.table + " (" + on.column + ", user_name, access_level, granter)"
                                      + " VALUES (:id, :user, :level, :granter) ON CONFLICT (" + on.column + ", user_name)"
                                      + " DO UPDATE SET access_level = excluded.access_level, granter = excluded.granter,"
                                      + " grant_time = now() RETURNING user_name, access_level, granter, grant_time")
                         .bind("id", id).bind("user", user).bind("level", level).bind("granter", caller.name())
                         .map(MAPPER).one();
        });
    }

    void revoke(Caller caller, On on, UUID id, String user) {
        jdbi.useTransaction(handle -> {
            manage(handle, caller, on, id);
            handle.createUpdate("DELETE FROM " + on.table + " WHERE " + on.column + " = :id AND user_name = :user")
                  .bind("id", id).bind("user", user).execute();
        });
    }

    /** Checks that the caller manages the file or folder; returns its owner. */
    private static String manage(Handle handle, Caller caller, On on, UUID id) {
        if (on == On.FILE) {
            final FileRow file = FileCatalog.find(handle, id, false)
                                            .orElseThrow(() -> Access.notFound("files", "files/" + id));
            return Access.require(handle, caller, file, Access.MANAGE, "manage the permissions of").owner();
        }
        final FolderRow folder = Folders.find(handle, id).orElseThrow(() -> Access.notFound("folders", "folders/" + id));
        return Access.require(handle, caller, folder, Access.MANAGE, "manage the permissions of").owner();
    }
}
