package io.sextant.storage;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

import io.sextant.platform.error.Errors;
import io.sextant.platform.resource.FilterField;
import io.sextant.platform.resource.FilterFields;
import io.sextant.platform.resource.KeysetPages;
import io.sextant.platform.resource.Page;
import io.sextant.platform.resource.PageSizes;
import io.sextant.platform.resource.SortKey;
import io.sextant.platform.resource.SortKeys;
import io.sextant.platform.resource.SqlFilter;
import io.sextant.storage.db.FileRow;
import io.sextant.storage.db.FolderRow;

/**
 * Folders: one owner's tree, at most {@link Access#MAX_DEPTH} deep, display names unique per parent
 * (case-insensitively). Changes to an owner's tree are serialized by a transaction-scoped advisory lock
 * on the owner, so two concurrent moves cannot make a cycle together.
 */
public final class Folders {

    static final PageSizes SIZES = new PageSizes(100, 1000);

    /** ListFolders' filter: {@code parent = "folders/<id>"} or {@code parent = ""}. */
    static final FilterFields FILTER = FilterFields.of(
            FilterField.string("parent", "d.parent_id").withNormalize(Folders::parentId).withCondition(
                    (op, value) -> "d.parent_id IS NOT DISTINCT FROM CAST(NULLIF(" + value + ", '') AS uuid)"))
            .withExpected("expected parent = \"folders/<id>\" or parent = \"\"");

    /** By display name case-insensitively, then id (the only order). */
    static final SortKeys<FolderRow> ORDER = SortKeys.builder("d.id", SortKey.Type.UUID, FolderRow::id)
            .string("display_name", "lower(d.display_name)", FolderRow::sortName)
            .defaultOrder("display_name")
            .build();

    private final Jdbi jdbi;
    private final FileCatalog catalog;
    private final Quotas quotas;

    Folders(Jdbi jdbi, FileCatalog catalog, Quotas quotas) {
        this.jdbi = jdbi;
        this.catalog = catalog;
        this.quotas = quotas;
    }

    static Optional<FolderRow> find(Handle handle, UUID id) {
        return handle.createQuery("SELECT " + FolderRow.COLUMNS + " FROM folders d WHERE d.id = :id")
                     .bind("id", id).map(new FolderRow.Mapper()).findOne();
    }

    private static FolderRow load(Handle handle, Caller caller, UUID id, int needed, String what) {
        final FolderRow folder = find(handle, id).orElseThrow(() -> Access.notFound("folders", "folders/" + id));
        return Access.require(handle, caller, folder, needed, what);
    }

    FolderRow create(Caller caller, String displayName, String parentName) {
        final UUID parent = StorageProtos.folderOrNull("folder.parent", parentName);
        return jdbi.inTransaction(handle -> {
            lockTree(handle, caller.name());
            if (parent != null) {
                ownParent(handle, caller, parent, "folder.parent");
                if (depth(handle, parent) + 1 > Access.MAX_DEPTH) {
                    throw Errors.invalidField("folder.parent", "folders nest at most " + Access.MAX_DEPTH + " deep");
                }
            }
            final UUID id = UUID.randomUUID();
            unique(() -> handle.createUpdate("INSERT INTO folders (id, owner, parent_id, display_name)"
                                             + " VALUES (:id, :owner, CAST(:parent AS uuid), :name)")
                               .bind("id", id).bind("owner", caller.name()).bind("parent", parent)
                               .bind("name", displayName).execute(), displayName);
            return find(handle, id).orElseThrow();
        });
    }

    FolderRow get(Caller caller, UUID id) {
        return jdbi.withHandle(handle -> load(handle, caller, id, Access.READ, "read"));
    }

    Page<FolderRow> list(Caller caller, String filter, int pageSize, String pageToken) {
        final SqlFilter parsed = FILTER.parse(filter);
        final Map<String, Object> parameters = new java.util.HashMap<>(parsed.parameters());
        parameters.put("owner", caller.name());
        final SqlFilter where = new SqlFilter("d.owner = :owner AND (" + parsed.sql() + ")", parameters, parsed.text());
        return jdbi.withHandle(handle -> KeysetPages.list(handle, "SELECT " + FolderRow.COLUMNS + " FROM folders d",
                                                          "folders", where, ORDER.parse(""), SIZES.of(pageSize),
                                                          pageToken, new FolderRow.Mapper()));
    }

    /** Renames ({@code displayName} not null) and/or moves ({@code moveTo}: a name or "" for the top level). */
    FolderRow update(Caller caller, UUID id, String displayName, String moveTo) {
        return jdbi.inTransaction(handle -> {
            final FolderRow folder = load(handle, caller, id, Access.MANAGE, "change");
            lockTree(handle, folder.owner());
            if (moveTo != null) {
                final UUID parent = StorageProtos.folderOrNull("folder.parent", moveTo);
                if (parent != null) {
                    final FolderRow target = ownParent(handle, caller, parent, "folder.parent");
                    if (!target.owner().equals(folder.owner())) {
                        throw Errors.invalidField("folder.parent", "must be a folder of the same owner");
                    }
                    if (inSubtree(handle, id, parent)) {
                        throw Errors.invalidField("folder.parent", "cannot move a folder into itself or one of its"
                                                                   + " subfolders");
                    }
                    if (depth(handle, parent) + height(handle, id) > Access.MAX_DEPTH) {
                        throw Errors.invalidField("folder.parent", "folders nest at most " + Access.MAX_DEPTH + " deep");
                    }
                }
                handle.createUpdate("UPDATE folders SET parent_id = CAST(:parent AS uuid), update_time = now()"
                                    + " WHERE id = :id").bind("parent", parent).bind("id", id).execute();
            }
            if (displayName != null) {
                unique(() -> handle.createUpdate("UPDATE folders SET display_name = :name, update_time = now()"
                                                 + " WHERE id = :id").bind("name", displayName).bind("id", id).execute(),
                       displayName);
            }
            return find(handle, id).orElseThrow();
        });
    }

