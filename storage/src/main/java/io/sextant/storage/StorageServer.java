package io.sextant.storage;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import io.sextant.platform.config.Env;
import io.sextant.platform.db.Database;
import io.sextant.platform.grpc.ServiceClient;
import io.sextant.platform.identity.ServiceIdentity;
import io.sextant.platform.identity.TokenVerifier;
import io.sextant.platform.jobs.ScheduledJobs;
import io.sextant.platform.outbox.OutboxRelay;
import io.sextant.platform.server.SextantServer;
import io.sextant.storage.bytes.ByteStore;
import io.sextant.storage.bytes.LocalByteStore;
import io.sextant.storage.bytes.S3ByteStore;
import io.sextant.storage.bytes.S3Settings;
import io.sextant.storage.thumbs.Thumbnailer;
import io.sextant.users.v1.UsersServiceGrpc;

/**
 * Wires the storage service: what {@link StorageMain} runs and what the tests start. It owns its
 * database (migrated at start) and its byte store (STORAGE_BACKEND), verifies callers' tokens
 * against auth's keys and revocations, checks grantees with the users service as itself
 * ({@link ServiceIdentity}: SERVICE_SECRET exchanged at auth), sweeps abandoned uploads, and makes
 * thumbnails of stored images from its outbox ({@link Thumbnails}).
 */
public final class StorageServer {

    private StorageServer() {}

    /** The service's settings from the environment (PORT defaults to 8004). */
    public static StorageConfig readConfig(Env env) {
        return StorageConfig.read(env);
    }

    /** Opens (and migrates) the database and the byte store and builds the server; {@code start()} it. */
    public static SextantServer newServer(StorageConfig config) {
        return newServer(config, null);
    }

    /**
     * As {@link #newServer(StorageConfig)}, verifying tokens with {@code verifier} instead of auth's
     * published keys and revocations (when it is null, those).
     */
    public static SextantServer newServer(StorageConfig config, TokenVerifier verifier) {
        final SextantServer.Builder builder = SextantServer.builder(config.common());
        // the byte store first: a wrong bucket stops the start before anything else is opened
        final ByteStore bytes = byteStore(config);
        final Database db;
        try {
            db = Database.open("storage", config.common().db(), builder.registry());
        } catch (RuntimeException e) {
            closeQuietly(bytes);
            throw e;
        }
        builder.database(db);
        builder.closeOnStop(bytes);

        final ServiceClient users = ServiceClient.builder("users", config.usersTarget(),
                                                          UsersServiceGrpc.getServiceDescriptor())
                                                 .deadline(config.usersDeadline())
                                                 .build();
        builder.closeOnStop(users);
        // grantees are checked as services/storage, not with the caller's token
        final ServiceIdentity identity = ServiceIdentity.exchanging("storage", config.secret(),
                                                                    config.common().authTarget(), Clock.systemUTC());
        builder.closeOnStop(identity);

        final Quotas quotas = new Quotas(db.jdbi(), config.quotaBytes(), config.quotaFiles());
        final FileCatalog catalog = new FileCatalog(db.jdbi(), bytes, quotas);
        final Sweeper sweeper = new Sweeper(db.jdbi(), bytes, quotas, config.pendingGrace(), builder.registry());
        final ScheduledJobs jobs = ScheduledJobs.on("storage-jobs")
                .every("sweep-uploads", config.sweepInterval(), config.sweepInterval(), sweeper::sweep)
                .every("check-bytes", Duration.ofMinutes(1).compareTo(config.checkInterval()) < 0
                                      ? Duration.ofMinutes(1) : config.checkInterval(),
                       config.checkInterval(), sweeper::checkBytes)
                .every("purge-request-ids", Duration.ofMinutes(10), Duration.ofHours(1), sweeper::purgeRequestIds);
        builder.closeOnStop(jobs);
        // the relay stops first (closed in reverse order), then the thumbnail threads it waits on
        final Thumbnails thumbnails = new Thumbnails(db.jdbi(), bytes, new Thumbnailer(config.thumbnails()),
                                                     builder.registry());
        builder.closeOnStop(thumbnails);
        builder.closeOnStop(new OutboxRelay("storage", db.jdbi(), Map.of(Uploads.FILE_UPLOADED, thumbnails),
                                            Duration.ofMillis(500), builder.registry()).start());
        builder.grpcService(new StorageServiceImpl(
                new Uploads(db.jdbi(), bytes, quotas, config.maxFileBytes()),
                new Downloads(db.jdbi(), bytes, builder.registry()), catalog,
                new Folders(db.jdbi(), catalog, quotas), new Grants(db.jdbi(), new UserDirectory(users, identity)),
                new ShareLinks(db.jdbi(), config.publicUrl()), quotas));
        if (verifier == null) {
            builder.remoteIdentity();
        } else {
            builder.verifier(verifier);
        }
        return builder.build();
    }

    /** The byte store STORAGE_BACKEND names. */
    static ByteStore byteStore(StorageConfig config) {
        return switch (config.backend()) {
            case "local" -> new LocalByteStore(config.directory());
            case "s3" -> verified(config.s3());
            default -> throw new IllegalStateException("STORAGE_BACKEND=" + config.backend() + " is not local or s3");
        };
    }

    /** The S3 store, once its bucket answered: a wrong bucket, endpoint or key stops the start here. */
    private static S3ByteStore verified(S3Settings settings) {
        final S3ByteStore store = S3ByteStore.open(settings);
        try {
            store.verify();
            return store;
        } catch (IOException | RuntimeException e) {
            closeQuietly(store);
            throw new IllegalStateException("Cannot start with STORAGE_BACKEND=s3: " + e.getMessage(), e);
        }
    }

    private static void closeQuietly(ByteStore bytes) {
        try {
            bytes.close();
        } catch (IOException | RuntimeException e) {
            // the start fails anyway, with the first error
        }
    }
}
