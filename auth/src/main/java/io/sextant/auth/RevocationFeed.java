package io.sextant.auth;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;

import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.protobuf.Timestamp;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.sextant.auth.db.RevocationDao;
import io.sextant.auth.db.RevocationRow;
import io.sextant.auth.v1.Revocation;
import io.sextant.auth.v1.WatchRevocationsResponse;
import io.sextant.platform.identity.RevocationSet;
import io.sextant.platform.jobs.ScheduledJobs;
import io.sextant.platform.resource.ProtoTime;

/**
 * Streams revocations to the verifiers of the mesh, each id (token, session, subject) as its
 * SHA-256 only: every service watches without a credential, so what the stream says must be of no
 * use to anyone else. Every auth replica polls the revocations table in id order every 200 ms (so a
 * revocation written by any replica reaches every stream within a second), keeps the ones in force
 * in memory, feeds its own verifier, and pushes each new batch to its subscribers. A subscriber
 * first gets the snapshot of everything in force. A subscriber that cannot keep up is disconnected
 * (it reconnects and re-reads the snapshot) rather than buffered without bound.
 */
final class RevocationFeed implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RevocationFeed.class);
    private static final int BATCH = 500;
    private static final int MAX_SUBSCRIBERS = 10_000;

    private final Jdbi jdbi;
    private final RevocationSet local;
    private final Map<Long, Revocation> inForce = new LinkedHashMap<>();
    private final Set<Subscriber> subscribers = new CopyOnWriteArraySet<>();
    private final ScheduledJobs poller;
    private long lastId;

    RevocationFeed(Jdbi jdbi, RevocationSet local) {
        this.jdbi = jdbi;
        this.local = local;
        this.poller = ScheduledJobs.on("auth-revocation-feed");
    }

    RevocationFeed start() {
        poll();
        local.markSynced();
        poller.every("revocation poll", Duration.ofMillis(200), Duration.ofMillis(200), this::pollSafely);
        poller.every("revocation prune", Duration.ofMinutes(1), Duration.ofMinutes(1), this::prune);
        return this;
    }

    /**
     * Picks up new revocations now, in the calling thread: called right after this replica wrote
     * one, so that its own verifier refuses the token before the call that revoked it returns.
     */
    void pollNow() {
        pollSafely();
    }

    private void pollSafely() {
        try {
            poll();
        } catch (RuntimeException e) {
            log.warn("Could not read revocations: {}", e.toString());
        }
    }

    /**
     * Reads revocations it has not seen: those after the last id, and, because ids are taken at
     * insert but become visible at commit (a later id can commit first), those of the last minute
     * below it that were missed.
     */
    private void poll() {
        final long after;
        synchronized (this) {
            after = lastId;
        }
        List<RevocationRow> rows = jdbi.withExtension(RevocationDao.class, dao -> dao.recentUpTo(after));
        publish(rows);
        long next = after;
        do {
            final long from = next;
            rows = jdbi.withExtension(RevocationDao.class, dao -> dao.after(from, BATCH));
            publish(rows);
            if (!rows.isEmpty()) {
                next = rows.get(rows.size() - 1).id();
            }
        } while (rows.size() == BATCH);
    }

    /** Adds the rows not seen yet to the local set and pushes them to every watcher. */
    private synchronized void publish(List<RevocationRow> rows) {
        final List<Revocation> fresh = new ArrayList<>();
        for (RevocationRow row : rows) {
            if (!inForce.containsKey(row.id())) {
                final Revocation revocation = toProto(row);
                inForce.put(row.id(), revocation);
                local.add(revocation);
                fresh.add(revocation);
            }
            lastId = Math.max(lastId, row.id());
        }
        if (fresh.isEmpty()) {
            return;
        }
        final WatchRevocationsResponse message = WatchRevocationsResponse.newBuilder().addAllRevocations(fresh).build();
        for (Subscriber subscriber : subscribers) {
            subscriber.push(message);
        }
    }

    /** Registers a stream: sends the snapshot, then every new revocation, until the client goes away. */
    void subscribe(ServerCallStreamObserver<WatchRevocationsResponse> observer) {
        if (subscribers.size() >= MAX_SUBSCRIBERS) {
            observer.onError(Status.RESOURCE_EXHAUSTED.withDescription("too many revocation watchers")
                                                      .asRuntimeException());
            return;
        }
        final Subscriber subscriber = new Subscriber(observer);
        observer.setOnCancelHandler(() -> subscribers.remove(subscriber));
        synchronized (this) {
            final List<Revocation> snapshot = new ArrayList<>(inForce.values());
            for (int i = 0; i < snapshot.size(); i += BATCH) {
                observer.onNext(WatchRevocationsResponse.newBuilder()
                                                        .addAllRevocations(snapshot.subList(i, Math.min(snapshot.size(), i + BATCH)))
                                                        .build());
            }
            observer.onNext(WatchRevocationsResponse.newBuilder().setSnapshotComplete(true).build());
            subscribers.add(subscriber);
        }
    }

    /** One watcher. Pushes happen under the feed's lock, so never concurrently. */
    private final class Subscriber {
        /** Pushes in a row that found the transport buffer full; too many and the watcher must reconnect. */
        private static final int MAX_NOT_READY = 64;
        private final ServerCallStreamObserver<WatchRevocationsResponse> observer;
        private int notReady;

        Subscriber(ServerCallStreamObserver<WatchRevocationsResponse> observer) {
            this.observer = observer;
        }

        void push(WatchRevocationsResponse message) {
            if (observer.isCancelled()) {
                subscribers.remove(this);
                return;
            }
            notReady = observer.isReady() ? 0 : notReady + 1;
            if (notReady > MAX_NOT_READY) {
                // rather than queueing without bound for a watcher that does not read
                subscribers.remove(this);
                observer.onError(Status.UNAVAILABLE.withDescription("revocation watcher too slow; reconnect")
                                                   .asRuntimeException());
                return;
            }
            try {
                observer.onNext(message);
            } catch (RuntimeException e) {
                subscribers.remove(this);
            }
        }

        void complete() {
            try {
                observer.onCompleted();
            } catch (RuntimeException ignored) {
                // already gone
            }
        }
    }

    private void prune() {
        try {
            final Instant now = Instant.now();
            synchronized (this) {
                final Iterator<Revocation> it = inForce.values().iterator();
                while (it.hasNext()) {
                    final Timestamp expire = it.next().getExpireTime();
                    if (ProtoTime.instant(expire).isBefore(now)) {
                        it.remove();
                    }
                }
            }
            local.prune();
            jdbi.useExtension(RevocationDao.class, RevocationDao::purgeExpired);
        } catch (RuntimeException e) {
            log.warn("Could not prune revocations: {}", e.toString());
        }
    }

    private static Revocation toProto(RevocationRow row) {
        final Revocation.Builder builder = Revocation.newBuilder()
                                                     .setExpireTime(ProtoTime.timestamp(row.expiresAt()))
                                                     .setRevokeTime(ProtoTime.timestamp(row.revokedAt()));
        // hashed: the stream needs no credential, so it must not reveal the ids it revokes
        switch (row.kind()) {
            case "token" -> builder.setTokenIdSha256(RevocationSet.sha256(row.target()));
            case "session" -> builder.setSessionIdSha256(RevocationSet.sha256(row.target()));
            default -> builder.setSubjectSha256(RevocationSet.sha256(row.target()));
        }
        return builder.build();
    }

    @Override
    public void close() {
        poller.close();
        synchronized (this) {
            subscribers.forEach(Subscriber::complete);
        }
        subscribers.clear();
    }
}
