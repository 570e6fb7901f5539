package io.sextant.storage;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import com.google.protobuf.ByteString;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.sextant.platform.config.Env;
import io.sextant.platform.db.DbConfig;
import io.sextant.platform.identity.Authz;
import io.sextant.platform.identity.RevocationSet;
import io.sextant.platform.identity.TokenVerifier;
import io.sextant.platform.server.SextantServer;
import io.sextant.platform.testing.TestKeys;
import io.sextant.platform.testing.TestServers;
import io.sextant.platform.testing.TestTokenExchange;
import io.sextant.storage.bytes.ByteStore;
import io.sextant.storage.v1.ContentInfo;
import io.sextant.storage.v1.DownloadFileRequest;
import io.sextant.storage.v1.DownloadFileResponse;
import io.sextant.storage.v1.File;
import io.sextant.storage.v1.StorageServiceGrpc.StorageServiceBlockingStub;
import io.sextant.storage.v1.StorageServiceGrpc.StorageServiceStub;
import io.sextant.storage.v1.UploadFileRequest;
import io.sextant.storage.v1.UploadFileResponse;
import io.sextant.storage.v1.UploadMetadata;
import io.sextant.users.v1.GetUserRequest;
import io.sextant.users.v1.GetUserResponse;
import io.sextant.users.v1.User;
import io.sextant.users.v1.UsersServiceGrpc;

/**
 * A storage server as the ITs start it ({@link StorageServer#newServer}, tokens signed by a test key),
 * with what it talks to: auth's token exchange for its own token and a small real users service.
 */
final class StorageTesting implements AutoCloseable {

    static final String SERVICE_SECRET = "sxs_the-storage-service-secret-in-tests-000001";

    final TestKeys keys = TestKeys.generate("storage-it");
    final Set<String> knownUsers = java.util.concurrent.ConcurrentHashMap.newKeySet();
    final TestTokenExchange auth;
    final SextantServer users;
    final DbConfig db;
    final Path directory;
    final Map<String, String> settings;
    SextantServer server;
    private ByteStore store;

    StorageTesting(DbConfig db, Map<String, String> overrides) throws Exception {
        this(db, overrides, List.of("users.read"));
    }

    /** As the other, with the permissions auth gives the service's own token (users.read in a correct mesh). */
    StorageTesting(DbConfig db, Map<String, String> overrides, List<String> servicePermissions) throws Exception {
        this.db = db;
        this.directory = Files.createTempDirectory("storage-it");
        auth = new TestTokenExchange(keys, "storage", SERVICE_SECRET, servicePermissions);
        final Clock clock = Clock.systemUTC();
        users = SextantServer.builder(TestServers.config("users"))
                             .grpcService(new KnownUsers(knownUsers))
                             .verifier(new TokenVerifier(kid -> kid.equals(keys.kid()) ? keys.publicKey() : null,
                                                         new RevocationSet(clock), clock))
                             .build().start();
        settings = new HashMap<>(Map.of("PORT", "0", "SHUTDOWN_GRACE", "500ms", "DB_URL", db.url(), "DB_USER", db.user(),
                                        "USERS_TARGET", "127.0.0.1:" + users.port(), "AUTH_TARGET", auth.target(),
                                        "SERVICE_SECRET", SERVICE_SECRET, "STORAGE_DIR", directory.toString(),
                                        "PUBLIC_URL", "https://files.example.test"));
        if (!db.password().isEmpty()) {
            settings.put("DB_PASSWORD", db.password());
        }
        settings.putAll(overrides);
        server = start();
    }

    SextantServer start() {
        final Clock clock = Clock.systemUTC();
        final TokenVerifier verifier = new TokenVerifier(kid -> kid.equals(keys.kid()) ? keys.publicKey() : null,
                                                         new RevocationSet(clock), clock);
        return StorageServer.newServer(StorageServer.readConfig(Env.of(settings)), verifier).start();
    }

    /** The server's byte store as the test sees it (the same directory or bucket), opened once. */
    synchronized ByteStore store() {
        if (store == null) {
            store = StorageServer.byteStore(StorageServer.readConfig(Env.of(settings)));
        }
        return store;
    }

    /** Whether the store holds committed bytes under {@code key}. */
    boolean stored(String key) throws java.io.IOException {
        return store().exists(key);
    }

    /** How many pending writes the store held (it removes them): zero once every upload ended cleanly. */
    int sweepPartials() throws java.io.IOException {
        return store().sweep(Set.of(), 0);
    }

    /** A new user the users service knows: {@code users/<uuid>}. */
    String newUser() {
        final String id = UUID.randomUUID().toString();
        knownUsers.add(id);
        return id;
    }

    String token(String userId, String... permissions) {
        return keys.sign(keys.userToken(userId).withClaim("permissions", List.of(permissions)));
    }

