package io.sextant.gateway;

import java.util.concurrent.atomic.AtomicReference;

import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.stub.StreamObserver;
import io.sextant.auth.v1.AuthServiceGrpc;
import io.sextant.auth.v1.DeleteApiKeyRequest;
import io.sextant.auth.v1.DeleteApiKeyResponse;
import io.sextant.auth.v1.GetJwksRequest;
import io.sextant.auth.v1.GetJwksResponse;
import io.sextant.auth.v1.JsonWebKey;
import io.sextant.auth.v1.LoginRequest;
import io.sextant.auth.v1.LoginResponse;
import io.sextant.auth.v1.RegisterRequest;
import io.sextant.auth.v1.RegisterResponse;
import io.sextant.auth.v1.Token;
import io.sextant.auth.v1.ValidateTokenRequest;
import io.sextant.auth.v1.ValidateTokenResponse;
import io.sextant.platform.error.Errors;
import io.sextant.platform.testing.TestKeys;

/**
 * A stand-in for the auth service behind the gateway: a few RPCs with fixed answers and the
 * platform's errors; the others answer UNIMPLEMENTED, like a service not built yet. It records the
 * headers of the last ValidateToken call, for tests of what the gateway forwards.
 */
final class TestAuthService extends AuthServiceGrpc.AuthServiceImplBase {

    static final String USERNAME = "alice";
    static final String PASSWORD = "correct horse battery";
    /** The signing key of the stand-in: its JWKS publishes it, so the gateway's edge check accepts its tokens. */
    static final TestKeys KEYS = TestKeys.generate("gateway-test-key");
    /** A valid access token of alice (user-1), for 15 minutes. */
    static final String ALICE_TOKEN = KEYS.token("user-1");
    static final String BEARER = "Bearer " + ALICE_TOKEN;

    final AtomicReference<RequestHeaders> lastValidateHeaders = new AtomicReference<>();
    /** Keys published besides KEYS, as after a rotation. */
    final java.util.List<JsonWebKey> rotatedKeys = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** How many ValidateToken calls reached this backend. */
    final java.util.concurrent.atomic.AtomicInteger validateCalls = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public void login(LoginRequest request, StreamObserver<LoginResponse> response) {
        if (!USERNAME.equals(request.getUsername()) || !PASSWORD.equals(request.getPassword())) {
            throw Errors.unauthenticated("INVALID_CREDENTIALS", "wrong username or password");
        }
        response.onNext(LoginResponse.newBuilder()
                                     .setToken(Token.newBuilder().setAccessToken("access-token-of-alice")
                                                    .setRefreshToken("refresh-token-1").setTokenType("Bearer")
                                                    .setExpiresIn(900))
                                     .build());
        response.onCompleted();
    }

    @Override
    public void register(RegisterRequest request, StreamObserver<RegisterResponse> response) {
        if (request.getUsername().startsWith("slow")) {
            sleep(3_000);
        }
        response.onNext(RegisterResponse.newBuilder().setMessage("check your e-mail").build());
        response.onCompleted();
    }

    @Override
    public void validateToken(ValidateTokenRequest request, StreamObserver<ValidateTokenResponse> response) {
        validateCalls.incrementAndGet();
        final RequestHeaders headers = ServiceRequestContext.current().request().headers();
        lastValidateHeaders.set(headers);
        if (!headers.contains("authorization")) {
            throw Errors.unauthenticated("TOKEN_MISSING", "send Authorization: Bearer <access_token>");
        }
        response.onNext(ValidateTokenResponse.newBuilder().setSubject("user-1").setUsername(USERNAME).build());
        response.onCompleted();
    }

    @Override
    public void deleteApiKey(DeleteApiKeyRequest request, StreamObserver<DeleteApiKeyResponse> response) {
        throw Errors.notFound("api key", request.getName());
    }

    @Override
    public void getJwks(GetJwksRequest request, StreamObserver<GetJwksResponse> response) {
        response.onNext(GetJwksResponse.newBuilder().addKeys(KEYS.jwk()).addAllKeys(rotatedKeys).build());
        response.onCompleted();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
