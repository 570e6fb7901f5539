package io.sextant.platform.identity;

import java.util.Set;

import io.sextant.auth.v1.AuthServiceGrpc;

/**
 * The auth methods a caller reaches without a valid access token, wherever it calls them (auth's own
 * port, or the gateway): one list, so that auth and the edge cannot disagree.
 */
public final class TokenlessAuthMethods {

    /** Full gRPC method names. */
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
            AuthServiceGrpc.getGetJwksMethod().getFullMethodName());

    private TokenlessAuthMethods() {}
}
