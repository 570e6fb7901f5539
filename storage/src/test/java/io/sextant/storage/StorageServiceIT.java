package io.sextant.storage;

import static io.sextant.platform.testing.GrpcErrors.badRequest;
import static io.sextant.platform.testing.GrpcErrors.code;
import static io.sextant.platform.testing.GrpcErrors.errorInfo;
import static io.sextant.platform.testing.GrpcErrors.failure;
import static io.sextant.storage.StorageTesting.bytes;
import static io.sextant.storage.StorageTesting.download;
import static io.sextant.storage.StorageTesting.meta;
import static io.sextant.storage.StorageTesting.sha256;
import static io.sextant.storage.StorageTesting.upload;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import com.google.protobuf.FieldMask;

import io.grpc.Status;
import io.sextant.platform.testing.TestPostgres;
import io.sextant.storage.StorageTesting.Downloaded;
import io.sextant.storage.v1.CreateFolderRequest;
import io.sextant.storage.v1.DeleteFileRequest;
import io.sextant.storage.v1.DeleteFolderRequest;
import io.sextant.storage.v1.File;
import io.sextant.storage.v1.Folder;
import io.sextant.storage.v1.GetFileRequest;
import io.sextant.storage.v1.GetFolderRequest;
import io.sextant.storage.v1.ListFilesRequest;
import io.sextant.storage.v1.ListFilesResponse;
import io.sextant.storage.v1.ListFoldersRequest;
import io.sextant.storage.v1.StorageServiceGrpc.StorageServiceBlockingStub;
import io.sextant.storage.v1.StorageServiceGrpc.StorageServiceStub;
import io.sextant.storage.v1.UpdateFileRequest;
import io.sextant.storage.v1.UpdateFolderRequest;
import io.sextant.storage.v1.Visibility;

