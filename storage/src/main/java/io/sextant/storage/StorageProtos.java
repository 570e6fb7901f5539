package io.sextant.storage;

import java.util.UUID;

import io.sextant.platform.error.Errors;
import io.sextant.platform.resource.ProtoTime;
import io.sextant.storage.db.FileRow;
import io.sextant.storage.db.FolderRow;
import io.sextant.storage.db.GrantRow;
import io.sextant.storage.db.ShareLinkRow;
import io.sextant.storage.db.UsageRow;
import io.sextant.storage.v1.AccessLevel;
import io.sextant.storage.v1.File;
import io.sextant.storage.v1.FilePermission;
import io.sextant.storage.v1.Folder;
import io.sextant.storage.v1.FolderPermission;
import io.sextant.storage.v1.ShareLink;
import io.sextant.storage.v1.StorageUsage;
import io.sextant.storage.v1.Visibility;

/** Rows as the contract's messages, and resource names as ids. */
final class StorageProtos {

    private StorageProtos() {}

    static File toFile(FileRow row) {
        return File.newBuilder()
                   .setName("files/" + row.id())
                   .setId(row.id().toString())
                   .setFilename(row.filename())
                   .setContentType(row.contentType())
                   .setSizeBytes(row.sizeBytes())
                   .setSha256(row.sha256())
                   .setFolder(row.folderId() == null ? "" : "folders/" + row.folderId())
                   .addAllTags(row.tags())
                   .setOwner(row.owner())
                   .setThumbnailAvailable(row.thumbnailAvailable())
                   .setCreateTime(ProtoTime.timestamp(row.createTime()))
                   .setUpdateTime(ProtoTime.timestamp(row.updateTime()))
                   .setVisibility(row.visibility().equals("PUBLIC") ? Visibility.VISIBILITY_PUBLIC
                                                                    : Visibility.VISIBILITY_PRIVATE)
                   .setDetectedContentType(row.detectedContentType())
                   .build();
    }

    static Folder toFolder(FolderRow row) {
        return Folder.newBuilder()
                     .setName("folders/" + row.id())
                     .setId(row.id().toString())
                     .setDisplayName(row.displayName())
                     .setParent(row.parentId() == null ? "" : "folders/" + row.parentId())
                     .setOwner(row.owner())
                     .setCreateTime(ProtoTime.timestamp(row.createTime()))
                     .setUpdateTime(ProtoTime.timestamp(row.updateTime()))
                     .build();
    }

    static FilePermission toFilePermission(GrantRow row) {
        return FilePermission.newBuilder().setUser(row.userName()).setAccessLevel(AccessLevel.forNumber(row.accessLevel()))
                             .setGranter(row.granter()).setGrantTime(ProtoTime.timestamp(row.grantTime())).build();
    }

    static FolderPermission toFolderPermission(GrantRow row) {
        return FolderPermission.newBuilder().setUser(row.userName())
                               .setAccessLevel(AccessLevel.forNumber(row.accessLevel()))
                               .setGranter(row.granter()).setGrantTime(ProtoTime.timestamp(row.grantTime())).build();
    }

    static ShareLink toShareLink(ShareLinkRow row) {
        return ShareLink.newBuilder()
                        .setName("files/" + row.fileId() + "/share-links/" + row.id())
                        .setExpireTime(ProtoTime.timestamp(row.expireTime()))
                        .setMaxDownloads(row.maxDownloads())
                        .setDownloadCount(row.downloadCount())
                        .setCreator(row.creator())
                        .setCreateTime(ProtoTime.timestamp(row.createTime()))
                        .build();
    }

    static StorageUsage toUsage(UsageRow row, long defaultBytes, long defaultFiles) {
        return StorageUsage.newBuilder()
                           .setName(row.owner() + "/storageUsage")
                           .setUsedBytes(row.usedBytes())
                           .setUsedFiles(row.usedFiles())
                           .setQuotaBytes(row.quotaBytes() == null ? defaultBytes : row.quotaBytes())
                           .setQuotaFiles(row.quotaFiles() == null ? defaultFiles : row.quotaFiles())
                           .setOverridden(row.quotaBytes() != null || row.quotaFiles() != null)
                           .build();
    }

    static String visibility(Visibility visibility) {
        return visibility == Visibility.VISIBILITY_PUBLIC ? "PUBLIC" : "PRIVATE";
    }

    /** The id in {@code <prefix>/<uuid>}; INVALID_ARGUMENT on {@code field} otherwise. */
    static UUID id(String field, String prefix, String name) {
        if (name.startsWith(prefix + "/")) {
            try {
                final UUID id = UUID.fromString(name.substring(prefix.length() + 1));
                if (id.toString().equals(name.substring(prefix.length() + 1))) {
                    return id;
                }
            } catch (IllegalArgumentException e) {
                // below
            }
        }
        throw Errors.invalidField(field, "must be " + prefix + "/<id> (a lower-case UUID), not '" + name + "'");
    }

    /** A folder reference that may be empty (the top level): null for empty. */
    static UUID folderOrNull(String field, String name) {
        return name.isEmpty() ? null : id(field, "folders", name);
    }
}