    /** Deletes a folder; one that is not empty only with {@code force}, with everything in it (bytes after commit). */
    void delete(Caller caller, UUID id, boolean force) {
        final List<String> keys = jdbi.inTransaction(handle -> {
            final FolderRow folder = load(handle, caller, id, Access.MANAGE, "delete");
            lockTree(handle, folder.owner());
            final List<UUID> tree = handle.createQuery(
                            "WITH RECURSIVE sub(id) AS (SELECT CAST(:id AS uuid) UNION SELECT c.id FROM folders c"
                            + " JOIN sub s ON c.parent_id = s.id) SELECT id FROM sub")
                    .bind("id", id).mapTo(UUID.class).list();
            final List<FileRow> files = handle.createQuery("SELECT " + FileRow.COLUMNS + " FROM files f"
                                                           + " WHERE f.folder_id = ANY(:tree) FOR UPDATE OF f")
                                              .bindArray("tree", UUID.class, tree.toArray(new UUID[0]))
                                              .map(new FileRow.Mapper()).list();
            if (!force && (tree.size() > 1 || !files.isEmpty())) {
                throw Errors.failedPrecondition("FOLDER_NOT_EMPTY", "folders/" + id + " holds " + files.size()
                                                                    + " file(s) and " + (tree.size() - 1)
                                                                    + " folder(s): delete them first, or set force");
            }
            final List<String> removed = FileCatalog.deleteRows(handle, quotas, files);
            // the deepest first, so no folder is deleted before the folders in it
            handle.createUpdate("WITH RECURSIVE sub(id, depth) AS (SELECT CAST(:id AS uuid), 0 UNION ALL"
                                + " SELECT c.id, s.depth + 1 FROM folders c JOIN sub s ON c.parent_id = s.id)"
                                + " DELETE FROM folders WHERE id IN (SELECT id FROM sub)")
                  .bind("id", id).execute();
            return removed;
        });
        catalog.deleteBytes(keys);
    }

    /** A parent the caller may put things in: its own folder (or any with files.write). */
    private static FolderRow ownParent(Handle handle, Caller caller, UUID parent, String field) {
        final FolderRow folder = find(handle, parent).orElse(null);
        if (folder == null || !folder.owner().equals(caller.name()) && !caller.writesAll()) {
            throw Errors.invalidField(field, "is not a folder of yours: folders/" + parent);
        }
        return folder;
    }

    /** How deep a folder is: 1 at the top level. */
    static int depth(Handle handle, UUID id) {
        return handle.createQuery("WITH RECURSIVE up(id, depth) AS (SELECT CAST(:id AS uuid), 1 UNION ALL"
                                  + " SELECT d.parent_id, u.depth + 1 FROM folders d JOIN up u ON d.id = u.id"
                                  + " WHERE d.parent_id IS NOT NULL AND u.depth <= 64) SELECT max(depth) FROM up")
                     .bind("id", id).mapTo(Integer.class).one();
    }

    /** How many levels a folder and what is inside it take: 1 for a folder without subfolders. */
    private static int height(Handle handle, UUID id) {
        return handle.createQuery("WITH RECURSIVE down(id, depth) AS (SELECT CAST(:id AS uuid), 1 UNION ALL"
                                  + " SELECT c.id, s.depth + 1 FROM folders c JOIN down s ON c.parent_id = s.id"
                                  + " WHERE s.depth <= 64) SELECT max(depth) FROM down")
                     .bind("id", id).mapTo(Integer.class).one();
    }

    /** Whether {@code candidate} is {@code root} or inside it. */
    private static boolean inSubtree(Handle handle, UUID root, UUID candidate) {
        return handle.createQuery("WITH RECURSIVE up(id, depth) AS (SELECT CAST(:candidate AS uuid), 0 UNION ALL"
                                  + " SELECT d.parent_id, u.depth + 1 FROM folders d JOIN up u ON d.id = u.id"
                                  + " WHERE d.parent_id IS NOT NULL AND u.depth <= 64)"
                                  + " SELECT EXISTS (SELECT 1 FROM up WHERE id = :root)")
                     .bind("candidate", candidate).bind("root", root).mapTo(Boolean.class).one();
    }

    private static void lockTree(Handle handle, String owner) {
        handle.createQuery("SELECT 1 FROM pg_advisory_xact_lock(hashtext('storage-folders:' || :owner))")
              .bind("owner", owner).mapTo(Integer.class).one();
    }

    private static void unique(Runnable write, String displayName) {
        try {
            write.run();
        } catch (UnableToExecuteStatementException e) {
            if (e.getCause() instanceof java.sql.SQLException sql && "23505".equals(sql.getSQLState())) {
                throw Errors.alreadyExists("FOLDER_EXISTS", "the parent already holds a folder named '" + displayName
                                                            + "' (names are compared case-insensitively)");
            }
            throw e;
        }
    }

    private static String parentId(String name) {
        if (name.isEmpty()) {
            return "";
        }
        try {
            if (name.startsWith("folders/")) {
                return UUID.fromString(name.substring("folders/".length())).toString();
            }
        } catch (IllegalArgumentException e) {
            // below
        }
        throw Errors.invalidField("filter", "parent takes \"folders/<id>\" or \"\", not \"" + name + "\"");
    }

}