/**
 * The storage service over real gRPC on a real PostgreSQL and a real directory: uploads and downloads
 * (ranges, negative offsets, checks of size and digest, the size limit, idempotency), metadata
 * (list filters, orders and pages, update masks, delete) and folders (cycles, depth, force). The local
 * backend here; {@link S3StorageServiceIT} runs the same cases on S3.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StorageServiceIT {

    StorageTesting storage;
    private Jdbi jdbi;
    private String ownerId;
    private StorageServiceStub owner;
    private StorageServiceBlockingStub ownerBlocking;

    /** The settings of the byte store under test (STORAGE_DIR, a fresh temporary directory, is set already). */
    protected Map<String, String> backend() {
        return Map.of("STORAGE_BACKEND", "local");
    }

    @BeforeAll
    void start() throws Exception {
        final Map<String, String> settings = new java.util.HashMap<>(backend());
        settings.put("STORAGE_MAX_FILE_BYTES", "6000000");
        storage = new StorageTesting(TestPostgres.newDatabase("storage"), settings);
        jdbi = Jdbi.create(storage.db.url(), storage.db.user(), storage.db.password());
        ownerId = storage.newUser();
        final String token = storage.token(ownerId);
        owner = storage.async(token);
        ownerBlocking = storage.blocking(token);
    }

    @AfterAll
    void stop() {
        storage.close();
    }

    @Test
    void itServesHealthReadinessMetricsAndDocs() {
        io.sextant.platform.testing.ServiceSmoke.assertOperable(storage.server);
        assertThat(io.sextant.platform.testing.TestServers.get(storage.server.port(), "/metrics").body())
                .contains("sextant_storage_missing_bytes_total").contains("sextant_storage_files_missing_bytes");
    }

    @Test
    void anUploadIsStoredDurablyAndDownloadsWholeOrInRanges() throws Exception {
        final byte[] data = bytes(3 * 1024 * 1024 + 17, 1);
        final File file = upload(owner, meta("big.bin").setSizeBytes(data.length).setSha256(sha256(data)).build(), data);
        assertThat(file.getSizeBytes()).isEqualTo(data.length);
        assertThat(file.getSha256()).isEqualTo(sha256(data));
        assertThat(file.getOwner()).isEqualTo("users/" + ownerId);
        assertThat(file.getThumbnailAvailable()).isFalse();
        assertThat(file.getVisibility()).isEqualTo(Visibility.VISIBILITY_PRIVATE);
        // stored under the file's id, and nothing partial left
        assertThat(storage.stored(file.getId())).isTrue();
        assertThat(storage.sweepPartials()).isZero();

        final Downloaded whole = download(ownerBlocking, file.getName(), 0, 0);
        assertThat(whole.data()).isEqualTo(data);
        assertThat(whole.info().getPartial()).isFalse();
        assertThat(whole.info().getRangeLength()).isEqualTo(data.length);
        assertThat(whole.info().getSha256()).isEqualTo(sha256(data));
        assertThat(whole.info().getFilename()).isEqualTo("big.bin");

        final Downloaded middle = download(ownerBlocking, file.getName(), 1_000_000, 1_500_000);
        assertThat(middle.info().getPartial()).isTrue();
        assertThat(middle.info().getRangeStart()).isEqualTo(1_000_000);
        assertThat(middle.info().getRangeLength()).isEqualTo(1_500_000);
        assertThat(middle.data()).isEqualTo(java.util.Arrays.copyOfRange(data, 1_000_000, 2_500_000));
        final Downloaded rest = download(ownerBlocking, file.getName(), 3_000_000, 1_000_000);
        assertThat(rest.info().getRangeLength()).as("a limit past the end stops at the end").isEqualTo(data.length - 3_000_000);
        assertThat(rest.data()).isEqualTo(java.util.Arrays.copyOfRange(data, 3_000_000, data.length));

        final Downloaded tail = download(ownerBlocking, file.getName(), -500, 0);
        assertThat(tail.info().getRangeStart()).isEqualTo(data.length - 500);
        assertThat(tail.data()).isEqualTo(java.util.Arrays.copyOfRange(data, data.length - 500, data.length));

        final var outOfRange = failure(() -> download(ownerBlocking, file.getName(), data.length, 0));
        assertThat(code(outOfRange)).isEqualTo(Status.Code.OUT_OF_RANGE);
        assertThat(errorInfo(outOfRange).getMetadataMap()).containsEntry("size_bytes", String.valueOf(data.length));

        // the outbox has the event for the thumbnail generator, in the file's transaction
        final long events = jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM outbox WHERE topic = :topic")
                                                  .bind("topic", Uploads.FILE_UPLOADED).mapTo(Long.class).one());
        assertThat(events).isGreaterThanOrEqualTo(1);
    }

    @Test
    void anEmptyFileDownloadsFromZeroOnly() {
        final File file = upload(owner, meta("empty.txt").build(), new byte[0]);
        assertThat(file.getSizeBytes()).isZero();
        assertThat(download(ownerBlocking, file.getName(), 0, 0).data()).isEmpty();
        assertThat(code(failure(() -> download(ownerBlocking, file.getName(), 1, 0)))).isEqualTo(Status.Code.OUT_OF_RANGE);
    }

    @Test
    void theContentTypeIsDetectedAndDeclaredOnesAreKept() {
        final byte[] png = new byte[64];
        System.arraycopy(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, 0, png, 0, 8);
        final File undeclared = upload(owner, meta("picture").build(), png);
        assertThat(undeclared.getDetectedContentType()).isEqualTo("image/png");
        assertThat(undeclared.getContentType()).isEqualTo("image/png");

        final File declared = upload(owner, meta("notes.txt").setFile(File.newBuilder().setFilename("notes.txt")
                .setContentType("text/plain; charset=utf-8")).build(), "hello".getBytes(StandardCharsets.UTF_8));
        assertThat(declared.getContentType()).isEqualTo("text/plain; charset=utf-8");
        assertThat(declared.getDetectedContentType()).startsWith("text/plain");

        // HTML declared for bytes that are not HTML is served as what they are
        final File html = upload(owner, meta("x.bin").setFile(File.newBuilder().setFilename("x.bin")
                .setContentType("text/html")).build(), png);
        assertThat(download(ownerBlocking, html.getName(), 0, 0).info().getContentType()).isEqualTo("image/png");
    }

    @Test
    void bytesThatDoNotMatchTheMetadataAreRefusedAndNothingIsKept() throws Exception {
        final byte[] data = bytes(100_000, 2);
        final long before = files();
        final var badSha = failure(() -> upload(owner, meta("a.bin").setSha256(sha256(new byte[] {1})).build(), data));
        assertThat(code(badSha)).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(badRequest(badSha).getFieldViolations(0).getField()).isEqualTo("metadata.sha256");

        final var shorter = failure(() -> upload(owner, meta("a.bin").setSizeBytes(data.length + 1).build(), data));
        assertThat(badRequest(shorter).getFieldViolations(0).getField()).isEqualTo("metadata.size_bytes");
        final var longer = failure(() -> upload(owner, meta("a.bin").setSizeBytes(data.length - 1).build(), data));
        assertThat(badRequest(longer).getFieldViolations(0).getField()).isEqualTo("metadata.size_bytes");

        final var noMetadata = failure(() -> StorageTesting.send(owner, List.of(
                io.sextant.storage.v1.UploadFileRequest.newBuilder()
                        .setData(com.google.protobuf.ByteString.copyFromUtf8("x")).build()).iterator(), true));
        assertThat(badRequest(noMetadata).getFieldViolations(0).getField()).isEqualTo("metadata");

        final var noFilename = failure(() -> upload(owner, meta("").build(), data));
        assertThat(code(noFilename)).isEqualTo(Status.Code.INVALID_ARGUMENT);

        // a chunk the contract refuses (empty) mid-stream: the platform closes the call, the upload is undone
        final var emptyChunk = failure(() -> StorageTesting.send(owner, List.of(
                io.sextant.storage.v1.UploadFileRequest.newBuilder().setMetadata(meta("b.bin")).build(),
                io.sextant.storage.v1.UploadFileRequest.newBuilder()
                        .setData(com.google.protobuf.ByteString.copyFrom(data)).build(),
                io.sextant.storage.v1.UploadFileRequest.newBuilder()
                        .setData(com.google.protobuf.ByteString.EMPTY).build()).iterator(), true));
        assertThat(code(emptyChunk)).isEqualTo(Status.Code.INVALID_ARGUMENT);
        io.sextant.platform.testing.Poll.until(() -> {
            assertThat(pending()).isZero();
            assertThat(storage.sweepPartials()).isZero();
        });

        assertThat(files()).isEqualTo(before);
        assertThat(pending()).isZero();
        assertThat(storage.sweepPartials()).isZero();
    }

    @Test
    void aFileAboveTheLimitIsRefusedAtOnceWhenDeclaredAndWhileStreamedOtherwise() {
        final var declared = failure(() -> upload(owner, meta("huge").setSizeBytes(6_000_001).build(), new byte[10]));
        assertThat(code(declared)).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(errorInfo(declared).getReason()).isEqualTo("FILE_TOO_LARGE");

        final var streamed = failure(() -> upload(owner, meta("huge").build(), bytes(6_000_001, 3)));
        assertThat(errorInfo(streamed).getReason()).isEqualTo("FILE_TOO_LARGE");
        assertThat(pending()).isZero();
    }

    @Test
    void aRepeatedRequestIdReturnsTheFirstFile() {
        final String requestId = UUID.randomUUID().toString();
        final File first = upload(owner, meta("once.txt").setRequestId(requestId).build(), bytes(1000, 4));
        final long before = files();
        final File again = upload(owner, meta("once.txt").setRequestId(requestId).build(), bytes(1000, 4));
        assertThat(again.getName()).isEqualTo(first.getName());
        assertThat(files()).isEqualTo(before);
        // another caller's same key is its own
        final StorageServiceStub other = storage.async(storage.token(storage.newUser()));
        assertThat(upload(other, meta("once.txt").setRequestId(requestId).build(), bytes(10, 4)).getName())
                .isNotEqualTo(first.getName());
    }

    @Test
    void listsFilterOrderAndPage() {
        final String me = storage.newUser();
        final StorageServiceStub stub = storage.async(storage.token(me));
        final StorageServiceBlockingStub blocking = storage.blocking(storage.token(me));
        final Folder folder = blocking.createFolder(CreateFolderRequest.newBuilder()
                .setFolder(Folder.newBuilder().setDisplayName("Invoices")).build()).getFolder();
        final List<File> made = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            final File.Builder file = File.newBuilder().setFilename((i % 2 == 0 ? "Report-" : "photo-") + i + ".txt")
                                          .addTags(i % 3 == 0 ? "invoices" : "misc");
            if (i < 3) {
                file.setFolder(folder.getName());
                file.addTags("2026");
            }
            made.add(upload(stub, StorageTesting.meta("").setFile(file).build(), bytes(100 * (i + 1), i)));
        }
        assertThat(names(blocking, "", "")).hasSize(7);
        assertThat(names(blocking, "folder = \"" + folder.getName() + "\"", "")).hasSize(3);
        assertThat(names(blocking, "folder = \"\"", "")).hasSize(4);
        assertThat(names(blocking, "tag = \"invoices\" AND tag = \"2026\"", ""))
                .containsExactly(made.get(0).getName());
        assertThat(names(blocking, "filename = \"report*\"", "filename")).containsExactly(
                made.get(0).getName(), made.get(2).getName(), made.get(4).getName(), made.get(6).getName());
        assertThat(names(blocking, "size_bytes >= 500 AND size_bytes < 700", "size_bytes desc"))
                .containsExactly(made.get(5).getName(), made.get(4).getName());
        assertThat(names(blocking, "content_type = \"text/*\"", "")).hasSize(7);
        assertThat(names(blocking, "content_type = \"image/*\"", "")).isEmpty();
        assertThat(names(blocking, "owner = \"users/" + me + "\" AND shared = false AND visibility = \"PRIVATE\"", ""))
                .hasSize(7);
        assertThat(names(blocking, "shared = true", "")).isEmpty();
        assertThat(names(blocking, "create_time >= \"2000-01-01T00:00:00Z\"", "create_time")).hasSize(7);

        // pages of 3 by size cover all files once, in order
        final List<String> paged = new ArrayList<>();
        String token = "";
        do {
            final ListFilesResponse page = blocking.listFiles(ListFilesRequest.newBuilder().setPageSize(3)
                                                                .setOrderBy("size_bytes").setPageToken(token).build());
            page.getFilesList().forEach(f -> paged.add(f.getName()));
            token = page.getNextPageToken();
        } while (!token.isEmpty());
        assertThat(paged).containsExactlyElementsOf(made.stream().map(File::getName).toList());

        for (String bad : List.of("colour = \"red\"", "size_bytes > \"1\"", "folder = \"nope\"", "visibility = \"SECRET\"",
                                  "tag = \"a\" OR tag = \"b\"")) {
            final var error = failure(() -> names(blocking, bad, ""));
            assertThat(code(error)).as(bad).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(badRequest(error).getFieldViolations(0).getField()).as(bad).isEqualTo("filter");
        }
        assertThat(code(failure(() -> blocking.listFiles(ListFilesRequest.newBuilder().setPageToken(paged.get(0)).build()))))
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
    }

    @Test
    void anUpdateChangesWhatItsMaskNames() {
        final File file = upload(owner, meta("draft.txt").setFile(File.newBuilder().setFilename("draft.txt")
                .addTags("old")).build(), bytes(10, 5));
        final Folder folder = ownerBlocking.createFolder(CreateFolderRequest.newBuilder()
                .setFolder(Folder.newBuilder().setDisplayName("Moved " + UUID.randomUUID())).build()).getFolder();
        final File changed = ownerBlocking.updateFile(UpdateFileRequest.newBuilder()
                .setFile(File.newBuilder().setName(file.getName()).setFilename("final.txt").setFolder(folder.getName())
                             .addTags("new").setVisibility(Visibility.VISIBILITY_PUBLIC))
                .setUpdateMask(FieldMask.newBuilder().addPaths("filename").addPaths("folder").addPaths("tags")).build())
                .getFile();
        assertThat(changed.getFilename()).isEqualTo("final.txt");
        assertThat(changed.getFolder()).isEqualTo(folder.getName());
        assertThat(changed.getTagsList()).containsExactly("new");
        assertThat(changed.getVisibility()).as("not in the mask").isEqualTo(Visibility.VISIBILITY_PRIVATE);
        assertThat(changed.getSizeBytes()).isEqualTo(10);

        final var clearName = failure(() -> ownerBlocking.updateFile(UpdateFileRequest.newBuilder()
                .setFile(File.newBuilder().setName(file.getName()))
                .setUpdateMask(FieldMask.newBuilder().addPaths("filename")).build()));
        assertThat(badRequest(clearName).getFieldViolations(0).getField()).isEqualTo("file.filename");

        final Folder foreign = storage.blocking(storage.token(storage.newUser())).createFolder(CreateFolderRequest
                .newBuilder().setFolder(Folder.newBuilder().setDisplayName("Theirs")).build()).getFolder();
        final var intoForeign = failure(() -> ownerBlocking.updateFile(UpdateFileRequest.newBuilder()
                .setFile(File.newBuilder().setName(file.getName()).setFolder(foreign.getName())).build()));
        assertThat(badRequest(intoForeign).getFieldViolations(0).getField()).isEqualTo("file.folder");
    }

    @Test
    void aDeletedFileIsGoneWithItsBytes() throws Exception {
        final File file = upload(owner, meta("gone.txt").build(), bytes(100, 6));
        assertThat(storage.stored(file.getId())).isTrue();
        ownerBlocking.deleteFile(DeleteFileRequest.newBuilder().setName(file.getName()).build());
        assertThat(storage.stored(file.getId())).isFalse();
        assertThat(code(failure(() -> ownerBlocking.getFile(GetFileRequest.newBuilder().setName(file.getName()).build()))))
                .isEqualTo(Status.Code.NOT_FOUND);
    }

    @Test
    void aRowWhoseBytesAreMissingIsNeverServedAsEmpty() throws Exception {
        final File file = upload(owner, meta("lost.bin").build(), bytes(1000, 7));
        storage.store().delete(file.getId());
        final var lost = failure(() -> download(ownerBlocking, file.getName(), 0, 0));
        assertThat(code(lost)).isEqualTo(Status.Code.DATA_LOSS);
        assertThat(errorInfo(lost).getReason()).isEqualTo("FILE_BYTES_MISSING");
    }

    @Test
    void foldersNestWithoutCyclesAndAreDeletedWithForce() throws Exception {
        final String me = storage.newUser();
        final StorageServiceBlockingStub blocking = storage.blocking(storage.token(me));
        final StorageServiceStub stub = storage.async(storage.token(me));
        final Folder top = folder(blocking, "Top", "");
        final Folder child = folder(blocking, "Child", top.getName());
        final Folder grandchild = folder(blocking, "Grandchild", child.getName());

        final var same = failure(() -> folder(blocking, "top", ""));
        assertThat(code(same)).isEqualTo(Status.Code.ALREADY_EXISTS);
        assertThat(folder(blocking, "Top", child.getName()).getParent()).isEqualTo(child.getName());

        final var cycle = failure(() -> blocking.updateFolder(UpdateFolderRequest.newBuilder()
                .setFolder(Folder.newBuilder().setName(top.getName()).setParent(grandchild.getName())).build()));
        assertThat(code(cycle)).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(badRequest(cycle).getFieldViolations(0).getField()).isEqualTo("folder.parent");
        final var itself = failure(() -> blocking.updateFolder(UpdateFolderRequest.newBuilder()
                .setFolder(Folder.newBuilder().setName(top.getName()).setParent(top.getName())).build()));
        assertThat(code(itself)).isEqualTo(Status.Code.INVALID_ARGUMENT);

        final Folder renamed = blocking.updateFolder(UpdateFolderRequest.newBuilder()
                .setFolder(Folder.newBuilder().setName(grandchild.getName()).setDisplayName("Moved").setParent(""))
                .setUpdateMask(FieldMask.newBuilder().addPaths("display_name").addPaths("parent")).build()).getFolder();
        assertThat(renamed.getParent()).isEmpty();
        assertThat(renamed.getDisplayName()).isEqualTo("Moved");
        assertThat(blocking.listFolders(ListFoldersRequest.newBuilder().setFilter("parent = \"\"").build())
                           .getFoldersList()).extracting(Folder::getDisplayName).containsExactly("Moved", "Top");

        // depth: 32 levels at most
        Folder deepest = top;
        for (int depth = 2; depth <= 32; depth++) {
            deepest = folder(blocking, "d" + depth, deepest.getName());
        }
        final Folder last = deepest;
        assertThat(code(failure(() -> folder(blocking, "d33", last.getName())))).isEqualTo(Status.Code.INVALID_ARGUMENT);

        final File inside = upload(stub, meta("").setFile(File.newBuilder().setFilename("in.txt")
                                                              .setFolder(child.getName())).build(), bytes(10, 8));
        final var notEmpty = failure(() -> blocking.deleteFolder(DeleteFolderRequest.newBuilder()
                                                                                    .setName(top.getName()).build()));
        assertThat(code(notEmpty)).isEqualTo(Status.Code.FAILED_PRECONDITION);
        blocking.deleteFolder(DeleteFolderRequest.newBuilder().setName(top.getName()).setForce(true).build());
        assertThat(code(failure(() -> blocking.getFolder(GetFolderRequest.newBuilder().setName(child.getName()).build()))))
                .isEqualTo(Status.Code.NOT_FOUND);
        assertThat(code(failure(() -> blocking.getFile(GetFileRequest.newBuilder().setName(inside.getName()).build()))))
                .isEqualTo(Status.Code.NOT_FOUND);
        assertThat(storage.stored(inside.getId())).isFalse();
        blocking.deleteFolder(DeleteFolderRequest.newBuilder().setName(renamed.getName()).build());
    }

    private static Folder folder(StorageServiceBlockingStub stub, String name, String parent) {
        return stub.createFolder(CreateFolderRequest.newBuilder()
                                                    .setFolder(Folder.newBuilder().setDisplayName(name).setParent(parent))
                                                    .build()).getFolder();
    }

    private static List<String> names(StorageServiceBlockingStub stub, String filter, String orderBy) {
        return stub.listFiles(ListFilesRequest.newBuilder().setFilter(filter).setOrderBy(orderBy).setPageSize(1000).build())
                   .getFilesList().stream().map(File::getName).toList();
    }

    private long files() {
        return jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM files").mapTo(Long.class).one());
    }

    private long pending() {
        return jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM pending_uploads").mapTo(Long.class).one());
    }
}
