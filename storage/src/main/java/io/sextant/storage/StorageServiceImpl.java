package io.sextant.storage;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.sextant.platform.error.Errors;
import io.sextant.platform.resource.Page;
import io.sextant.platform.resource.ProtoTime;
import io.sextant.platform.resource.UpdateMask;
import io.sextant.storage.db.FileRow;
import io.sextant.storage.db.FolderRow;
import io.sextant.storage.db.GrantRow;
import io.sextant.storage.db.ShareLinkRow;
import io.sextant.storage.v1.*;

/**
 * The storage service's gRPC transport: reads each request, names the caller ({@link Caller}), calls
 * the domain ({@link Uploads}, {@link Downloads}, {@link FileCatalog}, {@link Folders}, {@link Grants},
 * {@link ShareLinks}, {@link Quotas}) and maps the rows to the contract's messages.
 */
final class StorageServiceImpl extends StorageServiceGrpc.StorageServiceImplBase {

    static final UpdateMask FILE_FIELDS = UpdateMask.of(File.getDescriptor(), "filename", "content_type", "folder", "tags",
                                                        "visibility");
    static final UpdateMask FOLDER_FIELDS = UpdateMask.of(Folder.getDescriptor(), "display_name", "parent");
    static final UpdateMask QUOTA_FIELDS = UpdateMask.of(StorageUsage.getDescriptor(), "quota_bytes", "quota_files")
                                                     .withoutStar();

    private final Uploads uploads;
    private final Downloads downloads;
    private final FileCatalog catalog;
    private final Folders folders;
    private final Grants grants;
    private final ShareLinks links;
    private final Quotas quotas;

    StorageServiceImpl(Uploads uploads, Downloads downloads, FileCatalog catalog, Folders folders, Grants grants,
                       ShareLinks links, Quotas quotas) {
        this.uploads = uploads;
        this.downloads = downloads;
        this.catalog = catalog;
        this.folders = folders;
        this.grants = grants;
        this.links = links;
        this.quotas = quotas;
    }

    // ---- bytes

    @Override
    public StreamObserver<UploadFileRequest> uploadFile(StreamObserver<UploadFileResponse> response) {
        final Caller caller = Caller.current();
        unbounded();
        return uploads.start(caller, (ServerCallStreamObserver<UploadFileResponse>) response);
    }

    @Override
    public void downloadFile(DownloadFileRequest request, StreamObserver<DownloadFileResponse> response) {
        final FileRow file = catalog.get(Caller.current(), fileId("name", request.getName()));
        unbounded();
        downloads.file(file, request.getReadOffset(), request.getReadLimit(), response,
                       info -> DownloadFileResponse.newBuilder().setInfo(info).build(),
                       data -> DownloadFileResponse.newBuilder().setData(data).build());
    }

    @Override
    public void downloadSharedFile(DownloadSharedFileRequest request, StreamObserver<DownloadSharedFileResponse> response) {
        final FileRow file = links.open(request.getToken(), request.getReadOffset() == 0);
        unbounded();
        downloads.file(file, request.getReadOffset(), request.getReadLimit(), response,
                       info -> DownloadSharedFileResponse.newBuilder().setInfo(info).build(),
                       data -> DownloadSharedFileResponse.newBuilder().setData(data).build());
    }

    @Override
    public void downloadPublicFile(DownloadPublicFileRequest request, StreamObserver<DownloadPublicFileResponse> response) {
        final FileRow file = publicFile(request.getName());
        unbounded();
        downloads.file(file, request.getReadOffset(), request.getReadLimit(), response,
                       info -> DownloadPublicFileResponse.newBuilder().setInfo(info).build(),
                       data -> DownloadPublicFileResponse.newBuilder().setData(data).build());
    }

    @Override
    public void downloadThumbnail(DownloadThumbnailRequest request, StreamObserver<DownloadThumbnailResponse> response) {
        final FileRow file = catalog.get(Caller.current(), fileId("name", request.getName()));
        downloads.thumbnail(file, response, info -> DownloadThumbnailResponse.newBuilder().setInfo(info).build(),
                            data -> DownloadThumbnailResponse.newBuilder().setData(data).build());
    }

