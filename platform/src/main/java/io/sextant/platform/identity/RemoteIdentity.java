package io.sextant.platform.identity;

import java.math.BigInteger;
import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.RSAPublicKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.common.NonBlocking;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.sextant.auth.v1.AuthServiceGrpc;
import io.sextant.auth.v1.GetJwksRequest;
import io.sextant.auth.v1.GetJwksResponse;
import io.sextant.auth.v1.JsonWebKey;
import io.sextant.auth.v1.Revocation;
import io.sextant.auth.v1.WatchRevocationsRequest;
import io.sextant.auth.v1.WatchRevocationsResponse;
import io.sextant.platform.grpc.ServiceClient;
import io.sextant.platform.jobs.ScheduledJobs;

/**
 * The identity of a service that is not auth: keys from auth's JWKS (cached, refreshed on an
 * unknown {@code kid} at most once a second, and every five minutes), and the revocations auth
 * pushes over {@code WatchRevocations} (reconnecting with backoff, re-reading the snapshot each time).
 */
public final class RemoteIdentity implements KeySource, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RemoteIdentity.class);
    private static final long MIN_REFRESH_NANOS = Duration.ofSeconds(1).toNanos();

    private final AuthServiceGrpc.AuthServiceBlockingStub jwks;
    private final AuthServiceGrpc.AuthServiceStub watch;
    private final Map<String, RSAPublicKey> keys = new ConcurrentHashMap<>();
    private final AtomicLong lastRefresh = new AtomicLong(System.nanoTime() - MIN_REFRESH_NANOS);
    private final RevocationSet revocations;
    private final TokenVerifier verifier;
    private final ScheduledJobs scheduler;
    private volatile boolean closed;
    private volatile long backoffMillis = 100;
    private volatile ClientCallStreamObserver<WatchRevocationsRequest> stream;
    private final ClientFactory watchConnections;
    private final ServiceClient auth;

    /**
     * @param authTarget where auth is, in any form a {@code <SERVICE>_TARGET} takes: {@code host:port},
     *                   {@code host:port,host:port,...} or {@code dns:///host:port}
     */
    public RemoteIdentity(String authTarget, Clock clock) {
        // the platform's policy toward auth: GetJwks is idempotent, so retried; a breaker of its own
        auth = ServiceClient.builder("auth-jwks", authTarget, AuthServiceGrpc.getServiceDescriptor())
                            .deadline(Duration.ofSeconds(2))
                            .build();
        jwks = auth.stub(AuthServiceGrpc.AuthServiceBlockingStub.class);
        // HTTP/2 PINGs every 10 s: a stream whose connection died silently fails within seconds and
        // is re-opened (with a fresh snapshot), instead of leaving this verifier deaf to revocations
        watchConnections = ClientFactory.builder()
                                        .pingIntervalMillis(10_000)
                                        .idleTimeoutMillis(0)
                                        .build();
        // over the same endpoints; a stream is never retried, and it reconnects with its own backoff
        watch = auth.unguardedClientBuilder()
                    .responseTimeout(Duration.ZERO)
                    .factory(watchConnections)
                    .build(AuthServiceGrpc.AuthServiceStub.class);
        revocations = new RevocationSet(clock);
        verifier = new TokenVerifier(this, revocations, clock);
        scheduler = ScheduledJobs.on("identity-refresh");
    }

    /** Starts watching revocations and refreshing keys in the background. Does not wait for auth. */
    public RemoteIdentity start() {
        scheduler.runNow("revocation watch", this::watchRevocations);
        scheduler.every("signing key refresh", Duration.ZERO, Duration.ofMinutes(5), () -> {
            refreshKeys();
            revocations.prune();
        });
        return this;
    }

    public TokenVerifier verifier() {
        return verifier;
    }

    @Override
    public RSAPublicKey find(String kid) {
        final RSAPublicKey key = keys.get(kid);
        if (key != null) {
            return key;
        }
        final long last = lastRefresh.get();
        if (System.nanoTime() - last >= MIN_REFRESH_NANOS && lastRefresh.compareAndSet(last, System.nanoTime())) {
            if (Thread.currentThread() instanceof NonBlocking) {
                // never make an event loop wait for auth: fetch in the background; the gateway verifies
                // tokens of unknown keys on a blocking thread (hasKey), so this is only a safety net
                scheduleRefresh();
                return null;
            }
            refreshKeys();
        }
        return keys.get(kid);
    }

    /** Whether the key is known now, without fetching: a caller on an event loop verifies elsewhere otherwise. */
    public boolean hasKey(String kid) {
        return kid != null && keys.containsKey(kid);
    }

    private void scheduleRefresh() {
        scheduler.runNow("signing key refresh", this::refreshKeys); // nothing when closed
    }

    private void refreshKeys() {
        try {
            final GetJwksResponse response = jwks.getJwks(GetJwksRequest.getDefaultInstance());
            final Map<String, RSAPublicKey> published = new HashMap<>();
            for (JsonWebKey jwk : response.getKeysList()) {
                if ("RSA".equals(jwk.getKty()) && !jwk.getKid().isEmpty()) {
                    published.put(jwk.getKid(), toPublicKey(jwk));
                }
            }
            // exactly the published set: a key auth withdrew stops verifying here too
            keys.putAll(published);
            keys.keySet().retainAll(published.keySet());
        } catch (RuntimeException e) {
            log.warn("Could not fetch the signing keys from auth: {}", e.getMessage());
        }
    }

    /** The RSA public key of a JWK. */
    public static RSAPublicKey toPublicKey(JsonWebKey jwk) {
        try {
            final Base64.Decoder decoder = Base64.getUrlDecoder();
            final var spec = new RSAPublicKeySpec(new BigInteger(1, decoder.decode(jwk.getN())),
                                                  new BigInteger(1, decoder.decode(jwk.getE())));
            return (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(spec);
        } catch (Exception e) {
            throw new IllegalArgumentException("not an RSA JWK: " + jwk.getKid(), e);
        }
    }

    private void watchRevocations() {
        if (closed) {
            return;
        }
        watch.watchRevocations(WatchRevocationsRequest.getDefaultInstance(), new ClientResponseObserver<
                WatchRevocationsRequest, WatchRevocationsResponse>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<WatchRevocationsRequest> call) {
                stream = call;
            }

            @Override
            public void onNext(WatchRevocationsResponse batch) {
                for (Revocation r : batch.getRevocationsList()) {
                    revocations.add(r);
                }
                if (batch.getSnapshotComplete()) {
                    revocations.markSynced();
                    backoffMillis = 100;
                }
            }

            @Override
            public void onError(Throwable t) {
                reconnect(t.getMessage());
            }

            @Override
            public void onCompleted() {
                reconnect("stream completed");
            }
        });
    }

    private void reconnect(String why) {
        if (closed) {
            return;
        }
        final long delay = backoffMillis;
        backoffMillis = Math.min(5000, backoffMillis * 2);
        log.debug("Revocation stream from auth ended ({}); reconnecting in {} ms", why, delay);
        scheduler.runAfter("revocation watch", Duration.ofMillis(delay), this::watchRevocations); // nothing when closed
    }

    /** Stops refreshing and ends the revocation stream, so that auth does not keep it open. */
    @Override
    public void close() {
        closed = true;
        scheduler.close();
        final ClientCallStreamObserver<WatchRevocationsRequest> open = stream;
        if (open != null) {
            open.cancel("the service is shutting down", null);
        }
        watchConnections.closeAsync();
        auth.close();
    }
}
