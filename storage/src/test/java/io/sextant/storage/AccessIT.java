package io.sextant.storage;

import static io.sextant.platform.testing.GrpcErrors.badRequest;
import static io.sextant.platform.testing.GrpcErrors.code;
import static io.sextant.platform.testing.GrpcErrors.failure;
import static io.sextant.storage.StorageTesting.bytes;
import static io.sextant.storage.StorageTesting.download;
import static io.sextant.storage.StorageTesting.meta;
import static io.sextant.storage.StorageTesting.upload;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.google.protobuf.FieldMask;

import io.grpc.Status;
import io.sextant.platform.testing.TestPostgres;
import io.sextant.storage.v1.AccessLevel;
import io.sextant.storage.v1.CreateFolderRequest;
import io.sextant.storage.v1.DeleteFileRequest;
import io.sextant.storage.v1.DownloadPublicFileRequest;
import io.sextant.storage.v1.DownloadPublicFileResponse;
import io.sextant.storage.v1.DownloadThumbnailRequest;
import io.sextant.storage.v1.File;
import io.sextant.storage.v1.Folder;
import io.sextant.storage.v1.GetFileRequest;
import io.sextant.storage.v1.GetFolderRequest;
import io.sextant.storage.v1.GrantFilePermissionRequest;
import io.sextant.storage.v1.GrantFolderPermissionRequest;
import io.sextant.storage.v1.ListFilePermissionsRequest;
import io.sextant.storage.v1.ListFilesRequest;
import io.sextant.storage.v1.ListShareLinksRequest;
import io.sextant.storage.v1.RevokeFilePermissionRequest;
import io.sextant.storage.v1.ShareFileRequest;
import io.sextant.storage.v1.StorageServiceGrpc.StorageServiceBlockingStub;
import io.sextant.storage.v1.StorageServiceGrpc.StorageServiceStub;
import io.sextant.storage.v1.UpdateFileRequest;
import io.sextant.storage.v1.Visibility;

/**
 * Who may do what with a file: the owner; a grantee with READ, WRITE or DELETE on the file or on a
 * folder above it; a stranger; files.read and files.write; anonymous callers with a public file.
 * A caller who may not read a file is told NOT_FOUND, one who may read but not more PERMISSION_DENIED.
 */
class AccessIT {

    private static StorageTesting storage;
    private static String ownerId;
    private static StorageServiceBlockingStub owner;
    private static StorageServiceStub ownerAsync;

    @BeforeAll
    static void start() throws Exception {
        storage = new StorageTesting(TestPostgres.newDatabase("storage"), Map.of());
        ownerId = storage.newUser();
        owner = storage.blocking(storage.token(ownerId));
        ownerAsync = storage.async(storage.token(ownerId));
    }

    @AfterAll
    static void stop() {
        storage.close();
    }

    /** What a caller can do with a file: read (else NOT_FOUND), change, manage its permissions and links. */
    private record Can(boolean read, boolean write, boolean manage) {}

    private static Can probe(StorageServiceBlockingStub stub, File file) {
        final boolean read = attempt(() -> stub.getFile(GetFileRequest.newBuilder().setName(file.getName()).build()));
        if (read) {
            assertThat(download(stub, file.getName(), 0, 0).data()).hasSize((int) file.getSizeBytes());
        } else {
            assertThat(code(failure(() -> download(stub, file.getName(), 0, 0)))).isEqualTo(Status.Code.NOT_FOUND);
        }
        final boolean write = attempt(() -> stub.updateFile(UpdateFileRequest.newBuilder()
                .setFile(File.newBuilder().setName(file.getName()).addTags("seen"))
                .setUpdateMask(FieldMask.newBuilder().addPaths("tags")).build()));
        final boolean manage = attempt(() -> stub.listFilePermissions(ListFilePermissionsRequest.newBuilder()
                                                                          .setName(file.getName()).build()))
                               & attempt(() -> stub.listShareLinks(ListShareLinksRequest.newBuilder()
                                                                       .setParent(file.getName()).build()));
        // deleting is probed apart (deletes): it would remove the file
        return new Can(read, write, manage);
    }

    /** Whether the call succeeds: NOT_FOUND for what cannot be read, PERMISSION_DENIED for the rest. */
    private static boolean attempt(Runnable call) {
        try {
            call.run();
            return true;
        } catch (io.grpc.StatusRuntimeException e) {
            assertThat(e.getStatus().getCode()).isIn(Status.Code.NOT_FOUND, Status.Code.PERMISSION_DENIED);
            return false;
        }
    }

    private static File file(String name) {
        return upload(ownerAsync, meta(name).build(), bytes(1000, name.hashCode()));
    }

    private static void grant(File file, String user, AccessLevel level) {
        owner.grantFilePermission(GrantFilePermissionRequest.newBuilder().setName(file.getName())
                                                            .setUser("users/" + user).setAccessLevel(level).build());
    }

