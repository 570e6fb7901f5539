package io.sextant.storage;

import io.sextant.storage.v1.StorageServiceGrpc;
import io.sextant.platform.config.Env;
import io.sextant.platform.config.ServiceConfig;
import io.sextant.platform.grpc.NotBuiltYet;
import io.sextant.platform.server.SextantServer;

/**
 * Wires the storage service: what {@link StorageMain} runs and what the tests start. It owns its
 * database (migrated at start) and serves its contract, health, metrics and docs; its RPCs are
 * built by the storage issue (files, folders, sharing, thumbnails) and answer UNIMPLEMENTED (NOT_BUILT_YET) until then.
 */
public final class StorageServer {

    public static final int DEFAULT_PORT = 8004;

    private StorageServer() {}

    /** The service's settings from the environment (PORT defaults to 8004). */
    public static ServiceConfig readConfig(Env env) {
        final ServiceConfig config = ServiceConfig.read("storage", DEFAULT_PORT, env);
        env.check();
        return config;
    }

    public static SextantServer newServer(ServiceConfig config) {
        return NotBuiltYet.server(config, new StorageServiceGrpc.StorageServiceImplBase() { }, "the storage issue (files, folders, sharing, thumbnails)");
    }
}
