package io.sextant.platform.identity;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.google.protobuf.ByteString;

import io.sextant.auth.v1.Revocation;

/**
 * The revocations in force that a verifier knows of: token ids, session ids and subjects (whose
 * tokens issued before a time are refused). Fed by auth's revocation stream; entries are forgotten
 * once every token they could match has expired.
 *
 * <p>Auth names what it revokes only by the SHA-256 of each id (the stream needs no credential, so
 * it must not reveal ids), and this set keeps nothing else: a revocation that comes with a plain id
 * (from an older auth) is hashed on arrival, and a principal's ids are hashed to look them up, each
 * only while there is a revocation of its kind to compare with. A SHA-256 of an id of a few dozen
 * bytes costs well under a microsecond, next to the tens of microseconds of the RS256 signature
 * check that comes before it.
 */
public final class RevocationSet {

    private final Map<ByteString, Instant> tokens = new ConcurrentHashMap<>();
    private final Map<ByteString, Instant> sessions = new ConcurrentHashMap<>();
    /** subject -> revoke time; tokens of the subject issued at or before it are refused. */
    private final Map<ByteString, Instant> subjects = new ConcurrentHashMap<>();
    private final Map<ByteString, Instant> subjectExpiry = new ConcurrentHashMap<>();
    private final Clock clock;
    private volatile boolean synced;

    public RevocationSet(Clock clock) {
        this.clock = clock;
    }

    /** The SHA-256 of the UTF-8 bytes of an id, as the revocation stream names it. */
    public static ByteString sha256(String id) {
        try {
            return ByteString.copyFrom(MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    public void add(Revocation r) {
        final Instant expire = Instant.ofEpochSecond(r.getExpireTime().getSeconds(), r.getExpireTime().getNanos());
        switch (r.getTargetCase()) {
            case TOKEN_ID -> tokens.put(sha256(r.getTokenId()), expire);
            case TOKEN_ID_SHA256 -> tokens.put(r.getTokenIdSha256(), expire);
            case SESSION_ID -> sessions.put(sha256(r.getSessionId()), expire);
            case SESSION_ID_SHA256 -> sessions.put(r.getSessionIdSha256(), expire);
            case SUBJECT -> addSubject(sha256(r.getSubject()), r, expire);
            case SUBJECT_SHA256 -> addSubject(r.getSubjectSha256(), r, expire);
            default -> { }
        }
    }

    private void addSubject(ByteString subject, Revocation r, Instant expire) {
        final Instant at = Instant.ofEpochSecond(r.getRevokeTime().getSeconds(), r.getRevokeTime().getNanos());
        subjects.merge(subject, at, (a, b) -> a.isAfter(b) ? a : b);
        subjectExpiry.merge(subject, expire, (a, b) -> a.isAfter(b) ? a : b);
    }

    public boolean isRevoked(Principal principal) {
        if (!tokens.isEmpty() && tokens.containsKey(sha256(principal.tokenId()))) {
            return true;
        }
        if (!principal.sessionId().isEmpty() && !sessions.isEmpty()
            && sessions.containsKey(sha256(principal.sessionId()))) {
            return true;
        }
        if (subjects.isEmpty()) {
            return false;
        }
        final Instant subjectRevoked = subjects.get(sha256(principal.subject()));
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
