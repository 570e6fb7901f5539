package io.sextant.users;

import io.sextant.users.v1.UsersServiceGrpc;
import io.sextant.platform.config.Env;
import io.sextant.platform.config.ServiceConfig;
import io.sextant.platform.grpc.NotBuiltYet;
import io.sextant.platform.server.SextantServer;

/**
 * Wires the users service: what {@link UsersMain} runs and what the tests start. It owns its
 * database (migrated at start) and serves its contract, health, metrics and docs; its RPCs are
 * built by issue #3 (users: profiles, RBAC, list and search) and answer UNIMPLEMENTED (NOT_BUILT_YET) until then.
 */
public final class UsersServer {

    public static final int DEFAULT_PORT = 8002;

    private UsersServer() {}

    /** The service's settings from the environment (PORT defaults to 8002). */
    public static ServiceConfig readConfig(Env env) {
        final ServiceConfig config = ServiceConfig.read("users", DEFAULT_PORT, env);
        env.check();
        return config;
    }

    public static SextantServer newServer(ServiceConfig config) {
        return NotBuiltYet.server(config, new UsersServiceGrpc.UsersServiceImplBase() { }, "issue #3 (users: profiles, RBAC, list and search)");
    }
}
