package io.sextant.monitoring;

import io.grpc.ServiceDescriptor;
import io.sextant.monitoring.v1.MonitoringServiceGrpc;
import io.sextant.platform.config.Env;
import io.sextant.platform.server.SextantServer;
import io.sextant.platform.testing.NotBuiltServiceContract;

/** The monitoring service starts on its own database and serves its contract, saying plainly what is not built. */
class MonitoringServerIT extends NotBuiltServiceContract {

    @Override
    protected SextantServer newServer(Env env) {
        return MonitoringServer.newServer(MonitoringServer.readConfig(env));
    }

    @Override
    protected ServiceDescriptor contract() {
        return MonitoringServiceGrpc.getServiceDescriptor();
    }

    @Override
    protected String serviceName() {
        return "monitoring";
    }
}
