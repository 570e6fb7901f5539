package io.sextant.platform.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.google.protobuf.Timestamp;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.sextant.auth.v1.AuthServiceGrpc;
import io.sextant.auth.v1.GetJwksRequest;
import io.sextant.auth.v1.GetJwksResponse;
import io.sextant.auth.v1.JsonWebKey;
import io.sextant.auth.v1.Revocation;
import io.sextant.auth.v1.WatchRevocationsRequest;
import io.sextant.auth.v1.WatchRevocationsResponse;
import io.sextant.platform.error.ServiceException;
import io.sextant.platform.server.SextantServer;
import io.sextant.platform.testing.Poll;
import io.sextant.platform.testing.TestKeys;
import io.sextant.platform.testing.TestServers;

/**
 * A service's view of auth: signing keys fetched from auth's JWKS when an unknown key shows up, and
 * revocations pushed by auth over a stream that survives auth restarting.
 */
class RemoteIdentityIT {

    private static final TestKeys FIRST_KEY = TestKeys.generate("key-1");

    /** What auth knows, kept across restarts of the test auth server (as auth keeps it in its database). */
    static final class AuthState {
        final List<JsonWebKey> keys = new CopyOnWriteArrayList<>();
        final List<Revocation> inForce = new CopyOnWriteArrayList<>();
        final AtomicInteger jwksCalls = new AtomicInteger();
        volatile TestAuthService current;

        /** A revocation happens: it joins the snapshot and goes to every watcher now connected. */
        void revoke(Revocation revocation) {
            final TestAuthService service = current;
            if (service == null) {
                inForce.add(revocation);
            } else {
                service.push(revocation);
            }
        }
    }

    /** The two internal RPCs of auth that verifiers use. */
    static final class TestAuthService extends AuthServiceGrpc.AuthServiceImplBase {
        private final AuthState state;
        final Set<ServerCallStreamObserver<WatchRevocationsResponse>> watchers = ConcurrentHashMap.newKeySet();

        TestAuthService(AuthState state) {
            this.state = state;
        }

        @Override
        public void getJwks(GetJwksRequest request, StreamObserver<GetJwksResponse> response) {
            state.jwksCalls.incrementAndGet();
            response.onNext(GetJwksResponse.newBuilder().addAllKeys(state.keys).build());
            response.onCompleted();
        }

        @Override
        public void watchRevocations(WatchRevocationsRequest request, StreamObserver<WatchRevocationsResponse> response) {
            final var observer = (ServerCallStreamObserver<WatchRevocationsResponse>) response;
            observer.setOnCancelHandler(() -> watchers.remove(observer));
            synchronized (this) {
                observer.onNext(WatchRevocationsResponse.newBuilder()
                                                        .addAllRevocations(state.inForce)
                                                        .setSnapshotComplete(true)
                                                        .build());
                watchers.add(observer);
            }
        }

        synchronized void push(Revocation revocation) {
            state.inForce.add(revocation);
            for (ServerCallStreamObserver<WatchRevocationsResponse> watcher : watchers) {
                if (watcher.isCancelled()) {
                    watchers.remove(watcher);
                    continue;
                }
                watcher.onNext(WatchRevocationsResponse.newBuilder().addRevocations(revocation).build());
            }
        }
    }

    // one auth server for the class (stopping a server takes a while); each test has its own identity
    private static final AuthState state = new AuthState();
    private static SextantServer authServer;
    private static int authPort;
    private RemoteIdentity identity;
    private TokenVerifier verifier;

    @BeforeAll
    static void startAuthServer() {
        state.keys.add(FIRST_KEY.jwk());
        startAuth(0);
    }

    @AfterAll
    static void stopAuthServer() {
        stopAuth();
    }

    @BeforeEach
    void startIdentity() {
        identity = new RemoteIdentity("127.0.0.1:" + authPort, Clock.systemUTC()).start();
        verifier = identity.verifier();
    }

    @AfterEach
    void stopIdentity() {
        identity.close();
    }

    private static void startAuth(int port) {
        final TestAuthService service = new TestAuthService(state);
        authServer = SextantServer.builder(TestServers.config("auth", Map.of("PORT", String.valueOf(port))))
                                  .grpcService(service)
                                  .build()
                                  .start();
        authPort = authServer.port();
        state.current = service;
    }

    private static void stopAuth() {
        state.current = null;
        if (authServer != null) {
            authServer.close();
            authServer = null;
        }
    }

    private static Revocation revokeToken(String jti) {
        final Instant expiry = Instant.now().plus(Duration.ofHours(1));
        return Revocation.newBuilder()
                         .setTokenId(jti)
                         .setExpireTime(Timestamp.newBuilder().setSeconds(expiry.getEpochSecond()))
                         .build();
    }

