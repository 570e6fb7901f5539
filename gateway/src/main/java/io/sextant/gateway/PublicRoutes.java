package io.sextant.gateway;

import java.util.Set;

import io.sextant.auth.v1.AuthServiceGrpc;
import io.sextant.storage.v1.StorageServiceGrpc;

/**
 * The one declared list of what a client reaches through the gateway without a valid bearer token.
 * Every other forwarded method needs one, checked at the edge before the call leaves the gateway
 * (the backend checks it again). The gateway's own routes ({@code /health}, {@code /health/ready},
 * {@code /metrics}, {@code /docs}, {@code /openapi.json}) forward nothing and are public as well.
 */
public final class PublicRoutes {

    /** Full gRPC method names (the REST routes of these methods are public alike). */
    public static final Set<String> METHODS = Set.of(
            // signing up and in: the caller has no token yet, or a stale one that must not stop a login
            AuthServiceGrpc.getRegisterMethod().getFullMethodName(),
            AuthServiceGrpc.getLoginMethod().getFullMethodName(),
            AuthServiceGrpc.getRefreshTokenMethod().getFullMethodName(),
            // the refresh token in the body is the credential; the access token may have expired
            AuthServiceGrpc.getLogoutMethod().getFullMethodName(),
            AuthServiceGrpc.getRequestPasswordResetMethod().getFullMethodName(),
            AuthServiceGrpc.getConfirmPasswordResetMethod().getFullMethodName(),
            // the API key in the body is the credential
            AuthServiceGrpc.getExchangeApiKeyMethod().getFullMethodName(),
            AuthServiceGrpc.getGetJwksMethod().getFullMethodName(),
            // a share link's token is the credential
            StorageServiceGrpc.getDownloadSharedFileMethod().getFullMethodName());

    private PublicRoutes() {}

    /** Whether the full method name ({@code sextant.auth.v1.AuthService/Login}) is reached without a token. */
    public static boolean isPublic(String fullMethodName) {
        return METHODS.contains(fullMethodName);
    }
}
