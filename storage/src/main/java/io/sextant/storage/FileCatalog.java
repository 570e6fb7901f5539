package io.sextant.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.sextant.platform.error.Errors;
import io.sextant.platform.resource.Page;
import io.sextant.storage.bytes.ByteStore;
import io.sextant.storage.db.FileQueries;
import io.sextant.storage.db.FileRow;
import io.sextant.storage.thumbs.ThumbnailJob;
import io.sextant.storage.db.FolderRow;
import io.sextant.storage.v1.File;

/**
 * The files' metadata: reading, listing, changing and deleting it, with the access rules of
 * {@link Access}. Bytes are removed only after the transaction that removed their row commits, so a
 * failed delete never leaves a row without bytes.
 */
public final class FileCatalog {

    private static final Logger log = LoggerFactory.getLogger(FileCatalog.class);

    private final Jdbi jdbi;
    private final ByteStore bytes;
    private final Quotas quotas;

    FileCatalog(Jdbi jdbi, ByteStore bytes, Quotas quotas) {
        this.jdbi = jdbi;
        this.bytes = bytes;
        this.quotas = quotas;
    }

    static Optional<FileRow> find(Handle handle, UUID id, boolean forUpdate) {
        return handle.createQuery("SELECT " + FileRow.COLUMNS + " FROM files f WHERE f.id = :id"
                                  + (forUpdate ? " FOR UPDATE OF f" : ""))
                     .bind("id", id).map(new FileRow.Mapper()).findOne();
    }

    /** The file, if the caller may read it; NOT_FOUND otherwise. */
    static FileRow readable(Handle handle, Caller caller, UUID id) {
        final FileRow file = find(handle, id, false).orElseThrow(() -> Access.notFound("files", "files/" + id));
        return Access.require(handle, caller, file, Access.READ, "read");
    }

    Optional<FileRow> find(UUID id) {
        return jdbi.withHandle(handle -> find(handle, id, false));
    }

    FileRow get(Caller caller, UUID id) {
        return jdbi.withHandle(handle -> readable(handle, caller, id));
    }

    Page<FileRow> list(Caller caller, String filter, String orderBy, int pageSize, String pageToken) {
        return jdbi.withHandle(handle -> FileQueries.list(handle, caller.name(), caller.readsAll(), filter, orderBy,
                                                          pageSize, pageToken));
    }

    /** Changes the fields named in {@code paths} (already checked against the update mask). */
    FileRow update(Caller caller, UUID id, File request, List<String> paths) {
        return jdbi.inTransaction(handle -> {
            final FileRow file = find(handle, id, true).orElseThrow(() -> Access.notFound("files", "files/" + id));
            Access.require(handle, caller, file, paths.contains("visibility") ? Access.MANAGE : Access.WRITE,
                           paths.contains("visibility") ? "change the visibility of" : "change");
            String filename = file.filename();
            String contentType = file.contentType();
            UUID folder = file.folderId();
            List<String> tags = file.tags();
            String visibility = file.visibility();
            for (String path : paths) {
                switch (path) {
                    case "filename" -> {
                        if (request.getFilename().isEmpty()) {
                            throw Errors.invalidField("file.filename", "cannot be cleared");
                        }
                        filename = request.getFilename();
                    }
                    case "content_type" -> contentType = request.getContentType().isEmpty()
                                                         ? file.detectedContentType() : request.getContentType();
                    case "folder" -> folder = targetFolder(handle, caller, file, request.getFolder());
                    case "tags" -> tags = request.getTagsList();
                    case "visibility" -> visibility = StorageProtos.visibility(request.getVisibility());
                    default -> throw new IllegalArgumentException(path);
                }
            }
            handle.createUpdate("UPDATE files SET filename = :filename, content_type = :contentType,"
                                + " folder_id = CAST(:folder AS uuid), tags = :tags, visibility = :visibility,"
                                + " update_time = now() WHERE id = :id")
                  .bind("filename", filename).bind("contentType", contentType).bind("folder", folder)
                  .bindArray("tags", String.class, tags.toArray(new String[0])).bind("visibility", visibility)
                  .bind("id", id)
                  .execute();
            return find(handle, id, false).orElseThrow();
        });
    }

    /** The folder a file moves to: one of the file owner's, which the caller owns (or files.write). */
    private static UUID targetFolder(Handle handle, Caller caller, FileRow file, String name) {
        final UUID id = StorageProtos.folderOrNull("file.folder", name);
        if (id == null) {
            return null;
        }
        final FolderRow folder = Folders.find(handle, id).orElse(null);
        if (folder == null || !folder.owner().equals(file.owner())
            || !folder.owner().equals(caller.name()) && !caller.writesAll()) {
            throw Errors.invalidField("file.folder", "is not a folder of yours: " + name);
        }
        return id;
    }

    /** Deletes a file the caller may delete, its grants, links and thumbnail; then its bytes. */
    void delete(Caller caller, UUID id) {
        final List<String> keys = jdbi.inTransaction(handle -> {
            final FileRow file = find(handle, id, true).orElseThrow(() -> Access.notFound("files", "files/" + id));
            Access.require(handle, caller, file, Access.DELETE, "delete");
            return deleteRows(handle, quotas, List.of(file));
        });
        deleteBytes(keys);
    }

    /** Deletes the rows of files (the caller checked the access) and counts them off; returns their byte keys. */
    static List<String> deleteRows(Handle handle, Quotas quotas, List<FileRow> files) {
        final List<String> keys = new ArrayList<>();
        for (FileRow file : files) {
            keys.add(file.storageKey());
            // with or without its row: a thumbnail being made now is removed by its job, which finds no file
            keys.add(ThumbnailJob.thumbnailKey(file.id().toString()));
            handle.createUpdate("DELETE FROM files WHERE id = :id").bind("id", file.id()).execute();
            quotas.removed(handle, file.owner(), file.sizeBytes());
        }
        return keys;
    }

    /** Removes bytes whose rows are gone; a failure leaves orphaned bytes (logged), never a row without bytes. */
    void deleteBytes(List<String> keys) {
        for (String key : keys) {
            try {
                bytes.delete(key);
            } catch (Exception e) {
                log.warn("Cannot delete the bytes {} of a deleted file (they stay orphaned): {}", key, e.toString());
            }
        }
    }
}
