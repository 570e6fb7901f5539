package io.sextant.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.MediaType;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.sextant.platform.identity.RevocationSet;
import io.sextant.platform.identity.TokenVerifier;
import io.sextant.platform.server.SextantServer;
import io.sextant.users.v1.ListUsersRequest;
import io.sextant.users.v1.ListUsersResponse;
import io.sextant.users.v1.ProvisionUserRequest;
import io.sextant.users.v1.ProvisionUserResponse;
import io.sextant.users.v1.UsersServiceGrpc;
import io.sextant.users.v1.UsersServiceGrpc.UsersServiceBlockingStub;

/**
 * The policy the contracts declare (sextant.api.v1.policy), through the gateway and a backend on the
 * platform: a public RPC reached without a token, an internal RPC the gateway does not forward even
 * with a token that the backend would accept, and an RPC whose plain permission the caller lacks,
 * refused by the backend's platform before the service's code runs.
 */
class PolicyGatewayIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A users stand-in that answers everything it is reached with and counts it; it checks nothing. */
    static final class OpenUsers extends UsersServiceGrpc.UsersServiceImplBase {
        final AtomicInteger reached = new AtomicInteger();

        @Override
        public void listUsers(ListUsersRequest request, StreamObserver<ListUsersResponse> response) {
            reached.incrementAndGet();
            response.onNext(ListUsersResponse.getDefaultInstance());
            response.onCompleted();
        }

        @Override
        public void provisionUser(ProvisionUserRequest request, StreamObserver<ProvisionUserResponse> response) {
            reached.incrementAndGet();
            response.onNext(ProvisionUserResponse.newBuilder().setCreated(true).build());
            response.onCompleted();
        }
    }

    private static final OpenUsers usersService = new OpenUsers();
    private static SextantServer auth;
    private static SextantServer users;
    private static SextantServer gateway;
    private static WebClient http;

    @BeforeAll
    static void start() {
        auth = TestMesh.startService("auth", new TestAuthService());
        final TokenVerifier verifier = new TokenVerifier(
                Map.of(TestAuthService.KEYS.kid(), TestAuthService.KEYS.publicKey())::get,
                new RevocationSet(Clock.systemUTC()), Clock.systemUTC());
        users = TestMesh.startService("users", builder -> builder.verifier(verifier), usersService);
        gateway = TestMesh.startGateway(Map.of("auth", TestMesh.target(auth), "users", TestMesh.target(users)),
                                        Map.of("RATE_LIMIT_USER", "off", "RATE_LIMIT_AUTH", "off"));
        http = WebClient.builder("http://127.0.0.1:" + gateway.port()).responseTimeout(Duration.ofSeconds(10)).build();
    }

    @AfterAll
    static void stop() {
        TestMesh.closeAll(gateway, users, auth);
    }

    private static String authServiceToken() {
        return TestAuthService.KEYS.sign(TestAuthService.KEYS.userToken("services/auth").withClaim("kind", "service")
                                                             .withClaim("permissions", List.of("users.write")));
    }

    private static UsersServiceBlockingStub usersAt(int port, String token) {
        return GrpcClients.builder("http://127.0.0.1:" + port).addHeader("authorization", "Bearer " + token)
                          .build(UsersServiceBlockingStub.class);
    }

    private static ProvisionUserRequest provision() {
        return ProvisionUserRequest.newBuilder().setId("0b9f6a52-3f43-4c1d-9c7a-2f7f4b1e8d11").setUsername("grace")
                                   .setEmail("grace@policy.test").build();
    }

    @Test
    void aPublicRpcIsReachedWithoutAToken() throws Exception {
        final AggregatedHttpResponse login = http.blocking().prepare().post("/v1/auth/login")
                .content(MediaType.JSON_UTF_8, "{\"username\": \"alice\", \"password\": \"correct horse battery\"}")
                .execute();
        assertThat(login.status().code()).isEqualTo(200);
        assertThat(JSON.readTree(login.contentUtf8()).at("/accessToken").asText()).isEqualTo("access-token-of-alice");
    }

    @Test
    void anInternalRpcIsNotForwardedWhateverTheToken() {
        // the backend takes it from auth's own token...
        final int before = usersService.reached.get();
        assertThat(usersAt(users.port(), authServiceToken()).provisionUser(provision()).getCreated()).isTrue();
        assertThat(usersService.reached.get()).isEqualTo(before + 1);
        // ...but the gateway does not serve it at all, so it never leaves the gateway
        assertThatThrownBy(() -> usersAt(gateway.port(), authServiceToken()).provisionUser(provision()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
        assertThat(usersService.reached.get()).isEqualTo(before + 1);
    }

    @Test
    void aPermissionRpcIsRefusedWithoutThePermissionBeforeTheServiceRuns() throws Exception {
        final int before = usersService.reached.get();
        // alice's token holds files.read only; ListUsers needs users.read
        final AggregatedHttpResponse denied = http.blocking().prepare().get("/v1/users")
                                                  .header("authorization", TestAuthService.BEARER).execute();
        assertThat(denied.status().code()).isEqualTo(403);
        final JsonNode body = JSON.readTree(denied.contentUtf8());
        assertThat(body.get("error").asText()).isEqualTo("PERMISSION_DENIED");
        assertThat(body.get("message").asText()).isEqualTo("this call needs the permission 'users.read'");
        assertThat(usersService.reached.get()).as("the service's code never ran").isEqualTo(before);

        final String reader = TestAuthService.KEYS.sign(TestAuthService.KEYS.userToken("user-2")
                                                                            .withClaim("permissions", List.of("users.read")));
        final AggregatedHttpResponse allowed = http.blocking().prepare().get("/v1/users")
                                                   .header("authorization", "Bearer " + reader).execute();
        assertThat(allowed.status().code()).isEqualTo(200);
        assertThat(usersService.reached.get()).isEqualTo(before + 1);
    }
}
