package io.sextant.auth;

import io.sextant.platform.config.ConfigException;
import io.sextant.platform.config.Env;
import io.sextant.platform.server.SextantServer;

/** Runs the auth service on PORT (8001) against DB_URL. */
public final class AuthMain {

    private AuthMain() {}

    public static void main(String[] args) {
        final AuthConfig config;
        try {
            config = AuthConfig.read(Env.system());
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        final SextantServer server = AuthServer.newServer(config).start();
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "auth-shutdown"));
    }
}
