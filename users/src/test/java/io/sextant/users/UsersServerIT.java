package io.sextant.users;

import io.grpc.ServiceDescriptor;
import io.sextant.users.v1.UsersServiceGrpc;
import io.sextant.platform.config.Env;
import io.sextant.platform.server.SextantServer;
import io.sextant.platform.testing.NotBuiltServiceContract;

/** The users service starts on its own database and serves its contract, saying plainly what is not built. */
class UsersServerIT extends NotBuiltServiceContract {

    @Override
    protected SextantServer newServer(Env env) {
        return UsersServer.newServer(UsersServer.readConfig(env));
    }

    @Override
    protected ServiceDescriptor contract() {
        return UsersServiceGrpc.getServiceDescriptor();
    }

    @Override
    protected String serviceName() {
        return "users";
    }
}
