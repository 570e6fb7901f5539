package io.sextant.auth;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.jdbi.v3.core.Handle;

import io.sextant.auth.db.RevocationDao;
import io.sextant.auth.db.SessionDao;

/**
 * What ends tokens before they expire: revocations recorded in the transaction of the change that
 * causes them, and pushed to the mesh's verifiers ({@link #publish()}) once it is committed.
 */
final class Revocations {

    private static final Duration MARGIN = Duration.ofMinutes(1);

    private final AuthConfig config;
    private final RevocationFeed feed;

    Revocations(AuthConfig config, RevocationFeed feed) {
        this.config = config;
        this.feed = feed;
    }

    /**
     * Records a revocation of {@code kind} (token, session or subject) that must hold until the last
     * token it could match has expired, plus a margin for verifiers' clock skew.
     */
    static void revoke(Handle handle, String kind, String target, Instant now, Instant lastTokenExpiry) {
        handle.attach(RevocationDao.class).insert(kind, target, now, lastTokenExpiry.plus(MARGIN));
    }

    /** Every token of the subject issued until now that lives at most {@code ttl}. */
    void revokeSubject(Handle handle, String subject, Instant now, Duration ttl) {
        revoke(handle, "subject", subject, now, now.plus(ttl));
    }

    /** The service tokens of the API keys. */
    void revokeApiKeys(Handle handle, List<UUID> keyIds, Instant now) {
        for (UUID key : keyIds) {
            revokeSubject(handle, "api-keys/" + key, now, config.serviceTokenTtl());
        }
    }

    /** Ends a session and its access tokens, unless it has ended already. */
    void revokeSession(Handle handle, UUID sessionId, String reason, Instant now) {
        if (handle.attach(SessionDao.class).revoke(sessionId, reason, now)) {
            revoke(handle, "session", sessionId.toString(), now, now.plus(config.accessTokenTtl()));
        }
    }

    /** Ends every live session of the account but {@code keep} (none when null); returns the ids ended. */
    List<UUID> revokeOtherSessions(Handle handle, UUID accountId, UUID keep, String reason, Instant now) {
        final List<UUID> revoked = handle.attach(SessionDao.class)
                                         .revokeAllExcept(accountId, keep == null ? new UUID(0, 0) : keep, reason, now);
        for (UUID id : revoked) {
            revoke(handle, "session", id.toString(), now, now.plus(config.accessTokenTtl()));
        }
        return new ArrayList<>(revoked);
    }

    /** Pushes what was committed to the watchers now, rather than at the next poll. */
    void publish() {
        feed.pollNow();
    }
}
