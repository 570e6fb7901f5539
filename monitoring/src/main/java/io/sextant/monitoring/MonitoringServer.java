package io.sextant.monitoring;

import io.sextant.monitoring.v1.MonitoringServiceGrpc;
import io.sextant.platform.server.NotBuiltService;

/**
 * Wires the monitoring service: what {@link MonitoringMain} runs and what the tests start. Until the monitoring
 * issue builds its RPCs (logs, registry, alerts, dashboard), it is the platform's skeleton: its own database, its contract,
 * health, metrics and docs, and every RPC answering UNIMPLEMENTED (NOT_BUILT_YET).
 */
public final class MonitoringServer {

    /** The service on PORT (8005 by default). */
    public static final NotBuiltService SERVICE = new NotBuiltService(
            "monitoring", 8005, new MonitoringServiceGrpc.MonitoringServiceImplBase() { }, "the monitoring issue (logs, registry, alerts, dashboard)");

    private MonitoringServer() {}
}
