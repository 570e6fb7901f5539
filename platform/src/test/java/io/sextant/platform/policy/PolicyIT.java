package io.sextant.platform.policy;

import static io.sextant.platform.testing.GrpcErrors.errorInfo;
import static io.sextant.platform.testing.GrpcErrors.failure;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.sextant.auth.v1.AuthServiceGrpc;
import io.sextant.auth.v1.LoginRequest;
import io.sextant.auth.v1.LoginResponse;
import io.sextant.platform.identity.RevocationSet;
import io.sextant.platform.identity.TokenVerifier;
import io.sextant.platform.server.SextantServer;
import io.sextant.platform.testing.TestKeys;
import io.sextant.platform.testing.TestServers;
import io.sextant.users.v1.GetUserGrantsRequest;
import io.sextant.users.v1.GetUserGrantsResponse;
import io.sextant.users.v1.ListUsersRequest;
import io.sextant.users.v1.ListUsersResponse;
import io.sextant.users.v1.ProvisionUserRequest;
import io.sextant.users.v1.ProvisionUserResponse;
import io.sextant.users.v1.UsersServiceGrpc;

/**
 * The policy the contracts declare (sextant.api.v1.policy), enforced by a real server of the
 * platform before the service's code runs: a public RPC reached without a token, a plain permission
 * refused without it, and an internal RPC's callers checked by their service token. Services here
 * check nothing themselves; they count the calls that reach them.
 */
class PolicyIT {

    private static final TestKeys KEY = TestKeys.generate("key-1");
    private static final AtomicInteger REACHED = new AtomicInteger();

    /** Answers everything it is reached with; checks nothing. */
    static final class OpenUsers extends UsersServiceGrpc.UsersServiceImplBase {
        @Override
        public void listUsers(ListUsersRequest request, StreamObserver<ListUsersResponse> response) {
            REACHED.incrementAndGet();
            response.onNext(ListUsersResponse.getDefaultInstance());
            response.onCompleted();
        }

        @Override
        public void getUserGrants(GetUserGrantsRequest request, StreamObserver<GetUserGrantsResponse> response) {
            REACHED.incrementAndGet();
            response.onNext(GetUserGrantsResponse.getDefaultInstance());
            response.onCompleted();
        }

        @Override
        public void provisionUser(ProvisionUserRequest request, StreamObserver<ProvisionUserResponse> response) {
            REACHED.incrementAndGet();
            response.onNext(ProvisionUserResponse.newBuilder().setCreated(true).build());
            response.onCompleted();
        }
    }

    /** Login, public by its contract. */
    static final class OpenAuth extends AuthServiceGrpc.AuthServiceImplBase {
        @Override
        public void login(LoginRequest request, StreamObserver<LoginResponse> response) {
            REACHED.incrementAndGet();
            response.onNext(LoginResponse.getDefaultInstance());
            response.onCompleted();
        }
    }

    private static SextantServer server;