    private static boolean deletes(StorageServiceBlockingStub stub, File file) {
        return attempt(() -> stub.deleteFile(DeleteFileRequest.newBuilder().setName(file.getName()).build()));
    }

    @Test
    void eachRightAllowsWhatItNamesAndNoMore() {
        final File file = file("matrix.bin");
        final String reader = storage.newUser();
        final String writer = storage.newUser();
        final String deleter = storage.newUser();
        grant(file, reader, AccessLevel.ACCESS_LEVEL_READ);
        grant(file, writer, AccessLevel.ACCESS_LEVEL_WRITE);
        grant(file, deleter, AccessLevel.ACCESS_LEVEL_DELETE);
        final StorageServiceBlockingStub readerStub = storage.blocking(storage.token(reader));
        final StorageServiceBlockingStub writerStub = storage.blocking(storage.token(writer));
        final StorageServiceBlockingStub deleterStub = storage.blocking(storage.token(deleter));
        final StorageServiceBlockingStub stranger = storage.blocking(storage.token(storage.newUser()));
        final StorageServiceBlockingStub filesRead = storage.blocking(storage.token(storage.newUser(), "files.read"));
        final StorageServiceBlockingStub filesWrite = storage.blocking(storage.token(storage.newUser(), "files.write"));

        assertThat(probe(owner, file)).isEqualTo(new Can(true, true, true));
        assertThat(probe(readerStub, file)).isEqualTo(new Can(true, false, false));
        assertThat(probe(writerStub, file)).isEqualTo(new Can(true, true, false));
        assertThat(probe(deleterStub, file)).isEqualTo(new Can(true, true, false));
        assertThat(probe(stranger, file)).isEqualTo(new Can(false, false, false));
        assertThat(probe(filesRead, file)).isEqualTo(new Can(true, false, false));
        assertThat(probe(filesWrite, file)).isEqualTo(new Can(true, true, true));

        // a stranger cannot tell the file exists: the same NOT_FOUND as for no file at all
        assertThat(code(failure(() -> stranger.deleteFile(DeleteFileRequest.newBuilder().setName(file.getName()).build()))))
                .isEqualTo(Status.Code.NOT_FOUND);
        assertThat(deletes(readerStub, file)).isFalse();
        assertThat(deletes(writerStub, file)).isFalse();
        assertThat(deletes(filesRead, file)).isFalse();
        assertThat(deletes(deleterStub, file)).isTrue();

        final File another = file("matrix-2.bin");
        assertThat(deletes(filesWrite, another)).isTrue();
        final File third = file("matrix-3.bin");
        assertThat(deletes(owner, third)).isTrue();
    }

    @Test
    void aFolderGrantCoversEverythingInsideAtAnyDepth() {
        final Folder top = owner.createFolder(CreateFolderRequest.newBuilder().setFolder(
                Folder.newBuilder().setDisplayName("Shared top")).build()).getFolder();
        final Folder deep = owner.createFolder(CreateFolderRequest.newBuilder().setFolder(
                Folder.newBuilder().setDisplayName("Deep").setParent(top.getName())).build()).getFolder();
        final File inside = upload(ownerAsync, meta("").setFile(File.newBuilder().setFilename("inside.txt")
                                                                    .setFolder(deep.getName())).build(), bytes(10, 1));
        final File outside = file("outside.txt");
        final String friend = storage.newUser();
        final StorageServiceBlockingStub friendStub = storage.blocking(storage.token(friend));
        assertThat(probe(friendStub, inside).read()).isFalse();

        owner.grantFolderPermission(GrantFolderPermissionRequest.newBuilder().setName(top.getName())
                                            .setUser("users/" + friend).setAccessLevel(AccessLevel.ACCESS_LEVEL_READ).build());
        assertThat(probe(friendStub, inside)).isEqualTo(new Can(true, false, false));
        assertThat(probe(friendStub, outside).read()).isFalse();
        assertThat(friendStub.getFolder(GetFolderRequest.newBuilder().setName(deep.getName()).build()).getFolder()
                             .getName()).isEqualTo(deep.getName());
        // ListFiles shows what is shared with the caller
        assertThat(friendStub.listFiles(ListFilesRequest.newBuilder().setFilter("shared = true").build()).getFilesList())
                .extracting(File::getName).containsExactly(inside.getName());

        // the strongest grant counts: READ on the file, DELETE on the folder above
        grant(inside, friend, AccessLevel.ACCESS_LEVEL_READ);
        owner.grantFolderPermission(GrantFolderPermissionRequest.newBuilder().setName(deep.getName())
                                            .setUser("users/" + friend).setAccessLevel(AccessLevel.ACCESS_LEVEL_DELETE).build());
        assertThat(probe(friendStub, inside)).isEqualTo(new Can(true, true, false));
        assertThat(deletes(friendStub, inside)).isTrue();
    }