    StorageServiceBlockingStub blocking(String token) {
        return TestServers.grpc(server.port()).addHeader("authorization", "Bearer " + token)
                          .build(StorageServiceBlockingStub.class);
    }

    StorageServiceBlockingStub anonymous() {
        return TestServers.grpc(server.port()).build(StorageServiceBlockingStub.class);
    }

    StorageServiceStub async(String token) {
        return TestServers.grpc(server.port()).addHeader("authorization", "Bearer " + token)
                          .build(StorageServiceStub.class);
    }

    @Override
    public void close() {
        if (store != null) {
            try {
                store.close();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        server.close();
        users.close();
        auth.close();
    }

    // ---- bytes

    static byte[] bytes(int size, long seed) {
        final byte[] data = new byte[size];
        new java.util.Random(seed).nextBytes(data);
        return data;
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static UploadMetadata.Builder meta(String filename) {
        return UploadMetadata.newBuilder().setFile(File.newBuilder().setFilename(filename));
    }

    /** Uploads the bytes in chunks of {@code chunk} after the metadata; the stored File or the call's error. */
    static File upload(StorageServiceStub stub, UploadMetadata metadata, byte[] data, int chunk) {
        final List<UploadFileRequest> messages = new ArrayList<>();
        messages.add(UploadFileRequest.newBuilder().setMetadata(metadata).build());
        for (int at = 0; at < data.length; at += chunk) {
            messages.add(UploadFileRequest.newBuilder()
                                          .setData(ByteString.copyFrom(data, at, Math.min(chunk, data.length - at)))
                                          .build());
        }
        return send(stub, messages.iterator(), true);
    }

    static File upload(StorageServiceStub stub, UploadMetadata metadata, byte[] data) {
        return upload(stub, metadata, data, 256 * 1024);
    }

    /** Sends the messages, then half-closes (or, without {@code complete}, cancels); the answer. */
    static File send(StorageServiceStub stub, Iterator<UploadFileRequest> messages, boolean complete) {
        final CompletableFuture<File> result = new CompletableFuture<>();
        final StreamObserver<UploadFileRequest> requests = stub.uploadFile(new StreamObserver<>() {
            @Override
            public void onNext(UploadFileResponse value) {
                result.complete(value.getFile());
            }

            @Override
            public void onError(Throwable t) {
                result.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                result.complete(null);
            }
        });
        while (messages.hasNext() && !result.isDone()) {
            requests.onNext(messages.next());
        }
        if (complete) {
            requests.onCompleted();
        } else {
            requests.onError(Status.CANCELLED.withDescription("the test cancels").asRuntimeException());
        }
        try {
            return result.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StatusRuntimeException status) {
                throw status;
            }
            throw new IllegalStateException(e.getCause());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A download: its info and its bytes. */
    record Downloaded(ContentInfo info, byte[] data) {}

    static Downloaded download(StorageServiceBlockingStub stub, String name, long offset, long limit) {
        final Iterator<DownloadFileResponse> stream = stub.downloadFile(
                DownloadFileRequest.newBuilder().setName(name).setReadOffset(offset).setReadLimit(limit).build());
        return collect(stream, DownloadFileResponse::getInfo, DownloadFileResponse::getData,
                       DownloadFileResponse::hasInfo);
    }

    static <T> Downloaded collect(Iterator<T> stream, java.util.function.Function<T, ContentInfo> info,
                                  java.util.function.Function<T, ByteString> data,
                                  java.util.function.Predicate<T> isInfo) {
        final T first = stream.next();
        if (!isInfo.test(first)) {
            throw new AssertionError("the first message carries no info");
        }
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (stream.hasNext()) {
            final T next = stream.next();
            final ByteString chunk = data.apply(next);
            if (chunk.size() > 1 << 20) {
                throw new AssertionError("a chunk of " + chunk.size() + " bytes");
            }
            out.writeBytes(chunk.toByteArray());
        }
        return new Downloaded(info.apply(first), out.toByteArray());
    }

    /** Users' GetUser for the users in {@code known}, for callers holding users.read (as users does). */
    private static final class KnownUsers extends UsersServiceGrpc.UsersServiceImplBase {

        private final Set<String> known;

        KnownUsers(Set<String> known) {
            this.known = known;
        }

        @Override
        public void getUser(GetUserRequest request, StreamObserver<GetUserResponse> response) {
            Authz.requireSelfOrPermission(request.getName().substring("users/".length()), "users.read");
            final String id = request.getName().substring("users/".length());
            if (!known.contains(id)) {
                response.onError(Status.NOT_FOUND.withDescription("no such user").asRuntimeException());
                return;
            }
            response.onNext(GetUserResponse.newBuilder().setUser(User.newBuilder().setName(request.getName()).setId(id))
                                           .build());
            response.onCompleted();
        }
    }
}
