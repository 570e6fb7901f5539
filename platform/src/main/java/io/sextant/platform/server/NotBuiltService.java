package io.sextant.platform.server;

import java.util.Map;

import io.grpc.BindableService;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.sextant.platform.config.Env;
import io.sextant.platform.config.CommonConfig;
import io.sextant.platform.db.Database;
import io.sextant.platform.error.Errors;
import io.sextant.platform.error.GrpcErrorMapper;

/**
 * The one skeleton of a service whose contract is published but whose behaviour is not built yet:
 * its server owns its database (migrated at start) and serves its contract (routes, docs,
 * validation), health, metrics and docs, and every RPC answers UNIMPLEMENTED (501 through the
 * gateway) with ErrorInfo reason {@code NOT_BUILT_YET} and a message that names the issue that
 * builds it. A service's issue replaces it with the service's own {@code newServer(config)}.
 *
 * @param name        the service's name (its database, metrics and error domain), e.g. {@code "storage"}
 * @param defaultPort PORT when the environment does not set it
 * @param contract    the generated base class of the service, e.g. {@code new StorageServiceImplBase() { }}
 * @param plannedIn   where the RPCs get built, e.g. "the storage issue (files, folders, sharing)"
 */
public record NotBuiltService(String name, int defaultPort, BindableService contract, String plannedIn) {

    /** The service's settings from the environment (PORT defaults to {@link #defaultPort()}). */
    public CommonConfig readConfig(Env env) {
        final CommonConfig config = CommonConfig.read(name, defaultPort, env);
        env.check();
        return config;
    }

    /** The server, not started: what the service's main runs and what the tests start. */
    public SextantServer newServer(CommonConfig config) {
        final SextantServer.Builder builder = SextantServer.builder(config);
        final Database db = Database.open(config.serviceName(), config.db(), builder.registry());
        return builder.database(db)
                      .grpcService(notBuilt(config.serviceName() + ".sextant.io"))
                      .build();
    }

    /** The gRPC service descriptor of the contract. */
    public ServiceDescriptor descriptor() {
        return contract.bindService().getServiceDescriptor();
    }

    private ServerServiceDefinition notBuilt(String domain) {
        return ServerInterceptors.intercept(contract.bindService(), new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                               ServerCallHandler<Q, R> next) {
                final String method = call.getMethodDescriptor().getFullMethodName();
                return GrpcErrorMapper.closeCall(call, Errors.of(
                        Status.Code.UNIMPLEMENTED, "NOT_BUILT_YET",
                        method + " is part of the contract but not built yet; it arrives with " + plannedIn,
                        Map.of("method", method)), domain);
            }
        });
    }

    @Override
    public String toString() {
        return name;
    }
}
