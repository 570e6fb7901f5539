package io.sextant.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
     * @param grantsAt when the grants it carries were read (before asking users for them): a
     *                 revocation of the subject after that moment refuses the token, one before it
     *                 does not (claim {@code grants_at}, in milliseconds)
     */
    Issued userToken(UUID accountId, String username, UUID sessionId, List<String> roles, List<String> permissions,
                     Duration ttl, Instant grantsAt) {
        return sign(accountId.toString(), username, "user", sessionId.toString(), roles, permissions, ttl, grantsAt);
    }

    /** A service token; {@code grantsAt} as for {@link #userToken}. */
    Issued serviceToken(String subject, List<String> scopes, Duration ttl, Instant grantsAt) {
        return sign(subject, "", "service", null, List.of(), scopes, ttl, grantsAt);
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
                        List<String> permissions, Duration ttl, Instant grantsAt) {
        final SigningKeys.SigningKey key = keys.current();
        final Instant now = clock.instant();
        final Instant expiresAt = now.plus(ttl);
        final String tokenId = UUID.randomUUID().toString();
        final var builder = JWT.create()
                               .withKeyId(key.kid())
                               .withIssuer(TokenVerifier.ISSUER)
                               .withSubject(subject)
                               .withJWTId(tokenId)
                               .withIssuedAt(now)
                               .withNotBefore(now)
                               .withExpiresAt(expiresAt)
                               .withClaim(TokenVerifier.CLAIM_KIND, kind)
                               .withClaim(TokenVerifier.CLAIM_ROLES, roles)
                               .withClaim(TokenVerifier.CLAIM_PERMISSIONS, permissions)
                               .withClaim(TokenVerifier.CLAIM_GRANTS_AT, grantsAt.toEpochMilli());
        if (!username.isEmpty()) {
            builder.withClaim(TokenVerifier.CLAIM_USERNAME, username);
        }
        if (sessionId != null) {
            builder.withClaim(TokenVerifier.CLAIM_SESSION, sessionId);
        }
        return new Issued(builder.sign(Algorithm.RSA256(key.publicKey(), key.privateKey())), tokenId, expiresAt);
    }
}
