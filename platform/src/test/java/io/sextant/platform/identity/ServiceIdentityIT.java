package io.sextant.platform.identity;

import static io.sextant.platform.testing.GrpcErrors.errorInfo;
import static io.sextant.platform.testing.GrpcErrors.failure;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.auth0.jwt.JWT;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.sextant.platform.error.ServiceException;
import io.sextant.platform.grpc.ServiceClient;
import io.sextant.platform.server.SextantServer;
import io.sextant.platform.testing.Poll;
import io.sextant.platform.testing.TestKeys;
import io.sextant.platform.testing.TestServers;
import io.sextant.platform.testing.TestTokenExchange;
import io.sextant.users.v1.GetUserRequest;
import io.sextant.users.v1.GetUserResponse;
import io.sextant.users.v1.User;
import io.sextant.users.v1.UsersServiceGrpc;
import io.sextant.users.v1.UsersServiceGrpc.UsersServiceBlockingStub;

/**
 * A service's own identity over real loopback gRPC: its secret exchanged at an auth that speaks
 * ExchangeApiKey ({@link TestTokenExchange}) for a token that its calls carry instead of the end
 * user's, cached, renewed at half its life, obtained once for concurrent callers, and a clear
 * UNAVAILABLE when auth is away or refuses the secret.
 */
class ServiceIdentityIT {

    private static final TestKeys KEYS = TestKeys.generate("identity-it");
    private static final String SECRET = "sxs_" + "s".repeat(40);
    private static final String GRACE = "users/0f8fad5b-d9cb-469f-a165-70867728950e";
    /** The Authorization header and verified subject of each call the backend got. */
    private static final List<String> BACKEND_AUTHORIZATION = new CopyOnWriteArrayList<>();
    private static final List<String> BACKEND_SUBJECTS = new CopyOnWriteArrayList<>();
    /** How the front service calls the backend in the current test. */
    private static final AtomicReference<UsersServiceBlockingStub> FRONT_TO_BACKEND = new AtomicReference<>();

    private static SextantServer backend;
    private static SextantServer front;
    private static ServiceClient backendClient;
    private static TestTokenExchange auth;
    private final List<AutoCloseable> later = new ArrayList<>();

    /** A clock that moves only when told. */
    static final class MovableClock extends Clock {
        private volatile Instant now = Instant.now();

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    /** The users service the front calls: records who called, answers the user. */
    static final class Backend extends UsersServiceGrpc.UsersServiceImplBase {
        @Override
        public void getUser(GetUserRequest request, StreamObserver<GetUserResponse> response) {
            BACKEND_AUTHORIZATION.add(ServiceRequestContext.current().request().headers()
                                                           .get(HttpHeaderNames.AUTHORIZATION, ""));
            BACKEND_SUBJECTS.add(Authz.requirePermission("users.read").subject());
            response.onNext(GetUserResponse.newBuilder().setUser(User.newBuilder().setName(request.getName())).build());
            response.onCompleted();
        }
    }

    /** A service that, serving a user's call, calls the backend as itself. */
    static final class Front extends UsersServiceGrpc.UsersServiceImplBase {
        @Override
        public void getUser(GetUserRequest request, StreamObserver<GetUserResponse> response) {
            try {
                response.onNext(FRONT_TO_BACKEND.get().getUser(request));
                response.onCompleted();
            } catch (StatusRuntimeException e) {
                final ServiceException refusal = ServiceIdentity.refusal(e);
                throw refusal != null ? refusal : e;
            }
        }
    }

    @BeforeAll
    static void start() {
        final Clock clock = Clock.systemUTC();
        final TokenVerifier verifier = new TokenVerifier(Map.of(KEYS.kid(), KEYS.publicKey())::get,
                                                         new RevocationSet(clock), clock);
        backend = SextantServer.builder(TestServers.config("users")).grpcService(new Backend()).verifier(verifier)
                               .build().start();
        front = SextantServer.builder(TestServers.config("notification")).grpcService(new Front()).verifier(verifier)
                             .build().start();
        backendClient = ServiceClient.builder("users", "127.0.0.1:" + backend.port(), UsersServiceGrpc.getServiceDescriptor())
                                     .build();
        auth = new TestTokenExchange(KEYS, "notification", SECRET, List.of("users.read"));
    }

    @AfterAll
    static void stop() {
        auth.close();
        backendClient.close();
        front.close();
        backend.close();
    }

    @AfterEach
    void closeIdentities() throws Exception {
        for (AutoCloseable closeable : later) {
            closeable.close();
        }
        auth.release();
        auth.lifetime(Duration.ofMinutes(10));
    }

    private ServiceIdentity identity(String secret, String authTarget, Clock clock) {
        final ServiceIdentity identity = ServiceIdentity.exchanging("notification", ServiceSecret.of(secret), authTarget, clock);
        later.add(identity);
        FRONT_TO_BACKEND.set(backendClient.clientBuilder().decorator(identity.asService())
                                          .build(UsersServiceBlockingStub.class));
        return identity;
    }

