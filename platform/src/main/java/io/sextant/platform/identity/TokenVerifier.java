package io.sextant.platform.identity;

import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTDecodeException;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.exceptions.TokenExpiredException;
import com.auth0.jwt.interfaces.DecodedJWT;

import io.sextant.platform.error.Errors;
import io.sextant.platform.error.ServiceException;

/**
 * Verifies Sextant access tokens: RS256 only (so {@code alg: none} and HMAC tricks fail), a known
 * {@code kid}, the issuer, the expiry (5 s leeway for clock skew), and the revocations pushed by
 * auth. Each failure is UNAUTHENTICATED with its own reason, and never says more than needed.
 */
public final class TokenVerifier {

    /** The {@code iss} of every token auth issues. */
    public static final String ISSUER = "sextant-auth";
    public static final String CLAIM_USERNAME = "username";
    public static final String CLAIM_KIND = "kind";
    public static final String CLAIM_ROLES = "roles";
    public static final String CLAIM_PERMISSIONS = "permissions";
    public static final String CLAIM_SESSION = "sid";
    /**
     * When auth read the grants the token carries, in milliseconds since the epoch: what a
     * revocation of the token's subject is compared with. {@code iat} has whole seconds, too coarse
     * for "revoke what was issued before this change, not the refresh right after it".
     */
    public static final String CLAIM_GRANTS_AT = "grants_at";

    private static final long LEEWAY_SECONDS = 5;
    /** Verified tokens remembered: at about 1 KiB each, 10 MiB at most. */
    public static final int DEFAULT_CACHE_SIZE = 10_000;
    /** The longest lifetime auth can be configured to give a token (ACCESS_TOKEN_TTL, SERVICE_TOKEN_TTL). */
    public static final Duration MAX_LIFETIME = Duration.ofHours(24);

    private final KeySource keys;
    private final RevocationSet revocations;
    private final Clock clock;
    private final Map<String, KeyedVerifier> verifiers = new ConcurrentHashMap<>();
    /**
     * Tokens verified before, so that a token seen again (the gateway and the service each verify
     * every call; a client sends the same token for minutes) costs a map lookup instead of an RSA
     * verification. Keyed by the whole token, an exact match (the principal holds the token anyway,
     * so the key costs no memory of its own). A hit still checks what may have changed since: the
     * expiry, the key being published under its kid, and the revocations, so a revoked token is
     * refused exactly as without the cache.
     */
    private final Map<String, Verified> verified = new ConcurrentHashMap<>();
    private final int maxCached;

    /** A verifier that remembers up to {@link #DEFAULT_CACHE_SIZE} verified tokens. */
    public TokenVerifier(KeySource keys, RevocationSet revocations, Clock clock) {
        this(keys, revocations, clock, DEFAULT_CACHE_SIZE);
    }

    /** @param maxCached how many verified tokens to remember (0: none, every call verifies the signature) */
    public TokenVerifier(KeySource keys, RevocationSet revocations, Clock clock, int maxCached) {
        this.keys = keys;
        this.revocations = revocations;
        this.clock = clock;
        this.maxCached = maxCached;
    }

    public RevocationSet revocations() {
        return revocations;
    }

    /** The principal of a valid token; otherwise a ServiceException with code UNAUTHENTICATED. */
    public Principal verify(String token) {
        final Verified seen = maxCached > 0 ? verified.get(token) : null;
        if (seen != null) {
            if (clock.instant().isBefore(seen.principal().expiresAt()) && seen.key().equals(keys.find(seen.kid()))) {
                return unlessRevoked(seen.principal());
            }
            // expired (the full check below says how, with its leeway), or its key withdrawn
            verified.remove(token);
        }
        final DecodedJWT unverified;
        try {
            unverified = JWT.decode(token);
        } catch (JWTDecodeException e) {
            throw invalid("the bearer token is not a well-formed JWT");
        }
        if (!"RS256".equals(unverified.getAlgorithm())) {
            throw invalid("the bearer token is not signed with RS256");
        }
        final String kid = unverified.getKeyId();
        if (kid == null || kid.isEmpty()) {
            throw invalid("the bearer token has no key id");
        }
        final KeyedVerifier keyed = verifierFor(kid);
        final DecodedJWT jwt;
        try {
            jwt = keyed.verifier().verify(unverified);
        } catch (TokenExpiredException e) {
            throw Errors.unauthenticated("TOKEN_EXPIRED", "the bearer token has expired; refresh it or log in again");
        } catch (JWTVerificationException e) {
            throw invalid("the bearer token's signature or claims are not valid");
        }
        // withClaimPresence accepts an explicit JSON null: these claims must really be there
        if (jwt.getSubject() == null || jwt.getId() == null || jwt.getIssuedAtAsInstant() == null
            || jwt.getExpiresAtAsInstant() == null) {
            throw invalid("the bearer token's signature or claims are not valid");
        }
        if (Duration.between(jwt.getIssuedAtAsInstant(), jwt.getExpiresAtAsInstant()).compareTo(MAX_LIFETIME) > 0) {
            // auth never issues such a token: it was signed with a leaked key, or by mistake
            throw invalid("the bearer token lives longer than any token auth issues");
        }
        final Principal principal = unlessRevoked(toPrincipal(jwt, token));
        remember(token, new Verified(principal, kid, keyed.key()));
        return principal;
    }

