package io.sextant.gateway.edge;

import io.sextant.api.v1.RateLimitGroup;
import io.sextant.gateway.backends.Backend;
import io.sextant.platform.policy.RpcPolicy;

/**
 * The route groups that rate limits are configured for. {@code AUTH} holds the routes that guess or
 * create credentials, limited per client address whatever token comes along (RATE_LIMIT_AUTH, by
 * default 10 a minute); every other route is {@code API}, limited per authenticated user, else per
 * client address (RATE_LIMIT_USER, by default 600 a minute). Which group a method is in is declared
 * in its contract ({@code rate_limit_group} of {@code sextant.api.v1.policy}).
 */
enum RouteGroup {
    AUTH, API;

    static RouteGroup of(RpcPolicy policy) {
        return policy.rateLimitGroup() == RateLimitGroup.RATE_LIMIT_GROUP_AUTH ? AUTH : API;
    }

    /** The group of a method of a backend's API by its full name; API for a name no backend has. */
    static RouteGroup of(String fullMethodName) {
        for (Backend backend : Backend.ALL) {
            for (io.grpc.ServiceDescriptor api : backend.apis()) {
                for (io.grpc.MethodDescriptor<?, ?> method : api.getMethods()) {
                    if (method.getFullMethodName().equals(fullMethodName)) {
                        return of(RpcPolicy.of(method));
                    }
                }
            }
        }
        return API;
    }
}
