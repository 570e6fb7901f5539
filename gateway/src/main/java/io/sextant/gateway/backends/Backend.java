package io.sextant.gateway.backends;

import java.util.List;
import java.util.Locale;

import io.grpc.ServiceDescriptor;
import io.sextant.auth.v1.AuthServiceGrpc;
import io.sextant.monitoring.v1.MonitoringServiceGrpc;
import io.sextant.notification.v1.NotificationServiceGrpc;
import io.sextant.storage.v1.StorageServiceGrpc;
import io.sextant.users.v1.UsersServiceGrpc;

/**
 * A service behind the gateway: its name (as {@code GET /health} lists it), its default port on
 * localhost, and the gRPC APIs it serves, which the gateway hosts as REST/JSON, gRPC and gRPC-Web.
 */
public record Backend(String name, int defaultPort, List<ServiceDescriptor> apis) {

    /** The auth service: the gateway also verifies tokens with its keys and revocations. */
    public static final Backend AUTH = new Backend("auth", 8001, List.of(AuthServiceGrpc.getServiceDescriptor()));

    /** Every service behind the gateway, in the order {@code /health} lists them. A new one is one line here. */
    public static final List<Backend> ALL = List.of(
            AUTH,
            new Backend("users", 8002, List.of(UsersServiceGrpc.getServiceDescriptor())),
            new Backend("notification", 8003, List.of(NotificationServiceGrpc.getServiceDescriptor())),
            new Backend("storage", 8004, List.of(StorageServiceGrpc.getServiceDescriptor())),
            new Backend("monitoring", 8005, List.of(MonitoringServiceGrpc.getServiceDescriptor())));

    public Backend {
        apis = List.copyOf(apis);
    }

    /** The environment variable with where the service is ({@link io.sextant.platform.grpc.TargetEndpoints}): {@code AUTH_TARGET} for auth. */
    public String targetVariable() {
        return name.toUpperCase(Locale.ROOT) + "_TARGET";
    }

    /** The environment variable with the deadline of the service's unary calls: {@code AUTH_DEADLINE} for auth. */
    public String deadlineVariable() {
        return name.toUpperCase(Locale.ROOT) + "_DEADLINE";
    }
}