    @Override
    public void downloadPublicThumbnail(DownloadPublicThumbnailRequest request,
                                        StreamObserver<DownloadPublicThumbnailResponse> response) {
        final FileRow file = publicFile(request.getName());
        downloads.thumbnail(file, response, info -> DownloadPublicThumbnailResponse.newBuilder().setInfo(info).build(),
                            data -> DownloadPublicThumbnailResponse.newBuilder().setData(data).build());
    }

    /** A PUBLIC file; NOT_FOUND alike for a private one and none. */
    private FileRow publicFile(String name) {
        final UUID id = fileId("name", name);
        final FileRow file = catalog.find(id).orElse(null);
        if (file == null || !file.visibility().equals("PUBLIC")) {
            throw Access.notFound("files", name);
        }
        return file;
    }

    // ---- metadata

    @Override
    public void listFiles(ListFilesRequest request, StreamObserver<ListFilesResponse> response) {
        final Page<FileRow> page = catalog.list(Caller.current(), request.getFilter(), request.getOrderBy(),
                                                request.getPageSize(), request.getPageToken());
        final ListFilesResponse.Builder out = ListFilesResponse.newBuilder().setNextPageToken(page.nextPageToken());
        page.rows().forEach(row -> out.addFiles(StorageProtos.toFile(row)));
        reply(response, out.build());
    }

    @Override
    public void getFile(GetFileRequest request, StreamObserver<GetFileResponse> response) {
        final FileRow file = catalog.get(Caller.current(), fileId("name", request.getName()));
        reply(response, GetFileResponse.newBuilder().setFile(StorageProtos.toFile(file)).build());
    }

    @Override
    public void updateFile(UpdateFileRequest request, StreamObserver<UpdateFileResponse> response) {
        final UUID id = fileId("file.name", request.getFile().getName());
        final List<String> paths = FILE_FIELDS.paths(request.getUpdateMask(), request.getFile());
        final FileRow file = catalog.update(Caller.current(), id, request.getFile(), paths);
        reply(response, UpdateFileResponse.newBuilder().setFile(StorageProtos.toFile(file)).build());
    }

    @Override
    public void deleteFile(DeleteFileRequest request, StreamObserver<DeleteFileResponse> response) {
        catalog.delete(Caller.current(), fileId("name", request.getName()));
        reply(response, DeleteFileResponse.getDefaultInstance());
    }

    // ---- share links

    @Override
    public void shareFile(ShareFileRequest request, StreamObserver<ShareFileResponse> response) {
        final Instant expires = request.hasExpireTime() ? ProtoTime.instant(request.getExpireTime())
                                : request.hasTtl() ? Instant.now().plusSeconds(request.getTtl().getSeconds())
                                                                   .plusNanos(request.getTtl().getNanos())
                                : null;
        final ShareLinks.Created created = links.create(Caller.current(), fileId("name", request.getName()), expires,
                                                        request.getMaxDownloads());
        reply(response, ShareFileResponse.newBuilder().setShareLink(
                StorageProtos.toShareLink(created.link()).toBuilder().setToken(created.token()).setUrl(created.url())).build());
    }

    @Override
    public void listShareLinks(ListShareLinksRequest request, StreamObserver<ListShareLinksResponse> response) {
        final Page<ShareLinkRow> page = links.list(Caller.current(), fileId("parent", request.getParent()),
                                                   request.getPageSize(), request.getPageToken());
        final ListShareLinksResponse.Builder out = ListShareLinksResponse.newBuilder()
                                                                         .setNextPageToken(page.nextPageToken());
        page.rows().forEach(row -> out.addShareLinks(StorageProtos.toShareLink(row)));
        reply(response, out.build());
    }

    @Override
    public void deleteShareLink(DeleteShareLinkRequest request, StreamObserver<DeleteShareLinkResponse> response) {
        final String name = request.getName();
        final int split = name.indexOf("/share-links/");
        if (split < 0) {
            throw Errors.invalidField("name", "must be files/<id>/share-links/<id>");
        }
        links.delete(Caller.current(), fileId("name", name.substring(0, split)),
                     StorageProtos.id("name", "share-links", name.substring(split + 1)));
        reply(response, DeleteShareLinkResponse.getDefaultInstance());
    }

