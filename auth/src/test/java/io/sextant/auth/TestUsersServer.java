package io.sextant.auth;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.grpc.GrpcService;

import io.grpc.stub.StreamObserver;
import io.sextant.users.v1.GetUserGrantsRequest;
import io.sextant.users.v1.GetUserGrantsResponse;
import io.sextant.users.v1.ProvisionUserRequest;
import io.sextant.users.v1.ProvisionUserResponse;
import io.sextant.users.v1.User;
import io.sextant.users.v1.UsersServiceGrpc;

/**
 * A small real gRPC server in the place of the users service: grants come from a map the test
 * controls (a user absent from it holds the role {@code user}, active), ProvisionUser calls are
 * recorded (idempotently by id, like users), and it can be stopped and started again on the same
 * port to be "down".
 */
final class TestUsersServer implements AutoCloseable {

    /** A ProvisionUser call and the Authorization header it came with. */
    record Provisioned(ProvisionUserRequest request, String authorization) {}

    /** Grants by user id. */
    final Map<String, GetUserGrantsResponse> grants = new ConcurrentHashMap<>();
    /** The first ProvisionUser call of each user id. */
    final Map<String, Provisioned> provisioned = new ConcurrentHashMap<>();
    /** Every Authorization header GetUserGrants was called with. */
    final List<String> grantCallers = new CopyOnWriteArrayList<>();

    private volatile Server server;
    private int port;

    TestUsersServer start() {
        server = Server.builder()
                       .http(port)
                       .service(GrpcService.builder().addService(new Users()).build())
                       .build();
        server.start().join();
        port = server.activeLocalPort();
        return this;
    }

    void stop() {
        server.stop().join();
    }

    String target() {
        return "127.0.0.1:" + port;
    }

    static GetUserGrantsResponse grants(List<String> roles, List<String> permissions, boolean active) {
        return GetUserGrantsResponse.newBuilder().addAllRoleIds(roles).addAllPermissions(permissions).setActive(active)
                                    .build();
    }

    @Override
    public void close() {
        stop();
    }

    private final class Users extends UsersServiceGrpc.UsersServiceImplBase {

        @Override
        public void getUserGrants(GetUserGrantsRequest request, StreamObserver<GetUserGrantsResponse> response) {
            grantCallers.add(authorization());
            final String id = request.getName().substring("users/".length());
            response.onNext(grants.getOrDefault(id, grants(List.of("user"), List.of(), true)));
            response.onCompleted();
        }

        @Override
        public void provisionUser(ProvisionUserRequest request, StreamObserver<ProvisionUserResponse> response) {
            final boolean created = provisioned.putIfAbsent(request.getId(), new Provisioned(request, authorization())) == null;
            response.onNext(ProvisionUserResponse.newBuilder()
                                                 .setUser(User.newBuilder().setName("users/" + request.getId())
                                                              .setUsername(request.getUsername())
                                                              .setEmail(request.getEmail()))
                                                 .setCreated(created)
                                                 .build());
            response.onCompleted();
        }

        private String authorization() {
            return ServiceRequestContext.current().request().headers().get(HttpHeaderNames.AUTHORIZATION);
        }
    }
}
