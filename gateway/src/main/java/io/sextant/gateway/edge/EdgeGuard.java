package io.sextant.gateway.edge;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.function.Predicate;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.auth0.jwt.JWT;
import com.auth0.jwt.exceptions.JWTDecodeException;

import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.sextant.gateway.errors.RestErrorBody;
import io.sextant.platform.error.Errors;
import io.sextant.platform.error.GrpcErrorMapper;
import io.sextant.platform.error.ServiceException;
import io.sextant.platform.grpc.AuthorizationHeader;
import io.sextant.platform.identity.AuthInterceptor;
import io.sextant.platform.identity.Principal;
import io.sextant.platform.identity.RemoteIdentity;
import io.sextant.platform.identity.TokenVerifier;
import io.sextant.platform.limits.RateLimit;
import io.sextant.platform.limits.RateLimiter;
import io.sextant.platform.policy.RpcPolicy;
import io.sextant.platform.server.ClientAddress;
import io.sextant.platform.telemetry.CallContext;

/**
 * The gateway's checks of every forwarded call, REST, gRPC and gRPC-Web alike, before anything is
 * sent to a backend: exactly one {@code Authorization} header (two are refused on every route, as
 * the edge and the backend could read different ones), its bearer token (except on the methods
 * whose contract makes them public, {@link RpcPolicy}) verified with the keys and the pushed
 * revocations of auth, and that checked value is what the backend gets ({@link AuthorizationHeader#checked}); then the rate limit of the
 * call's {@link RouteGroup}, with the {@code RateLimit-*} headers on every answer and {@code 429}
 * with {@code Retry-After} once spent.
 */
public final class EdgeGuard implements ServerInterceptor {

    private static final Logger log = LoggerFactory.getLogger(EdgeGuard.class);

    private final TokenVerifier verifier;
    private final Predicate<String> knownKey;
    private final RouteLimiter limiter;

    /**
     * @param knownKey whether a token's signing key is known without asking auth
     * @param limiter  null for no rate limits
     */
    public EdgeGuard(TokenVerifier verifier, Predicate<String> knownKey, RouteLimiter limiter) {
        this.verifier = verifier;
        this.knownKey = knownKey;
        this.limiter = limiter;
    }

    /** A test of tokens whose signing key the identity has now (a token that is no JWT counts as known: it fails at once). */
    public static Predicate<String> knownKeyOf(RemoteIdentity identity) {
        return token -> {
            try {
                return identity.hasKey(JWT.decode(token).getKeyId());
            } catch (JWTDecodeException e) {
                return true;
            }
        };
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        final RpcPolicy policy = RpcPolicy.of(call.getMethodDescriptor());
        final ServiceRequestContext ctx = ServiceRequestContext.current();
        final String header;
        try {
            // REST, gRPC and gRPC-Web alike: a second header would be the one another reader takes
            header = AuthorizationHeader.single(headers);
        } catch (ServiceException e) {
            return refuse(call, e);
        }
        if (policy.isPublic()) {
            // not checked here, but the only one there is: the backend decides (a stale one is ignored)
            AuthorizationHeader.checked(ctx, header);
            return limit(policy, null, call, headers, next);
        }
        final String token;
        try {
            token = bearerToken(header);
        } catch (ServiceException e) {
            return refuse(call, e);
        }
        if (knownKey.test(token)) {
            // the usual case: a signature check with a cached key, on the event loop
            final Principal principal;
            try {
                principal = verifier.verify(token);
            } catch (ServiceException e) {
                return refuse(call, e);
            }
            AuthorizationHeader.checked(ctx, header);
            return limit(policy, principal, call, headers, next);
        }
        // a key this gateway has not seen (just rotated, or made up): fetching auth's keys blocks, so
        // verify on a blocking thread and start the call when that is done
        return offEventLoop(() -> verifier.verify(token), (principal, failure) -> {
            if (failure != null) {
                return refuse(call, serviceException(failure));
            }
            AuthorizationHeader.checked(ctx, header);
            return limit(policy, principal, call, headers, next);
        });
    }

