package io.sextant.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;

import io.sextant.auth.v1.Token;
import io.sextant.platform.identity.TokenVerifier;

/** Signs access tokens (users) and service tokens (API keys) with the current signing key. */
final class TokenIssuer {

    /** A signed token and what the server keeps of it. */
    record Issued(String token, String tokenId, Instant expiresAt) {}

    private final SigningKeys keys;
    private final Clock clock;

    TokenIssuer(SigningKeys keys, Clock clock) {
        this.keys = keys;
        this.clock = clock;
    }

    /**
     * A user's access token.
     *
     * @param revokedUpTo when the tokens of the account were last revoked (null if they never were):
     *                    verifiers refuse a token of the subject whose {@code iat} is not after it
     */
    Issued userToken(UUID accountId, String username, UUID sessionId, List<String> roles, List<String> permissions,
                     Duration ttl, Instant revokedUpTo) {
        return sign(accountId.toString(), username, "user", sessionId.toString(), roles, permissions, ttl, revokedUpTo);
    }

    /** A service token; {@code revokedUpTo} as for {@link #userToken}. */
    Issued serviceToken(String subject, List<String> scopes, Duration ttl, Instant revokedUpTo) {
        return sign(subject, "", "service", null, List.of(), scopes, ttl, revokedUpTo);
    }

    /**
     * The {@code iat} of a token issued now: now, or, when the subject's tokens were revoked within
     * the current second, the next whole second. A JWT's {@code iat} has whole seconds, and verifiers
     * refuse a token of a revoked subject whose {@code iat} is not after the revocation, so a token
     * issued in the same second right after a revocation would be refused with the ones before it.
     * At most a second ahead: well within the verifiers' leeway.
     */
    static Instant issuedAt(Instant now, Instant revokedUpTo) {
        final Instant whole = now.truncatedTo(ChronoUnit.SECONDS);
        if (revokedUpTo == null || whole.isAfter(revokedUpTo)) {
            return now;
        }
        return revokedUpTo.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
    }

    /** The wire form of an issued access token with its refresh token ("" for services). */
    Token toToken(Issued access, String refreshToken) {
        return Token.newBuilder()
                    .setAccessToken(access.token())
                    .setRefreshToken(refreshToken)
                    .setTokenType("Bearer")
                    .setExpiresIn(Math.max(0, Duration.between(clock.instant(), access.expiresAt()).toSeconds()))
                    .build();
    }

    private Issued sign(String subject, String username, String kind, String sessionId, List<String> roles,
                        List<String> permissions, Duration ttl, Instant revokedUpTo) {
        final SigningKeys.SigningKey key = keys.current();
        final Instant now = clock.instant();
        final Instant issuedAt = issuedAt(now, revokedUpTo);
        final Instant expiresAt = now.plus(ttl);
        final String tokenId = UUID.randomUUID().toString();
        final var builder = JWT.create()
                               .withKeyId(key.kid())
                               .withIssuer(TokenVerifier.ISSUER)
                               .withSubject(subject)
                               .withJWTId(tokenId)
                               .withIssuedAt(issuedAt)
                               .withNotBefore(now)
                               .withExpiresAt(expiresAt)
                               .withClaim(TokenVerifier.CLAIM_KIND, kind)
                               .withClaim(TokenVerifier.CLAIM_ROLES, roles)
                               .withClaim(TokenVerifier.CLAIM_PERMISSIONS, permissions);
        if (!username.isEmpty()) {
            builder.withClaim(TokenVerifier.CLAIM_USERNAME, username);
        }
        if (sessionId != null) {
            builder.withClaim(TokenVerifier.CLAIM_SESSION, sessionId);
        }
        return new Issued(builder.sign(Algorithm.RSA256(key.publicKey(), key.privateKey())), tokenId, expiresAt);
    }
}