    /** A user's call to the front, with a token that may not read users. */
    private static GetUserResponse callFront() {
        final String userToken = KEYS.sign(KEYS.userToken("user-1").withClaim("permissions", List.of("notifications.send")));
        return TestServers.grpc(front.port()).addHeader("authorization", "Bearer " + userToken)
                          .build(UsersServiceBlockingStub.class)
                          .getUser(GetUserRequest.newBuilder().setName(GRACE).build());
    }

    private static String subjectOf(String authorization) {
        return JWT.decode(authorization.substring("Bearer ".length())).getSubject();
    }

    @Test
    void theCallsCarryTheServicesOwnTokenNotTheUsersAndItIsExchangedOnce() {
        final int before = auth.exchanges();
        identity(SECRET, auth.target(), Clock.systemUTC());
        BACKEND_AUTHORIZATION.clear();
        BACKEND_SUBJECTS.clear();

        assertThat(callFront().getUser().getName()).isEqualTo(GRACE);
        assertThat(callFront().getUser().getName()).isEqualTo(GRACE);

        assertThat(BACKEND_SUBJECTS).containsExactly("services/notification", "services/notification");
        assertThat(BACKEND_AUTHORIZATION).allSatisfy(a -> assertThat(subjectOf(a)).isEqualTo("services/notification"));
        assertThat(JWT.decode(BACKEND_AUTHORIZATION.get(0).substring(7)).getClaim("permissions").asList(String.class))
                .containsExactly("users.read");
        // cached: the second call did not ask auth again
        assertThat(auth.exchanges() - before).isEqualTo(1);
    }

    @Test
    void theTokenIsRenewedInTheBackgroundAtHalfItsLifeAndAwaitedOnlyWhenSpent() {
        final MovableClock clock = new MovableClock();
        final ServiceIdentity identity = identity(SECRET, auth.target(), clock);
        final int before = auth.exchanges();
        final String first = identity.authorization().join();
        assertThat(auth.exchanges() - before).isEqualTo(1);

        clock.advance(Duration.ofMinutes(4));
        assertThat(identity.authorization().join()).isEqualTo(first);
        assertThat(auth.exchanges() - before).isEqualTo(1);

        // past half its life: the call gets the current token at once while a new one is fetched
        auth.hold();
        clock.advance(Duration.ofMinutes(2));
        final CompletableFuture<String> pastHalf = identity.authorization();
        assertThat(pastHalf).isCompletedWithValue(first);
        auth.release();
        Poll.until(() -> assertThat(identity.authorization().join()).isNotEqualTo(first));
        assertThat(auth.exchanges() - before).isEqualTo(2);
        final String second = identity.authorization().join();

        // spent (the last tenth of its life is not used): the call waits for the new one
        clock.advance(Duration.ofMinutes(10));
        auth.hold();
        final CompletableFuture<String> spent = identity.authorization();
        assertThat(spent).isNotDone();
        auth.release();
        assertThat(spent.join()).isNotEqualTo(second).startsWith("Bearer ");
        assertThat(auth.exchanges() - before).isEqualTo(3);
    }

    @Test
    void concurrentCallersShareOneExchange() {
        final ServiceIdentity identity = identity(SECRET, auth.target(), Clock.systemUTC());
        final int before = auth.exchanges();
        auth.hold();
        final List<CompletableFuture<String>> waiting = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            waiting.add(CompletableFuture.supplyAsync(() -> identity.authorization().join()));
        }
        Poll.until(() -> assertThat(auth.exchanges() - before).isEqualTo(1));
        auth.release();

        assertThat(waiting.stream().map(CompletableFuture::join).distinct().toList()).hasSize(1);
        assertThat(auth.exchanges() - before).isEqualTo(1);
    }

    @Test
    void whenAuthIsAwayTheCallFailsUnavailableWithTheReasonAndIsNotSent() throws Exception {
        final String nowhere;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            nowhere = "127.0.0.1:" + socket.getLocalPort();
        }
        identity(SECRET, nowhere, Clock.systemUTC());
        BACKEND_SUBJECTS.clear();

        final StatusRuntimeException e = failure(ServiceIdentityIT::callFront);

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(errorInfo(e).getReason()).isEqualTo(ServiceIdentity.UNAVAILABLE_REASON);
        assertThat(e.getStatus().getDescription()).contains("auth cannot be reached").contains("services/notification");
        assertThat(BACKEND_SUBJECTS).isEmpty();
    }

    @Test
    void aRefusedSecretSaysSoAndAuthIsNotAskedAgainAtOnce() {
        identity("sxs_" + "w".repeat(40), auth.target(), Clock.systemUTC());
        final int before = auth.exchanges();

        final StatusRuntimeException e = failure(ServiceIdentityIT::callFront);
        final StatusRuntimeException again = failure(ServiceIdentityIT::callFront);

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(errorInfo(e).getReason()).isEqualTo(ServiceIdentity.UNAVAILABLE_REASON);
        assertThat(e.getStatus().getDescription()).contains("auth refused the secret of services/notification")
                                                  .doesNotContain("wwww");
        assertThat(errorInfo(again).getReason()).isEqualTo(ServiceIdentity.UNAVAILABLE_REASON);
        assertThat(auth.exchanges() - before).isEqualTo(1);
    }
}