    @BeforeAll
    static void start() {
        final TokenVerifier verifier = new TokenVerifier(Map.of(KEY.kid(), KEY.publicKey())::get,
                                                         new RevocationSet(Clock.systemUTC()), Clock.systemUTC());
        server = SextantServer.builder(TestServers.config("users"))
                              .grpcService(new OpenUsers())
                              .grpcService(new OpenAuth())
                              .verifier(verifier)
                              .build()
                              .start();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void reset() {
        REACHED.set(0);
    }

    private static String user(List<String> permissions) {
        return KEY.sign(KEY.userToken("user-1").withClaim("permissions", permissions));
    }

    private static String service(String subject, List<String> permissions) {
        return KEY.sign(KEY.userToken(subject).withClaim("kind", "service").withClaim("username", "")
                           .withClaim("sid", "").withClaim("permissions", permissions));
    }

    private static UsersServiceGrpc.UsersServiceBlockingStub users(String token) {
        final var builder = TestServers.grpc(server.port());
        if (token != null) {
            builder.addHeader("authorization", "Bearer " + token);
        }
        return builder.build(UsersServiceGrpc.UsersServiceBlockingStub.class);
    }

    private static ProvisionUserRequest provision() {
        return ProvisionUserRequest.newBuilder().setId("0b9f6a52-3f43-4c1d-9c7a-2f7f4b1e8d11").setUsername("grace")
                                   .setEmail("grace@policy.test").build();
    }

    @Test
    void aPublicRpcIsReachedWithoutAToken() {
        final var auth = TestServers.grpc(server.port()).build(AuthServiceGrpc.AuthServiceBlockingStub.class);
        auth.login(LoginRequest.newBuilder().setUsername("alice").setPassword("pw").build());
        final var stale = TestServers.grpc(server.port()).addHeader("authorization", "Bearer garbage")
                                     .build(AuthServiceGrpc.AuthServiceBlockingStub.class);
        stale.login(LoginRequest.newBuilder().setUsername("alice").setPassword("pw").build());
        assertThat(REACHED).hasValue(2);
    }

    @Test
    void aPermissionRpcIsRefusedWithoutThePermissionBeforeTheServiceRuns() {
        final StatusRuntimeException denied = failure(() -> users(user(List.of("files.read")))
                .listUsers(ListUsersRequest.getDefaultInstance()));
        assertThat(denied.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(errorInfo(denied).getReason()).isEqualTo("PERMISSION_DENIED");
        assertThat(errorInfo(denied).getDomain()).isEqualTo("users.sextant.io");
        assertThat(denied.getStatus().getDescription()).isEqualTo("this call needs the permission 'users.read'");

        final StatusRuntimeException anonymous = failure(() -> users(null).listUsers(ListUsersRequest.getDefaultInstance()));
        assertThat(anonymous.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(errorInfo(anonymous).getReason()).isEqualTo("TOKEN_MISSING");
        assertThat(REACHED).as("the service's code never ran").hasValue(0);

        users(user(List.of("users.*"))).listUsers(ListUsersRequest.getDefaultInstance());
        assertThat(REACHED).hasValue(1);
    }

    @Test
    void anInternalRpcRequiringAServiceIdentityTakesOnlyTheListedServicesOwnToken() {
        // ProvisionUser: callers [auth], require_service_identity, users.write
        for (String token : List.of(user(List.of("*")), service("api-keys/42", List.of("*")),
                                    service("services/storage", List.of("*")))) {
            final StatusRuntimeException e = failure(() -> users(token).provisionUser(provision()));
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(e.getStatus().getDescription()).isEqualTo("ProvisionUser is for the auth service only");
        }
        // auth's token without the permission is refused for the permission
        final StatusRuntimeException unpermitted = failure(() -> users(service("services/auth", List.of("users.read")))
                .provisionUser(provision()));
        assertThat(unpermitted.getStatus().getDescription()).isEqualTo("this call needs the permission 'users.write'");
        assertThat(REACHED).hasValue(0);

        assertThat(users(service("services/auth", List.of("users.write"))).provisionUser(provision()).getCreated()).isTrue();
        assertThat(REACHED).hasValue(1);
    }

    @Test
    void anInternalRpcRefusesTheOwnTokenOfAServiceItDoesNotList() {
        // GetUserGrants: callers [auth], users.read; a user's token is left to Istio as to its sender
        final GetUserGrantsRequest request = GetUserGrantsRequest.newBuilder().setName("users/0b9f6a52-3f43-4c1d-9c7a-2f7f4b1e8d12").build();
        final StatusRuntimeException e = failure(() -> users(service("services/storage", List.of("users.read")))
                .getUserGrants(request));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(e.getStatus().getDescription()).isEqualTo("GetUserGrants is not for the storage service");
        assertThat(REACHED).hasValue(0);

        users(service("services/auth", List.of("users.read"))).getUserGrants(request);
        users(user(List.of("users.read"))).getUserGrants(request);
        assertThat(REACHED).hasValue(2);
    }
}
