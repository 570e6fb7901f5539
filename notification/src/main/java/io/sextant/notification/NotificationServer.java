package io.sextant.notification;

import io.sextant.notification.v1.NotificationServiceGrpc;
import io.sextant.platform.config.Env;
import io.sextant.platform.config.ServiceConfig;
import io.sextant.platform.grpc.NotBuiltYet;
import io.sextant.platform.server.SextantServer;

/**
 * Wires the notification service: what {@link NotificationMain} runs and what the tests start. It owns its
 * database (migrated at start) and serves its contract, health, metrics and docs; its RPCs are
 * built by the notification issue (channels, templates, delivery) and answer UNIMPLEMENTED (NOT_BUILT_YET) until then.
 */
public final class NotificationServer {

    public static final int DEFAULT_PORT = 8003;

    private NotificationServer() {}

    /** The service's settings from the environment (PORT defaults to 8003). */
    public static ServiceConfig readConfig(Env env) {
        final ServiceConfig config = ServiceConfig.read("notification", DEFAULT_PORT, env);
        env.check();
        return config;
    }

    public static SextantServer newServer(ServiceConfig config) {
        return NotBuiltYet.server(config, new NotificationServiceGrpc.NotificationServiceImplBase() { }, "the notification issue (channels, templates, delivery)");
    }
}
