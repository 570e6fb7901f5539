package io.sextant.platform.server;

import java.util.function.Function;

import io.sextant.platform.config.ConfigException;
import io.sextant.platform.config.Env;

/** What every service's {@code main} does: read config from the environment, start, stop on SIGTERM. */
public final class Launcher {

    private Launcher() {}

    /**
     * Reads the configuration (a bad one ends the process with exit code 2 and a message naming
     * every wrong variable), starts the server and closes it gracefully on JVM shutdown.
     */
    public static <C> SextantServer run(Function<Env, C> readConfig, Function<C, SextantServer> newServer) {
        final C config;
        try {
            config = readConfig.apply(Env.system());
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return null;
        }
        final SextantServer server = newServer.apply(config).start();
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, server.name() + "-shutdown"));
        return server;
    }
}