    // ---- permissions

    @Override
    public void listFilePermissions(ListFilePermissionsRequest request,
                                    StreamObserver<ListFilePermissionsResponse> response) {
        final Page<GrantRow> page = grants.list(Caller.current(), Grants.On.FILE, fileId("name", request.getName()),
                                                request.getPageSize(), request.getPageToken());
        final ListFilePermissionsResponse.Builder out = ListFilePermissionsResponse.newBuilder()
                                                                                   .setNextPageToken(page.nextPageToken());
        page.rows().forEach(row -> out.addPermissions(StorageProtos.toFilePermission(row)));
        reply(response, out.build());
    }

    @Override
    public void grantFilePermission(GrantFilePermissionRequest request,
                                    StreamObserver<GrantFilePermissionResponse> response) {
        final GrantRow row = grants.grant(Caller.current(), Grants.On.FILE, fileId("name", request.getName()),
                                          userName(request.getUser()), request.getAccessLevelValue());
        reply(response, GrantFilePermissionResponse.newBuilder().setPermission(StorageProtos.toFilePermission(row)).build());
    }

    @Override
    public void revokeFilePermission(RevokeFilePermissionRequest request,
                                     StreamObserver<RevokeFilePermissionResponse> response) {
        grants.revoke(Caller.current(), Grants.On.FILE, fileId("name", request.getName()), userName(request.getUser()));
        reply(response, RevokeFilePermissionResponse.getDefaultInstance());
    }

    @Override
    public void listFolderPermissions(ListFolderPermissionsRequest request,
                                      StreamObserver<ListFolderPermissionsResponse> response) {
        final Page<GrantRow> page = grants.list(Caller.current(), Grants.On.FOLDER, folderId("name", request.getName()),
                                                request.getPageSize(), request.getPageToken());
        final ListFolderPermissionsResponse.Builder out = ListFolderPermissionsResponse.newBuilder()
                                                                                       .setNextPageToken(page.nextPageToken());
        page.rows().forEach(row -> out.addPermissions(StorageProtos.toFolderPermission(row)));
        reply(response, out.build());
    }

    @Override
    public void grantFolderPermission(GrantFolderPermissionRequest request,
                                      StreamObserver<GrantFolderPermissionResponse> response) {
        final GrantRow row = grants.grant(Caller.current(), Grants.On.FOLDER, folderId("name", request.getName()),
                                          userName(request.getUser()), request.getAccessLevelValue());
        reply(response, GrantFolderPermissionResponse.newBuilder()
                                                     .setPermission(StorageProtos.toFolderPermission(row)).build());
    }

    @Override
    public void revokeFolderPermission(RevokeFolderPermissionRequest request,
                                       StreamObserver<RevokeFolderPermissionResponse> response) {
        grants.revoke(Caller.current(), Grants.On.FOLDER, folderId("name", request.getName()),
                      userName(request.getUser()));
        reply(response, RevokeFolderPermissionResponse.getDefaultInstance());
    }

    // ---- quotas

    @Override
    public void getStorageUsage(GetStorageUsageRequest request, StreamObserver<GetStorageUsageResponse> response) {
        final Caller caller = Caller.current();
        final String owner = usageOwner(caller, "name", request.getName());
        if (!owner.equals(caller.name()) && !caller.readsAll()) {
            throw Errors.permissionDenied("PERMISSION_DENIED", "only " + owner + " (or files.read) may read its usage");
        }
        reply(response, GetStorageUsageResponse.newBuilder().setUsage(
                StorageProtos.toUsage(quotas.usage(owner), quotas.defaultBytes(), quotas.defaultFiles())).build());
    }