    private String tokenWithId(String jti) {
        return FIRST_KEY.sign(FIRST_KEY.userToken("user-1").withJWTId(jti));
    }

    private void assertRevoked(String token) {
        assertThatThrownBy(() -> verifier.verify(token))
                .isInstanceOfSatisfying(ServiceException.class,
                                        e -> assertThat(e.reason()).isEqualTo("TOKEN_REVOKED"));
    }

    /** Waits until this test's identity has its revocation stream open at the current auth server. */
    private void awaitWatching() {
        Poll.until(() -> {
            assertThat(verifier.revocations().isSynced()).isTrue();
            assertThat(state.current).isNotNull();
            // the other tests' identities are closed, so their streams are gone
            assertThat(state.current.watchers).hasSize(1);
        });
    }

    @Test
    void a_token_signed_with_a_published_key_is_accepted() {
        final String token = FIRST_KEY.token("user-1");

        Poll.until(() -> assertThat(verifier.verify(token).subject()).isEqualTo("user-1"));
    }

    @Test
    void a_key_rotated_in_later_is_fetched_when_a_token_uses_it() {
        Poll.until(() -> assertThat(verifier.verify(FIRST_KEY.token("user-1")).subject()).isEqualTo("user-1"));
        final TestKeys rotated = TestKeys.generate("key-2");
        final String token = rotated.token("user-2");

        state.keys.add(rotated.jwk());

        // the periodic refresh is minutes away: only the unknown kid can make this pass in time
        Poll.until(() -> assertThat(verifier.verify(token).subject()).isEqualTo("user-2"));
        assertThat(verifier.verify(FIRST_KEY.token("user-1")).subject()).isEqualTo("user-1");
    }

    @Test
    void forged_key_ids_do_not_flood_auth() {
        Poll.until(() -> assertThat(verifier.verify(FIRST_KEY.token("user-1")).subject()).isEqualTo("user-1"));
        final String[] forged = new String[3];
        for (int i = 0; i < forged.length; i++) {
            forged[i] = TestKeys.generate("forged-" + i).token("admin");
        }
        final int before = state.jwksCalls.get();

        for (int i = 0; i < 300; i++) {
            final String token = forged[i % forged.length];
            assertThatThrownBy(() -> verifier.verify(token))
                    .isInstanceOfSatisfying(ServiceException.class,
                                            e -> assertThat(e.reason()).isEqualTo("TOKEN_INVALID"));
        }

        // at most one refresh a second: a burst of 300 forged tokens costs auth a handful of calls
        assertThat(state.jwksCalls.get() - before).isLessThan(20);
    }

    @Test
    void a_revocation_pushed_by_auth_is_enforced_within_moments() {
        final String token = tokenWithId("jti-pushed");
        awaitWatching();
        assertThat(verifier.verify(token).tokenId()).isEqualTo("jti-pushed");

        state.revoke(revokeToken("jti-pushed"));

        Poll.until(() -> assertRevoked(token));
    }

    @Test
    void revocations_in_force_arrive_with_the_snapshot() {
        state.revoke(revokeToken("jti-old"));

        final RemoteIdentity another = new RemoteIdentity("127.0.0.1:" + authPort, Clock.systemUTC()).start();
        try {
            Poll.until(() -> assertThat(another.verifier().revocations().isSynced()).isTrue());
            assertThatThrownBy(() -> another.verifier().verify(tokenWithId("jti-old")))
                    .isInstanceOfSatisfying(ServiceException.class,
                                            e -> assertThat(e.reason()).isEqualTo("TOKEN_REVOKED"));
        } finally {
            another.close();
        }
    }

    @Test
    void closing_the_identity_ends_its_stream_at_auth() {
        awaitWatching();

        identity.close();

        Poll.until(() -> assertThat(state.current.watchers).isEmpty());
    }

    @Test
    void the_stream_reconnects_after_auth_restarts() {
        final String before = tokenWithId("jti-before");
        final String whileDown = tokenWithId("jti-while-down");
        final String after = tokenWithId("jti-after");
        awaitWatching();
        state.revoke(revokeToken("jti-before"));
        Poll.until(() -> assertRevoked(before));

        stopAuth();
        // revoked by another auth replica while this one is down: must not be lost
        state.revoke(revokeToken("jti-while-down"));
        startAuth(authPort);

        awaitWatching();
        Poll.until(() -> assertRevoked(whileDown));
        assertThat(verifier.verify(after).tokenId()).isEqualTo("jti-after");

        state.revoke(revokeToken("jti-after"));

        Poll.until(() -> assertRevoked(after));
        assertRevoked(before);
    }
}
