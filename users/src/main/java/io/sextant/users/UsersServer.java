package io.sextant.users;

import java.time.Duration;

import io.sextant.auth.v1.AuthServiceGrpc;
import io.sextant.platform.config.Env;
import io.sextant.platform.config.Targets;
import io.sextant.platform.config.CommonConfig;
import io.sextant.platform.db.Database;
import io.sextant.platform.grpc.ServiceClient;
import io.sextant.platform.identity.TokenVerifier;
import io.sextant.platform.server.SextantServer;
import io.sextant.storage.v1.StorageServiceGrpc;

/**
 * Wires the users service: what {@link UsersMain} runs and what the tests start. It owns its
 * database (migrated at start), verifies callers' tokens against auth's keys and revocations
 * (AUTH_TARGET), and calls auth (with the caller's token) to create and disable accounts, and
 * storage (STORAGE_TARGET, with the caller's token) to check a new avatar.
 */
public final class UsersServer {

    public static final int DEFAULT_PORT = 8002;
    /** The deadline of each call to auth. */
    static final Duration AUTH_DEADLINE = Duration.ofSeconds(5);
    /** The deadline of each call to storage (the check of a new avatar). */
    static final Duration STORAGE_DEADLINE = Duration.ofSeconds(5);
    /** Where storage is unless STORAGE_TARGET says: host:port, a list, or dns:///. */
    static final String DEFAULT_STORAGE_TARGET = "localhost:8004";

    private UsersServer() {}

    /** The service's settings from the environment (PORT defaults to 8002). */
    public static CommonConfig readConfig(Env env) {
        final CommonConfig config = CommonConfig.read("users", DEFAULT_PORT, env);
        Targets.check(env, "STORAGE_TARGET", storageTarget(env));
        env.check();
        return config;
    }

    /** Opens (and migrates) the users database and builds the server; {@code start()} it. */
    public static SextantServer newServer(CommonConfig config) {
        return newServer(config, null);
    }

    /**
     * As {@link #newServer(CommonConfig)}, verifying tokens with {@code verifier} instead of auth's
     * published keys and revocations (when it is null, those).
     */
    public static SextantServer newServer(CommonConfig config, TokenVerifier verifier) {
        final SextantServer.Builder builder = SextantServer.builder(config);
        final Database db = Database.open("users", config.db(), builder.registry());
        builder.database(db);
        // the platform's call policy toward auth (AUTH_TARGET: host:port, a list, or dns:///)
        final ServiceClient auth = ServiceClient.builder("auth", config.authTarget(), AuthServiceGrpc.getServiceDescriptor())
                                                .deadline(AUTH_DEADLINE)
                                                .build();
        builder.closeOnStop(auth);
        // storage (STORAGE_TARGET), asked with the caller's token whether a new avatar may be one
        final ServiceClient storage = ServiceClient.builder("storage", storageTarget(config.env()),
                                                            StorageServiceGrpc.getServiceDescriptor())
                                                   .deadline(STORAGE_DEADLINE)
                                                   .build();
        builder.closeOnStop(storage);
        final AuthAccounts accounts = new AuthAccounts(auth.stub(AuthServiceGrpc.AuthServiceBlockingStub.class));
        final AvatarFiles avatars = new AvatarFiles(storage.stub(StorageServiceGrpc.StorageServiceBlockingStub.class));
        builder.grpcService(new UsersServiceImpl(new Profiles(db.jdbi(), accounts, avatars), new RoleGrants(db.jdbi(), accounts),
                                                 new Roles(db.jdbi(), accounts)));
        if (verifier == null) {
            builder.remoteIdentity();
        } else {
            builder.verifier(verifier);
        }
        return builder.build();
    }

    private static String storageTarget(Env env) {
        return env.string("STORAGE_TARGET", DEFAULT_STORAGE_TARGET);
    }
}
