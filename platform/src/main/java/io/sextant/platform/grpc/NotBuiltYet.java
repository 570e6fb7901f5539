package io.sextant.platform.grpc;

import java.util.Map;

import io.grpc.BindableService;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.sextant.platform.config.ServiceConfig;
import io.sextant.platform.db.Database;
import io.sextant.platform.error.Errors;
import io.sextant.platform.error.GrpcErrorMapper;
import io.sextant.platform.server.SextantServer;

/**
 * The contract of a service whose behaviour is not built yet: every RPC answers UNIMPLEMENTED (501
 * through the gateway) with ErrorInfo reason {@code NOT_BUILT_YET} and a message that says so and
 * names the issue that builds it. The contract itself (routes, docs, validation) is already served.
 */
public final class NotBuiltYet {

    private NotBuiltYet() {}

    /**
     * The server of a service that owns its database (migrated at start) and serves its contract,
     * health, metrics and docs, with every RPC answering NOT_BUILT_YET.
     */
    public static SextantServer server(ServiceConfig config, BindableService service, String plannedIn) {
        final SextantServer.Builder builder = SextantServer.builder(config);
        final Database db = Database.open(config.serviceName(), config.db(), builder.registry());
        return builder.database(db)
                      .grpcService(service(service, config.serviceName(), plannedIn))
                      .build();
    }

    /**
     * @param service  the generated base class of the service, e.g. {@code new UsersServiceImplBase() {}}
     * @param plannedIn where the RPCs get built, e.g. "issue #3 (users service)"
     */
    public static ServerServiceDefinition service(BindableService service, String serviceName, String plannedIn) {
        final String domain = serviceName + ".sextant.io";
        return ServerInterceptors.intercept(service.bindService(), new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                               ServerCallHandler<Q, R> next) {
                final String method = call.getMethodDescriptor().getFullMethodName();
                final var status = GrpcErrorMapper.toStatusException(
                        Errors.of(Status.Code.UNIMPLEMENTED, "NOT_BUILT_YET",
                                  method + " is part of the contract but not built yet; it arrives with " + plannedIn,
                                  Map.of("method", method)),
                        domain);
                call.close(status.getStatus(), status.getTrailers() == null ? new Metadata() : status.getTrailers());
                return new ServerCall.Listener<>() { };
            }
        });
    }
}