    /** Records the caller, then applies the rate limit of the method's group (off the event loop if it blocks). */
    private <Q, R> ServerCall.Listener<Q> limit(RpcPolicy policy, Principal principal, ServerCall<Q, R> call,
                                                Metadata headers, ServerCallHandler<Q, R> next) {
        if (principal != null) {
            CallContext.setUserId(principal.subject());
        }
        final RouteGroup group = RouteGroup.of(policy);
        if (limiter == null || !limiter.limits(group)) {
            return next.startCall(call, headers);
        }
        // credentials are guessed from addresses, not accounts: the AUTH group counts per address
        final String client = group == RouteGroup.AUTH || principal == null ? "address:" + ClientAddress.current()
                                                                            : "user:" + principal.subject();
        final ServiceRequestContext ctx = ServiceRequestContext.current();
        if (!limiter.blocks()) {
            return admit(ctx, limiter.check(group, client), call, headers, next);
        }
        return offEventLoop(() -> limiter.check(group, client), (decision, failure) -> {
            if (failure != null) {
                limiter.storeFailed(failure);
                return next.startCall(call, headers);
            }
            return admit(ctx, decision, call, headers, next);
        });
    }

    /**
     * Runs blocking work on the blocking executor, then decides how the call starts, back on the
     * call's context-aware event loop (where the call's context is current); what the caller sends
     * meanwhile waits in a {@link DeferredListener}.
     */
    private static <T, Q> ServerCall.Listener<Q> offEventLoop(
            Supplier<T> work, BiFunction<T, Throwable, ServerCall.Listener<Q>> start) {
        final ServiceRequestContext ctx = ServiceRequestContext.current();
        final DeferredListener<Q> deferred = new DeferredListener<>();
        CompletableFuture.supplyAsync(work, ctx.blockingTaskExecutor())
                         .whenComplete((result, failure) -> ctx.eventLoop().execute(
                                 () -> deferred.start(start.apply(result, failure))));
        return deferred;
    }

    private static ServiceException serviceException(Throwable failure) {
        final Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                                ? failure.getCause() : failure;
        if (cause instanceof ServiceException e) {
            return e;
        }
        log.warn("Token verification failed unexpectedly", cause);
        return Errors.unauthenticated("TOKEN_INVALID", "the bearer token could not be verified");
    }

    private static String bearerToken(String header) {
        if (header == null || header.isBlank()) {
            throw Errors.unauthenticated("TOKEN_MISSING", "this route needs a bearer token: send"
                                                          + " 'Authorization: Bearer <access_token>' (log in at POST /v1/auth/login)");
        }
        return AuthInterceptor.bearer(header);
    }

    /** Adds the RateLimit-* headers and lets the call through, or refuses it with 429. */
    private static <Q, R> ServerCall.Listener<Q> admit(ServiceRequestContext ctx, RateLimiter.Decision decision,
                                                       ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        final RateLimit limit = decision.limit();
        ctx.addAdditionalResponseHeader("ratelimit-limit", String.valueOf(limit.count()));
        ctx.addAdditionalResponseHeader("ratelimit-remaining", String.valueOf(decision.remaining()));
        ctx.addAdditionalResponseHeader("ratelimit-reset", String.valueOf(decision.resetSeconds()));
        ctx.addAdditionalResponseHeader("ratelimit-policy", limit.count() + ";w=" + limit.period().toSeconds());
        if (decision.allowed()) {
            return next.startCall(call, headers);
        }
        final long retryAfter = decision.retryAfterSeconds();
        ctx.addAdditionalResponseHeader("retry-after", String.valueOf(retryAfter));
        return refuse(call, Errors.resourceExhausted(
                "RATE_LIMITED", "too many requests: this route allows " + limit.count() + " per "
                                + limit.period().toSeconds() + " s; try again in " + retryAfter + " s",
                Map.of("limit", String.valueOf(limit.count()), "period_seconds",
                       String.valueOf(limit.period().toSeconds()), "retry_after_seconds", String.valueOf(retryAfter))));
    }

    private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, ServiceException e) {
        return GrpcErrorMapper.closeCall(call, e, RestErrorBody.DOMAIN);
    }
}
