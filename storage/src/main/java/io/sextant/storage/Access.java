package io.sextant.storage;

import java.util.UUID;

import org.jdbi.v3.core.Handle;

import io.sextant.platform.error.Errors;
import io.sextant.platform.error.ServiceException;
import io.sextant.storage.db.FileRow;
import io.sextant.storage.db.FolderRow;

/**
 * What a caller may do with a file or a folder: the owner and {@code files.write} everything, a grantee
 * what the strongest grant on the file or on any folder above it allows (READ, WRITE, DELETE),
 * {@code files.read} at least read. A caller who may not read is told NOT_FOUND, so ids cannot be
 * probed; one who may read but not do more, PERMISSION_DENIED.
 */
public final class Access {

    /** Levels, as stored in the grant tables (the contract's AccessLevel numbers), plus the owner's. */
    public static final int NONE = 0;
    public static final int READ = 1;
    public static final int WRITE = 2;
    public static final int DELETE = 3;
    /** The owner or {@code files.write}: also visibility, permissions and share links. */
    public static final int MANAGE = 4;

    /** Folders nest at most this deep; the walk up the tree stops past it. */
    static final int MAX_DEPTH = 32;

    /** The strongest grant to :user on :file (if any) and on :folder and every folder above it. */
    private static final String GRANTED =
            "WITH RECURSIVE above(id, depth) AS ("
            + "  SELECT CAST(:folder AS uuid), 0 WHERE CAST(:folder AS uuid) IS NOT NULL"
            + "  UNION ALL SELECT d.parent_id, a.depth + 1 FROM folders d JOIN above a ON d.id = a.id"
            + "  WHERE d.parent_id IS NOT NULL AND a.depth <= " + (MAX_DEPTH + 1) + ")"
            + " SELECT greatest("
            + "  coalesce((SELECT access_level FROM file_grants WHERE file_id = CAST(:file AS uuid) AND user_name = :user), 0),"
            + "  coalesce((SELECT max(g.access_level) FROM folder_grants g JOIN above a ON g.folder_id = a.id"
            + "            WHERE g.user_name = :user), 0))";

    private Access() {}

    public static int level(Handle handle, Caller caller, FileRow file) {
        if (file.owner().equals(caller.name()) || caller.writesAll()) {
            return MANAGE;
        }
        final int granted = granted(handle, caller, file.id(), file.folderId());
        return caller.readsAll() ? Math.max(READ, granted) : granted;
    }

    public static int level(Handle handle, Caller caller, FolderRow folder) {
        if (folder.owner().equals(caller.name()) || caller.writesAll()) {
            return MANAGE;
        }
        final int granted = granted(handle, caller, null, folder.id());
        return caller.readsAll() ? Math.max(READ, granted) : granted;
    }

    private static int granted(Handle handle, Caller caller, UUID file, UUID folder) {
        return handle.createQuery(GRANTED)
                     .bind("file", file)
                     .bind("folder", folder)
                     .bind("user", caller.name())
                     .mapTo(Integer.class)
                     .one();
    }

    /** The file, if the caller has at least {@code needed}: NOT_FOUND below READ, else PERMISSION_DENIED. */
    public static FileRow require(Handle handle, Caller caller, FileRow file, int needed, String what) {
        check(level(handle, caller, file), needed, "files", "files/" + file.id(), what);
        return file;
    }

    public static FolderRow require(Handle handle, Caller caller, FolderRow folder, int needed, String what) {
        check(level(handle, caller, folder), needed, "folders", "folders/" + folder.id(), what);
        return folder;
    }

    private static void check(int level, int needed, String resource, String name, String what) {
        if (level < READ) {
            throw notFound(resource, name);
        }
        if (level < needed) {
            throw Errors.permissionDenied("PERMISSION_DENIED", "you may not " + what + " " + name + ": "
                                                               + switch (needed) {
                                                                   case WRITE -> "it needs WRITE access";
                                                                   case DELETE -> "it needs DELETE access";
                                                                   default -> "only its owner (or files.write) may";
                                                               });
        }
    }

    /** NOT_FOUND for a file or folder, alike whether it does not exist or may not be read. */
    public static ServiceException notFound(String resource, String name) {
        return Errors.notFound(resource.equals("files") ? "file" : "folder", name);
    }
}
