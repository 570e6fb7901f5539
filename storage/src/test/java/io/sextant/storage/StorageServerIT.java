package io.sextant.storage;

import io.grpc.ServiceDescriptor;
import io.sextant.storage.v1.StorageServiceGrpc;
import io.sextant.platform.config.Env;
import io.sextant.platform.server.SextantServer;
import io.sextant.platform.testing.NotBuiltServiceContract;

/** The storage service starts on its own database and serves its contract, saying plainly what is not built. */
class StorageServerIT extends NotBuiltServiceContract {

    @Override
    protected SextantServer newServer(Env env) {
        return StorageServer.newServer(StorageServer.readConfig(env));
    }

    @Override
    protected ServiceDescriptor contract() {
        return StorageServiceGrpc.getServiceDescriptor();
    }

    @Override
    protected String serviceName() {
        return "storage";
    }
}
