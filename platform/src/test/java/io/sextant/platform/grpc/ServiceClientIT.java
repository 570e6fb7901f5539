package io.sextant.platform.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.linecorp.armeria.client.circuitbreaker.CircuitState;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.sextant.platform.server.SextantServer;
import io.sextant.platform.testing.Poll;
import io.sextant.platform.testing.TestServers;
import io.sextant.users.v1.DeleteUserRequest;
import io.sextant.users.v1.DeleteUserResponse;
import io.sextant.users.v1.GetUserRequest;
import io.sextant.users.v1.GetUserResponse;
import io.sextant.users.v1.User;
import io.sextant.users.v1.UsersServiceGrpc;
import io.sextant.users.v1.UsersServiceGrpc.UsersServiceBlockingStub;

/**
 * The call policy every service's client of another service has ({@link ServiceClient}), against
 * two real servers on loopback: retries of idempotent methods only, a breaker that opens on
 * UNAVAILABLE in a row and not on INTERNAL, and round robin over a {@code host:port,host:port}
 * target that skips an endpoint whose {@code /health/ready} fails.
 */
class ServiceClientIT {

    private static final String A_USER = "users/0f8fad5b-d9cb-469f-a165-70867728950e";

    private Replica first;
    private Replica second;
    private ServiceClient client;

    @BeforeEach
    void startReplicas() {
        first = new Replica("first");
        second = new Replica("second");
    }

    @AfterEach
    void stopAll() {
        if (client != null) {
            client.close();
        }
        first.close();
        second.close();
    }

    @Test
    void anIdempotentMethodIsRetriedOnUnavailable() {
        client = ServiceClient.builder("users", first.target(), UsersServiceGrpc.getServiceDescriptor()).build();
        first.service.unavailableLeft.set(2); // GetUser: GET, idempotent

        final GetUserResponse user = stub().getUser(GetUserRequest.newBuilder().setName(A_USER).build());

        assertThat(user.getUser().getUsername()).isEqualTo("first");
        assertThat(first.service.getCalls).as("attempts that reached the server").hasValue(3);
    }