    @Test
    void grantsNameExistingUsersOtherThanTheOwnerAndCanBeRevoked() {
        final File file = file("grants.txt");
        final var unknown = failure(() -> grant(file, java.util.UUID.randomUUID().toString(), AccessLevel.ACCESS_LEVEL_READ));
        assertThat(code(unknown)).isEqualTo(Status.Code.NOT_FOUND);
        final var self = failure(() -> grant(file, ownerId, AccessLevel.ACCESS_LEVEL_READ));
        assertThat(code(self)).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(badRequest(self).getFieldViolations(0).getField()).isEqualTo("user");

        final String friend = storage.newUser();
        grant(file, friend, AccessLevel.ACCESS_LEVEL_READ);
        grant(file, friend, AccessLevel.ACCESS_LEVEL_WRITE);
        assertThat(owner.listFilePermissions(ListFilePermissionsRequest.newBuilder().setName(file.getName()).build())
                        .getPermissionsList()).singleElement().satisfies(p -> {
                            assertThat(p.getUser()).isEqualTo("users/" + friend);
                            assertThat(p.getAccessLevel()).isEqualTo(AccessLevel.ACCESS_LEVEL_WRITE);
                            assertThat(p.getGranter()).isEqualTo("users/" + ownerId);
                        });
        final StorageServiceBlockingStub friendStub = storage.blocking(storage.token(friend));
        assertThat(probe(friendStub, file).write()).isTrue();
        owner.revokeFilePermission(RevokeFilePermissionRequest.newBuilder().setName(file.getName())
                                                              .setUser("users/" + friend).build());
        assertThat(probe(friendStub, file).read()).isFalse();
        // revoking what is not there changes nothing
        owner.revokeFilePermission(RevokeFilePermissionRequest.newBuilder().setName(file.getName())
                                                              .setUser("users/" + friend).build());
    }

    @Test
    void aGrantIsRefusedWhenUsersRefusesTheServiceItsLookup() throws Exception {
        try (StorageTesting misconfigured = new StorageTesting(TestPostgres.newDatabase("storage"), Map.of(), List.of())) {
            final String me = misconfigured.newUser();
            final File file = upload(misconfigured.async(misconfigured.token(me)), meta("x").build(), bytes(10, 1));
            final var refused = failure(() -> misconfigured.blocking(misconfigured.token(me)).grantFilePermission(
                    GrantFilePermissionRequest.newBuilder().setName(file.getName()).setUser("users/" + misconfigured.newUser())
                                              .setAccessLevel(AccessLevel.ACCESS_LEVEL_READ).build()));
            assertThat(code(refused)).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(io.sextant.platform.testing.GrpcErrors.errorInfo(refused).getReason()).isEqualTo("USER_LOOKUP_REFUSED");
        }
    }

    @Test
    void anonymousCallersReadPublicFilesOnlyAndNeverOthers() {
        final File file = file("public.txt");
        final StorageServiceBlockingStub anonymous = storage.anonymous();
        assertThat(code(failure(() -> publicDownload(anonymous, file)))).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(code(failure(() -> anonymous.getFile(GetFileRequest.newBuilder().setName(file.getName()).build()))))
                .isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(code(failure(() -> anonymous.shareFile(ShareFileRequest.newBuilder().setName(file.getName()).build()))))
                .isEqualTo(Status.Code.UNAUTHENTICATED);

        // a grantee with WRITE may not publish it: visibility is the owner's (or files.write's)
        final String writer = storage.newUser();
        grant(file, writer, AccessLevel.ACCESS_LEVEL_WRITE);
        final var publish = UpdateFileRequest.newBuilder()
                .setFile(File.newBuilder().setName(file.getName()).setVisibility(Visibility.VISIBILITY_PUBLIC))
                .setUpdateMask(FieldMask.newBuilder().addPaths("visibility")).build();
        assertThat(code(failure(() -> storage.blocking(storage.token(writer)).updateFile(publish))))
                .isEqualTo(Status.Code.PERMISSION_DENIED);
        owner.updateFile(publish);
        assertThat(publicDownload(anonymous, file)).hasSize(1000);
        assertThat(code(failure(() -> anonymous.downloadPublicThumbnail(
                io.sextant.storage.v1.DownloadPublicThumbnailRequest.newBuilder().setName(file.getName()).build()).next())))
                .isEqualTo(Status.Code.NOT_FOUND);
        assertThat(code(failure(() -> owner.downloadThumbnail(DownloadThumbnailRequest.newBuilder()
                                                                  .setName(file.getName()).build()).next())))
                .isEqualTo(Status.Code.NOT_FOUND);
    }

    private static byte[] publicDownload(StorageServiceBlockingStub stub, File file) {
        return StorageTesting.collect(stub.downloadPublicFile(DownloadPublicFileRequest.newBuilder()
                                                                  .setName(file.getName()).build()),
                                      DownloadPublicFileResponse::getInfo, DownloadPublicFileResponse::getData,
                                      DownloadPublicFileResponse::hasInfo).data();
    }
}