    @Override
    public void updateStorageQuota(UpdateStorageQuotaRequest request, StreamObserver<UpdateStorageQuotaResponse> response) {
        // the contract's policy requires files.admin before this runs
        final Caller caller = Caller.current();
        final StorageUsage usage = request.getUsage();
        final String owner = usageOwner(caller, "usage.name", usage.getName());
        final List<String> paths = request.getUpdateMask().getPathsCount() == 0 ? QUOTA_FIELDS.fields()
                                   : QUOTA_FIELDS.paths(request.getUpdateMask(), usage);
        final boolean bytes = paths.contains("quota_bytes");
        final boolean files = paths.contains("quota_files");
        final var row = quotas.override(owner, bytes, usage.getQuotaBytes() == 0 ? null : usage.getQuotaBytes(),
                                        files, usage.getQuotaFiles() == 0 ? null : usage.getQuotaFiles());
        reply(response, UpdateStorageQuotaResponse.newBuilder().setUsage(
                StorageProtos.toUsage(row, quotas.defaultBytes(), quotas.defaultFiles())).build());
    }

    /** The owner a {@code users/{id|me}/storageUsage} name means. */
    private static String usageOwner(Caller caller, String field, String name) {
        if (!name.startsWith("users/") || !name.endsWith("/storageUsage")) {
            throw Errors.invalidField(field, "must be users/<id>/storageUsage or users/me/storageUsage");
        }
        final String user = name.substring(0, name.length() - "/storageUsage".length());
        return user.equals("users/me") ? caller.name() : userName(user);
    }

    // ---- folders

    @Override
    public void listFolders(ListFoldersRequest request, StreamObserver<ListFoldersResponse> response) {
        final Page<FolderRow> page = folders.list(Caller.current(), request.getFilter(), request.getPageSize(),
                                                  request.getPageToken());
        final ListFoldersResponse.Builder out = ListFoldersResponse.newBuilder().setNextPageToken(page.nextPageToken());
        page.rows().forEach(row -> out.addFolders(StorageProtos.toFolder(row)));
        reply(response, out.build());
    }

    @Override
    public void createFolder(CreateFolderRequest request, StreamObserver<CreateFolderResponse> response) {
        final Folder folder = request.getFolder();
        final FolderRow row = folders.create(Caller.current(), folder.getDisplayName(), folder.getParent());
        reply(response, CreateFolderResponse.newBuilder().setFolder(StorageProtos.toFolder(row)).build());
    }

    @Override
    public void getFolder(GetFolderRequest request, StreamObserver<GetFolderResponse> response) {
        final FolderRow row = folders.get(Caller.current(), folderId("name", request.getName()));
        reply(response, GetFolderResponse.newBuilder().setFolder(StorageProtos.toFolder(row)).build());
    }

    @Override
    public void updateFolder(UpdateFolderRequest request, StreamObserver<UpdateFolderResponse> response) {
        final Folder folder = request.getFolder();
        final UUID id = folderId("folder.name", folder.getName());
        final List<String> paths = FOLDER_FIELDS.paths(request.getUpdateMask(), folder);
        if (paths.contains("display_name") && folder.getDisplayName().isEmpty()) {
            throw Errors.invalidField("folder.display_name", "cannot be cleared");
        }
        final FolderRow row = folders.update(Caller.current(), id,
                                             paths.contains("display_name") ? folder.getDisplayName() : null,
                                             paths.contains("parent") ? folder.getParent() : null);
        reply(response, UpdateFolderResponse.newBuilder().setFolder(StorageProtos.toFolder(row)).build());
    }

    @Override
    public void deleteFolder(DeleteFolderRequest request, StreamObserver<DeleteFolderResponse> response) {
        folders.delete(Caller.current(), folderId("name", request.getName()), request.getForce());
        reply(response, DeleteFolderResponse.getDefaultInstance());
    }

    // ---- helpers

    private static UUID fileId(String field, String name) {
        return StorageProtos.id(field, "files", name);
    }

    private static UUID folderId(String field, String name) {
        return StorageProtos.id(field, "folders", name);
    }

    /** {@code users/<uuid>}, as stored (lower-case). */
    private static String userName(String name) {
        return "users/" + StorageProtos.id("user", "users", name);
    }

    /** A byte stream lasts as long as its bytes take: the request timeout does not apply. */
    private static void unbounded() {
        final ServiceRequestContext ctx = ServiceRequestContext.currentOrNull();
        if (ctx != null) {
            ctx.clearRequestTimeout();
        }
    }

    private static <T> void reply(StreamObserver<T> response, T message) {
        response.onNext(message);
        response.onCompleted();
    }

}