    @Test
    void aMethodThatIsNotIdempotentIsNotRetried() {
        client = ServiceClient.builder("users", first.target(), UsersServiceGrpc.getServiceDescriptor()).build();
        first.service.unavailableLeft.set(1); // DeleteUser: DELETE, could act twice

        assertThatThrownBy(() -> stub().deleteUser(DeleteUserRequest.newBuilder().setName(A_USER).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        assertThat(first.service.deleteCalls).hasValue(1);
    }

    @Test
    void anEndpointThatIsDownGetsNoCalls() {
        final int closedPort = second.port();
        second.close(); // refuses connections, health checks included: every call goes to the other one
        client = ServiceClient.builder("users", "127.0.0.1:" + closedPort + ",127.0.0.1:" + first.port(),
                                       UsersServiceGrpc.getServiceDescriptor())
                              .build();

        for (int i = 0; i < 4; i++) {
            stub().deleteUser(DeleteUserRequest.newBuilder().setName(A_USER).build());
        }
        assertThat(first.service.deleteCalls).hasValue(4);
    }

    @Test
    void theBreakerOpensAfterUnavailableInARowAndNeverOnInternal() {
        client = ServiceClient.builder("users", first.target(), UsersServiceGrpc.getServiceDescriptor())
                              .retryAttempts(1)
                              .circuitBreaker(3, Duration.ofMinutes(10)) // no trial call during the test
                              .build();

        // an error one caller can provoke: the server answered, the breaker stays closed
        first.service.internal.set(true);
        for (int i = 0; i < 10; i++) {
            assertThat(codeOf(() -> stub().getUser(GetUserRequest.newBuilder().setName(A_USER).build())))
                    .isEqualTo(Status.Code.INTERNAL);
        }
        assertThat(client.breaker().circuitState()).isEqualTo(CircuitState.CLOSED);
        assertThat(first.service.getCalls).hasValue(10);

        first.service.internal.set(false);
        first.service.unavailableLeft.set(-1); // every call UNAVAILABLE
        // the breaker learns of a call's end just after its caller does: poll, one call each time
        Poll.until(() -> {
            assertThat(codeOf(() -> stub().deleteUser(DeleteUserRequest.newBuilder().setName(A_USER).build())))
                    .isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(client.breaker().circuitState()).isEqualTo(CircuitState.OPEN);
        });
        final int reached = first.service.deleteCalls.get();
        assertThat(reached).as("calls until it opened").isBetween(3, 4);

        // open: calls fail at once and reach no server
        for (int i = 0; i < 5; i++) {
            assertThat(codeOf(() -> stub().getUser(GetUserRequest.newBuilder().setName(A_USER).build())))
                    .isEqualTo(Status.Code.UNAVAILABLE);
        }
        assertThat(first.service.getCalls).hasValue(10);
        assertThat(first.service.deleteCalls).hasValue(reached);
    }

    @Test
    void callsGoRoundRobinToTheReadyEndpointsOfAList() {
        second.ready.set(false);
        client = ServiceClient.builder("users", first.target() + "," + second.target(),
                                       UsersServiceGrpc.getServiceDescriptor())
                              .build();

        // the second fails /health/ready: it gets nothing
        for (int i = 0; i < 6; i++) {
            assertThat(answererOfGetUser()).isEqualTo("first");
        }
        assertThat(second.service.getCalls).hasValue(0);

        // ready again: after its next health check, the calls alternate
        second.ready.set(true);
        Poll.until(() -> {
            answererOfGetUser();
            answererOfGetUser();
            assertThat(second.service.getCalls).hasPositiveValue();
        });
        final Set<String> answerers = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            answerers.add(answererOfGetUser());
        }
        assertThat(answerers).containsExactlyInAnyOrder("first", "second");

        // and the first one, not ready, is skipped in turn
        first.ready.set(false);
        Poll.until(() -> {
            final int before = first.service.getCalls.get();
            for (int i = 0; i < 4; i++) {
                assertThat(answererOfGetUser()).isEqualTo("second");
            }
            assertThat(first.service.getCalls).hasValue(before);
        });
    }

    @Test
    void aDnsNameIsAHealthCheckedGroupOfItsAddresses() {
        first.ready.set(false); // so a call that answers shows the health check is there, and then passes
        client = ServiceClient.builder("users", "dns:///localhost:" + first.port(),
                                       UsersServiceGrpc.getServiceDescriptor())
                              .build();
        assertThat(codeOf(this::answererOfGetUser)).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(first.service.getCalls).hasValue(0);

        first.ready.set(true);
        Poll.until(() -> assertThat(answererOfGetUser()).isEqualTo("first"));
    }

    private UsersServiceBlockingStub stub() {
        return client.stub(UsersServiceBlockingStub.class);
    }

    private String answererOfGetUser() {
        return stub().getUser(GetUserRequest.newBuilder().setName(A_USER).build()).getUser().getUsername();
    }

    private static Status.Code codeOf(Runnable call) {
        try {
            call.run();
            return Status.Code.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        }
    }

    /** A users service that answers with its name, fails as told, and counts the calls it got. */
    private static final class TestUsers extends UsersServiceGrpc.UsersServiceImplBase {

        private final String name;
        /** Calls left to answer UNAVAILABLE; -1: every call. */
        final AtomicInteger unavailableLeft = new AtomicInteger();
        final AtomicBoolean internal = new AtomicBoolean();
        final AtomicInteger getCalls = new AtomicInteger();
        final AtomicInteger deleteCalls = new AtomicInteger();

        TestUsers(String name) {
            this.name = name;
        }

        @Override
        public void getUser(GetUserRequest request, StreamObserver<GetUserResponse> response) {
            getCalls.incrementAndGet();
            if (fail(response)) {
                return;
            }
            response.onNext(GetUserResponse.newBuilder()
                                           .setUser(User.newBuilder().setName(request.getName()).setUsername(name))
                                           .build());
            response.onCompleted();
        }

        @Override
        public void deleteUser(DeleteUserRequest request, StreamObserver<DeleteUserResponse> response) {
            deleteCalls.incrementAndGet();
            if (fail(response)) {
                return;
            }
            response.onNext(DeleteUserResponse.getDefaultInstance());
            response.onCompleted();
        }

        private boolean fail(StreamObserver<?> response) {
            if (internal.get()) {
                response.onError(Status.INTERNAL.withDescription("a bug one request hits").asRuntimeException());
                return true;
            }
            final int left = unavailableLeft.getAndUpdate(n -> n > 0 ? n - 1 : n);
            if (left != 0) {
                response.onError(Status.UNAVAILABLE.withDescription("not now").asRuntimeException());
                return true;
            }
            return false;
        }
    }

    /** One server of the service on loopback, whose readiness the test switches. */
    private static final class Replica implements AutoCloseable {

        final TestUsers service;
        final AtomicBoolean ready = new AtomicBoolean(true);
        private final SextantServer server;
        private boolean closed;

        Replica(String name) {
            service = new TestUsers(name);
            server = SextantServer.builder(TestServers.config("users", Map.of("BIND_ADDRESS", "127.0.0.1")))
                                  .grpcService(service)
                                  // as if its database were down: /health/ready answers 503
                                  .decorator((delegate, ctx, req) -> "/health/ready".equals(ctx.path()) && !ready.get()
                                                                     ? HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE)
                                                                     : delegate.serve(ctx, req))
                                  .build()
                                  .start();
        }

        int port() {
            return server.port();
        }

        String target() {
            return "127.0.0.1:" + port();
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                server.close();
            }
        }
    }
}
