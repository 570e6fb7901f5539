package io.sextant.notification;

import io.grpc.ServiceDescriptor;
import io.sextant.notification.v1.NotificationServiceGrpc;
import io.sextant.platform.config.Env;
import io.sextant.platform.server.SextantServer;
import io.sextant.platform.testing.NotBuiltServiceContract;

/** The notification service starts on its own database and serves its contract, saying plainly what is not built. */
class NotificationServerIT extends NotBuiltServiceContract {

    @Override
    protected SextantServer newServer(Env env) {
        return NotificationServer.newServer(NotificationServer.readConfig(env));
    }

    @Override
    protected ServiceDescriptor contract() {
        return NotificationServiceGrpc.getServiceDescriptor();
    }

    @Override
    protected String serviceName() {
        return "notification";
    }
}
