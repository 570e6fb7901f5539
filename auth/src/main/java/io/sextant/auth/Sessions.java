package io.sextant.auth;

import java.time.Clock;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

import org.jdbi.v3.core.Jdbi;

import io.sextant.auth.db.AccountDao;
import io.sextant.auth.db.AccountRow;
import io.sextant.auth.db.RotationRow;
import io.sextant.auth.db.SessionDao;
import io.sextant.auth.db.SessionRow;
import io.sextant.auth.v1.Token;
import io.sextant.platform.error.Errors;
import io.sextant.platform.identity.Principal;

/**
 * Sessions: a login opens one (an access token and a refresh token), a refresh rotates its refresh
 * token (a reused one ends the session), a logout ends it.
 */
record Sessions(AuthConfig config, Jdbi jdbi, Clock clock, PasswordHasher hasher, TokenIssuer issuer,
                LoginThrottle throttle, Grants.Source grants, Revocations revocations) {

    private static final String INVALID_CREDENTIALS = "invalid username or password";

    /**
     * Opens a session for a username (or e-mail address) and password from {@code address}; an
     * unknown user, a wrong password, a locked or disabled account all fail the same way.
     */
    Token login(String username, String password, String address) {
        throttle.attemptFromClient(address);
        final Optional<AccountRow> found = jdbi.withExtension(AccountDao.class, dao -> dao.findByLogin(username));
        final String accountKey = LoginThrottle.accountKey(
                found.map(a -> a.id().toString()).orElse(username.toLowerCase(Locale.ROOT)));
        final boolean locked = throttle.attemptOnAccount(accountKey, address);
        // always verify, so an unknown user, a locked account and a wrong password cost the same
        final boolean passwordOk = hasher.verify(password, found.map(AccountRow::passwordHash).orElse(null));
        if (found.isEmpty() || !passwordOk || locked || found.get().disabled()) {
            throw Errors.unauthenticated("INVALID_CREDENTIALS", INVALID_CREDENTIALS);
        }
        final AccountRow account = found.get();
        // read before users is asked: a change of the grants committed after this moment revokes the token
        final Instant grantsAt = clock.instant();
        final Grants granted = grants.of(account.id());
        if (!granted.active()) {
            // deactivated in users: exactly the answer of a wrong password
            throw Errors.unauthenticated("INVALID_CREDENTIALS", INVALID_CREDENTIALS);
        }
        throttle.succeeded(accountKey, address);
        if (hasher.needsRehash(account.passwordHash())) {
            final String rehashed = hasher.hash(password);
            jdbi.useExtension(AccountDao.class, dao -> dao.rehash(account.id(), rehashed));
        }
        final UUID sessionId = UUID.randomUUID();
        final String refreshToken = Secrets.newSecret("sxr_");
        final Instant now = clock.instant();
        final Instant sessionEnd = now.plus(config.sessionMaxAge());
        jdbi.useExtension(SessionDao.class, dao -> dao.open(sessionId, account.id(), sessionEnd, address,
                                                            Secrets.hash(refreshToken), refreshExpiry(now, sessionEnd)));
        final TokenIssuer.Issued access = issuer.userToken(account.id(), account.username(), sessionId,
                                                           granted.roles(), granted.permissions(), config.accessTokenTtl(),
                                                           grantsAt);
        return issuer.toToken(access, refreshToken);
    }

    /**
     * A new access token and the next refresh token of the session; the presented one is used up.
     * The check and the rotation are one statement ({@link SessionDao#rotate}): one round trip to
     * the database.
     */
    Token refresh(String refreshToken) {
        final byte[] presented = Secrets.hash(refreshToken);
        final String next = Secrets.newSecret("sxr_");
        final Instant now = clock.instant();
        final RotationRow row = jdbi.withExtension(SessionDao.class, dao -> dao.rotate(
                presented, Secrets.hash(next), now, now.plus(config.refreshTokenTtl()))).orElse(null);
        if (row == null || row.revokedAt() != null) {
            throw Errors.unauthenticated("REFRESH_TOKEN_INVALID", "the refresh token is not valid; log in again");
        }
        if (row.usedAt() != null) {
            // reuse (even of a token that has expired since): someone holds a copy of a rotated
            // token; end the whole session
            jdbi.useTransaction(handle -> revocations.revokeSession(handle, row.sessionId(), "refresh token reuse", now));
            revocations.publish();
            throw Errors.unauthenticated("REFRESH_TOKEN_REUSED",
                                         "the refresh token was already used; the session has been ended, log in again");
        }
        if (!row.rotated()) {
            // expired, or its account disabled
            throw Errors.unauthenticated("REFRESH_TOKEN_INVALID", "the refresh token is not valid; log in again");
        }
        final Instant grantsAt = clock.instant();
        final Grants granted = grants.of(row.accountId());
        if (!granted.active()) {
            throw Errors.unauthenticated("REFRESH_TOKEN_INVALID", "the refresh token is not valid; log in again");
        }
        final TokenIssuer.Issued access = issuer.userToken(row.accountId(), row.username(), row.sessionId(),
                                                           granted.roles(), granted.permissions(), config.accessTokenTtl(),
                                                           grantsAt);
        return issuer.toToken(access, next);
    }

    /**
     * Ends the session of the refresh token, and the caller's access token too when it belongs to
     * another session ({@code caller} may be null: a logout needs no access token).
     */
    void logout(String refreshToken, Principal caller) {
        final byte[] presented = Secrets.hash(refreshToken);
        final Instant now = clock.instant();
        final boolean known = jdbi.inTransaction(handle -> {
            final SessionRow row = handle.attach(SessionDao.class).lockByRefreshToken(presented).orElse(null);
            if (row == null) {
                return false;
            }
            revocations.revokeSession(handle, row.sessionId(), "logout", now);
            if (caller != null && caller.kind() == Principal.Kind.USER
                && !caller.sessionId().equals(row.sessionId().toString())) {
                // the access token of the call belongs to another session: it ends too
                Revocations.revoke(handle, "token", caller.tokenId(), now, caller.expiresAt());
            }
            return true;
        });
        if (!known) {
            throw Errors.unauthenticated("REFRESH_TOKEN_INVALID", "the refresh token is not valid");
        }
        revocations.publish();
    }

    private Instant refreshExpiry(Instant now, Instant sessionEnd) {
        final Instant byTtl = now.plus(config.refreshTokenTtl());
        return byTtl.isBefore(sessionEnd) ? byTtl : sessionEnd;
    }
}
