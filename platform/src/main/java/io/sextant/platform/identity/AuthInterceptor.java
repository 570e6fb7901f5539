package io.sextant.platform.identity;

import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.sextant.platform.error.Errors;
import io.sextant.platform.error.GrpcErrorMapper;
import io.sextant.platform.error.ServiceException;
import io.sextant.platform.grpc.AuthorizationHeader;
import io.sextant.platform.policy.RpcPolicy;
import io.sextant.platform.telemetry.CallContext;

/**
 * Verifies the bearer token of every call before the service sees it and makes the
 * {@link Principal} available through {@link Authz}. A call without a token proceeds anonymously
 * (each RPC decides with {@link Authz} whether that is enough); a call with a bad token is refused
 * with UNAUTHENTICATED, except on the methods whose contract makes them public (or internal and
 * tokenless), where a stale token must not stop a login. A call with more than one
 * {@code Authorization} header is refused on every method ({@link AuthorizationHeader}); the
 * verified value is the one calls made on its behalf pass on.
 *
 * <p>Then what the contract's policy ({@link RpcPolicy}) says of the caller is checked before the
 * service's code runs ({@link Authz#authorize}): the plain permission, and the calling service of an
 * internal RPC.
 */
public final class AuthInterceptor implements ServerInterceptor {

    private final TokenVerifier verifier;
    private final String domain;

    public AuthInterceptor(String serviceName, TokenVerifier verifier) {
        this.verifier = verifier;
        this.domain = serviceName + ".sextant.io";
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        final String header;
        try {
            // two headers are refused everywhere, public methods too: which one counts would be a guess
            header = AuthorizationHeader.single(headers);
        } catch (ServiceException e) {
            return refuse(call, e);
        }
        final RpcPolicy policy = RpcPolicy.of(call.getMethodDescriptor());
        if (header == null || header.isBlank()) {
            return anonymous(policy, call, headers, next);
        }
        final Principal principal;
        try {
            principal = verifier.verify(bearer(header));
        } catch (ServiceException e) {
            if (policy.tokenOptional()) {
                return anonymous(policy, call, headers, next);
            }
            return refuse(call, e);
        }
        CallContext.setUserId(principal.subject());
        try {
            Authz.authorize(policy, principal);
        } catch (ServiceException e) {
            return refuse(call, e);
        }
        AuthorizationHeader.checked(ServiceRequestContext.currentOrNull(), header);
        return Contexts.interceptCall(Context.current().withValue(Authz.PRINCIPAL, principal), call, headers, next);
    }

    /** Starts an anonymous call if the policy allows it. */
    private <Q, R> ServerCall.Listener<Q> anonymous(RpcPolicy policy, ServerCall<Q, R> call, Metadata headers,
                                                    ServerCallHandler<Q, R> next) {
        try {
            Authz.authorize(policy, null);
        } catch (ServiceException e) {
            return refuse(call, e);
        }
        return next.startCall(call, headers);
    }

    private <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, ServiceException e) {
        return GrpcErrorMapper.closeCall(call, e, domain);
    }

    /** The token of an {@code Authorization: Bearer <token>} header; UNAUTHENTICATED for another form. */
    public static String bearer(String header) {
        final String trimmed = header.trim();
        if (trimmed.length() < 8 || !trimmed.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw Errors.unauthenticated("TOKEN_INVALID", "the Authorization header must be 'Bearer <access_token>'");
        }
        return trimmed.substring(7).trim();
    }
}
