package io.sextant.platform.identity;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.sextant.auth.v1.Revocation;

/**
 * The revocations in force that a verifier knows of: token ids, session ids and subjects (whose
 * tokens issued before a time are refused). Fed by auth's revocation stream; entries are forgotten
 * once every token they could match has expired.
 */
public final class RevocationSet {

    private final Map<String, Instant> tokens = new ConcurrentHashMap<>();
    private final Map<String, Instant> sessions = new ConcurrentHashMap<>();
    /** subject -> revoke time; tokens of the subject issued at or before it are refused. */
    private final Map<String, Instant> subjects = new ConcurrentHashMap<>();
    private final Map<String, Instant> subjectExpiry = new ConcurrentHashMap<>();
    private final Clock clock;
    private volatile boolean synced;

    public RevocationSet(Clock clock) {
        this.clock = clock;
    }

    public void add(Revocation r) {
        final Instant expire = Instant.ofEpochSecond(r.getExpireTime().getSeconds(), r.getExpireTime().getNanos());
        switch (r.getTargetCase()) {
            case TOKEN_ID -> tokens.put(r.getTokenId(), expire);
            case SESSION_ID -> sessions.put(r.getSessionId(), expire);
            case SUBJECT -> {
                final Instant at = Instant.ofEpochSecond(r.getRevokeTime().getSeconds(), r.getRevokeTime().getNanos());
                subjects.merge(r.getSubject(), at, (a, b) -> a.isAfter(b) ? a : b);
                subjectExpiry.merge(r.getSubject(), expire, (a, b) -> a.isAfter(b) ? a : b);
            }
            default -> { }
        }
    }

    public boolean isRevoked(Principal principal) {
        if (tokens.containsKey(principal.tokenId())) {
            return true;
        }
        if (!principal.sessionId().isEmpty() && sessions.containsKey(principal.sessionId())) {
            return true;
        }
        final Instant subjectRevoked = subjects.get(principal.subject());
        return subjectRevoked != null && !principal.issuedAt().isAfter(subjectRevoked);
    }

    /** Forgets revocations whose tokens have all expired. */
    public void prune() {
        final Instant now = clock.instant();
        tokens.values().removeIf(now::isAfter);
        sessions.values().removeIf(now::isAfter);
        subjectExpiry.entrySet().removeIf(e -> {
            if (now.isAfter(e.getValue())) {
                subjects.remove(e.getKey());
                return true;
            }
            return false;
        });
    }

    /** Marks that the initial snapshot from auth has arrived. */
    public void markSynced() {
        synced = true;
    }

    /** Whether the snapshot of revocations in force has arrived at least once. */
    public boolean isSynced() {
        return synced;
    }

    public int size() {
        return tokens.size() + sessions.size() + subjects.size();
    }
}
