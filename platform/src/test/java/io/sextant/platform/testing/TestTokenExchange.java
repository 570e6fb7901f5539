package io.sextant.platform.testing;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.sextant.auth.v1.AuthServiceGrpc;
import io.sextant.auth.v1.ExchangeApiKeyRequest;
import io.sextant.auth.v1.ExchangeApiKeyResponse;
import io.sextant.auth.v1.Token;
import io.sextant.platform.identity.TokenVerifier;
import io.sextant.platform.server.SextantServer;

/**
 * Auth's ExchangeApiKey as far as a service's own identity uses it, over real loopback gRPC: one
 * service account (name, secret, permissions) whose secret buys a service token with subject
 * {@code services/<name>}, signed with a {@link TestKeys} key and living {@code lifetime}; any other
 * secret is UNAUTHENTICATED. It counts the exchanges and can hold them until released.
 */
public final class TestTokenExchange implements AutoCloseable {

    private final TestKeys keys;
    private final String service;
    private final String secret;
    private final List<String> permissions;
    private final AtomicInteger exchanges = new AtomicInteger();
    private volatile Duration lifetime = Duration.ofMinutes(10);
    private volatile CountDownLatch gate = new CountDownLatch(0);
    private final SextantServer server;

    public TestTokenExchange(TestKeys keys, String service, String secret, List<String> permissions) {
        this.keys = keys;
        this.service = service;
        this.secret = secret;
        this.permissions = List.copyOf(permissions);
        server = SextantServer.builder(TestServers.config("auth", Map.of()))
                              .grpcService(new Exchange())
                              .build()
                              .start();
    }

    /** Where it listens: {@code 127.0.0.1:<port>}. */
    public String target() {
        return "127.0.0.1:" + server.port();
    }

    /** How many exchanges it answered or refused. */
    public int exchanges() {
        return exchanges.get();
    }

    /** How long the tokens it gives from now on live. */
    public void lifetime(Duration value) {
        lifetime = value;
    }

    /** Exchanges from now on wait until {@link #release()}. */
    public void hold() {
        gate = new CountDownLatch(1);
    }

    public void release() {
        gate.countDown();
    }

    @Override
    public void close() {
        release();
        server.close();
    }

    private final class Exchange extends AuthServiceGrpc.AuthServiceImplBase {
        @Override
        public void exchangeApiKey(ExchangeApiKeyRequest request, StreamObserver<ExchangeApiKeyResponse> response) {
            exchanges.incrementAndGet();
            try {
                gate.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (!request.getApiKey().equals(secret)) {
                response.onError(Status.UNAUTHENTICATED.withDescription("the API key is not valid").asRuntimeException());
                return;
            }
            final Duration life = lifetime;
            final Instant now = Instant.now();
            final String token = keys.sign(keys.userToken("services/" + service)
                                               .withJWTId(UUID.randomUUID().toString())
                                               .withExpiresAt(now.plus(life))
                                               .withClaim(TokenVerifier.CLAIM_KIND, "service")
                                               .withClaim(TokenVerifier.CLAIM_USERNAME, "")
                                               .withClaim(TokenVerifier.CLAIM_SESSION, "")
                                               .withClaim(TokenVerifier.CLAIM_ROLES, List.of())
                                               .withClaim(TokenVerifier.CLAIM_PERMISSIONS, permissions));
            response.onNext(ExchangeApiKeyResponse.newBuilder()
                                                  .setToken(Token.newBuilder().setAccessToken(token).setTokenType("Bearer")
                                                                 .setExpiresIn(life.toSeconds()))
                                                  .build());
            response.onCompleted();
        }
    }
}
