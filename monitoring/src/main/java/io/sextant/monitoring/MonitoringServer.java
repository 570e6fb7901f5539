package io.sextant.monitoring;

import io.sextant.monitoring.v1.MonitoringServiceGrpc;
import io.sextant.platform.config.Env;
import io.sextant.platform.config.ServiceConfig;
import io.sextant.platform.grpc.NotBuiltYet;
import io.sextant.platform.server.SextantServer;

/**
 * Wires the monitoring service: what {@link MonitoringMain} runs and what the tests start. It owns its
 * database (migrated at start) and serves its contract, health, metrics and docs; its RPCs are
 * built by the monitoring issue (logs, registry, alerts, dashboard) and answer UNIMPLEMENTED (NOT_BUILT_YET) until then.
 */
public final class MonitoringServer {

    public static final int DEFAULT_PORT = 8005;

    private MonitoringServer() {}

    /** The service's settings from the environment (PORT defaults to 8005). */
    public static ServiceConfig readConfig(Env env) {
        final ServiceConfig config = ServiceConfig.read("monitoring", DEFAULT_PORT, env);
        env.check();
        return config;
    }

    public static SextantServer newServer(ServiceConfig config) {
        return NotBuiltYet.server(config, new MonitoringServiceGrpc.MonitoringServiceImplBase() { }, "the monitoring issue (logs, registry, alerts, dashboard)");
    }
}
