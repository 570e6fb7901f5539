package io.sextant.auth;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.DecoratingHttpClientFunction;
import com.linecorp.armeria.client.HttpClient;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;

/**
 * Auth's own identity for its east-west calls: a short-lived service token with subject
 * {@code services/auth} that auth signs itself (it holds the signing keys, so it needs no API key),
 * cached and renewed well before it expires.
 */
final class ServiceIdentity {

    static final String SUBJECT = "services/auth";
    /**
     * What auth does at other services: read grants (GetUserGrants) and provision profiles (ProvisionUser) at users;
     * send the password reset e-mails at notification.
     */
    static final List<String> PERMISSIONS = List.of("users.read", "users.write", "notifications.send");
    private static final Duration MAX_TTL = Duration.ofMinutes(5);

    private final TokenIssuer issuer;
    private final Clock clock;
    private final Duration ttl;
    private TokenIssuer.Issued current;

    ServiceIdentity(TokenIssuer issuer, Clock clock, Duration serviceTokenTtl) {
        this.issuer = issuer;
        this.clock = clock;
        this.ttl = serviceTokenTtl.compareTo(MAX_TTL) < 0 ? serviceTokenTtl : MAX_TTL;
    }

    /**
     * A client decorator that makes every call as auth: outermost, since the platform's propagation keeps an
     * Authorization header that is already set, so no end user's token travels on.
     */
    DecoratingHttpClientFunction asAuth() {
        return (HttpClient delegate, ClientRequestContext ctx, HttpRequest req) -> {
            final HttpRequest asAuth = req.withHeaders(
                    req.headers().toBuilder().set(HttpHeaderNames.AUTHORIZATION, authorization()).build());
            ctx.updateRequest(asAuth);
            return delegate.execute(ctx, asAuth);
        };
    }

    /** The value of the Authorization header of a call: {@code Bearer <token>}, renewed when half its life is gone. */
    synchronized String authorization() {
        if (current == null || clock.instant().isAfter(current.expiresAt().minus(ttl.dividedBy(2)))) {
            current = issuer.serviceToken(SUBJECT, PERMISSIONS, ttl, clock.instant());
        }
        return "Bearer " + current.token();
    }
}