    /** How many verified tokens are remembered now. */
    public int cachedTokens() {
        return verified.size();
    }

    private Principal unlessRevoked(Principal principal) {
        if (revocations.isRevoked(principal)) {
            throw Errors.unauthenticated("TOKEN_REVOKED", "the bearer token has been revoked; log in again");
        }
        return principal;
    }

    /** Remembers a verified token; at the bound, the expired ones go first, and all of them if that is not enough. */
    private void remember(String token, Verified entry) {
        if (maxCached <= 0) {
            return;
        }
        if (verified.size() >= maxCached) {
            final Instant now = clock.instant();
            verified.values().removeIf(v -> !now.isBefore(v.principal().expiresAt()));
            if (verified.size() >= maxCached) {
                // a flood of distinct tokens: start over rather than grow (each is verified once more)
                verified.clear();
            }
        }
        verified.put(token, entry);
    }

    private record Verified(Principal principal, String kid, RSAPublicKey key) {}

    /**
     * The verifier of the key the source has for this kid now: a key withdrawn from the JWKS (or
     * replaced under the same kid) stops verifying at once.
     */
    private KeyedVerifier verifierFor(String kid) {
        final RSAPublicKey key = keys.find(kid);
        if (key == null) {
            throw invalid("the bearer token was signed with an unknown key");
        }
        final KeyedVerifier cached = verifiers.get(kid);
        if (cached != null && cached.key().equals(key)) {
            return cached;
        }
        final var verification = (JWTVerifier.BaseVerification) JWT.require(Algorithm.RSA256(key, null))
                                        .withIssuer(ISSUER)
                                        .withClaimPresence("sub")
                                        .withClaimPresence("jti")
                                        .withClaimPresence("exp")
                                        .withClaimPresence("iat")
                                        .acceptLeeway(LEEWAY_SECONDS);
        final KeyedVerifier built = new KeyedVerifier(key, verification.build(clock));
        verifiers.put(kid, built);
        return built;
    }

    private record KeyedVerifier(RSAPublicKey key, JWTVerifier verifier) {}

    private static Principal toPrincipal(DecodedJWT jwt, String token) {
        final String kindClaim = jwt.getClaim(CLAIM_KIND).asString();
        final Principal.Kind kind = "service".equals(kindClaim) ? Principal.Kind.SERVICE : Principal.Kind.USER;
        final String username = jwt.getClaim(CLAIM_USERNAME).asString();
        final String sid = jwt.getClaim(CLAIM_SESSION).asString();
        return new Principal(jwt.getSubject(), username == null ? "" : username, kind,
                             set(jwt.getClaim(CLAIM_ROLES).asList(String.class)),
                             set(jwt.getClaim(CLAIM_PERMISSIONS).asList(String.class)),
                             sid == null ? "" : sid, jwt.getId(),
                             issuedAt(jwt), jwt.getExpiresAtAsInstant(), token);
    }

    /** The token's {@code grants_at} if it has one (tokens of older auth versions do not), else its {@code iat}. */
    private static Instant issuedAt(DecodedJWT jwt) {
        final Long grantsAt = jwt.getClaim(CLAIM_GRANTS_AT).asLong();
        return grantsAt == null ? jwt.getIssuedAtAsInstant() : Instant.ofEpochMilli(grantsAt);
    }

    private static Set<String> set(List<String> values) {
        return values == null ? Set.of() : new HashSet<>(values);
    }

    private static ServiceException invalid(String message) {
        return Errors.unauthenticated("TOKEN_INVALID", message);
    }
}
