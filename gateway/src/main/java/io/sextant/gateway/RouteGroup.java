package io.sextant.gateway;

import java.util.Set;

import io.sextant.auth.v1.AuthServiceGrpc;

/**
 * The route groups that rate limits are configured for. {@code AUTH} holds the routes that guess or
 * create credentials, limited per client address whatever token comes along (RATE_LIMIT_AUTH, by
 * default 10 a minute); every other route is {@code API}, limited per authenticated user, else per
 * client address (RATE_LIMIT_USER, by default 600 a minute).
 */
enum RouteGroup {
    AUTH, API;

    private static final Set<String> AUTH_METHODS = Set.of(
            AuthServiceGrpc.getRegisterMethod().getFullMethodName(),
            AuthServiceGrpc.getLoginMethod().getFullMethodName(),
            AuthServiceGrpc.getRequestPasswordResetMethod().getFullMethodName(),
            AuthServiceGrpc.getConfirmPasswordResetMethod().getFullMethodName(),
            AuthServiceGrpc.getExchangeApiKeyMethod().getFullMethodName());

    static RouteGroup of(String fullMethodName) {
        return AUTH_METHODS.contains(fullMethodName) ? AUTH : API;
    }
}
