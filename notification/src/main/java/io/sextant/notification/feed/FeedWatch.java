package io.sextant.notification.feed;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.grpc.stub.ServerCallStreamObserver;
import io.sextant.notification.db.FeedDao;
import io.sextant.notification.db.FeedItemRow;
import io.sextant.notification.v1.FeedItem;
import io.sextant.platform.error.Errors;
import io.sextant.platform.jobs.ScheduledJobs;

/**
 * WatchFeed's streams on one replica. One poller per replica reads what arrived in any feed since
 * its last look ({@code feed_items} by {@code create_time}, bounded batches, every
 * {@code interval}) and hands each item to the watchers of its user: the database sees one query per
 * interval however many streams are open, and none while there are none. (PostgreSQL LISTEN/NOTIFY
 * would need a dedicated connection per replica outside the pool and a trigger on the table, and
 * gives nothing back a missed notification would; polling the index is as cheap and catches up by
 * itself after a database hiccup.)
 *
 * <p>Rows become visible at commit but carry the time of their insert, so a row can appear behind
 * the poller's high-water mark: every poll reads again the last {@link #OVERLAP} and skips the ids
 * it has handed out already (a bounded set).
 *
 * <p>Each watcher has a bounded queue ({@link #BUFFER} items beyond its replay) drained only while
 * the transport is ready (gRPC flow control: {@code isReady} and the on-ready handler); a watcher
 * whose queue is full is ended with RESOURCE_EXHAUSTED {@code WATCHER_TOO_SLOW} instead of buffering
 * without bound. A cancelled call unregisters its watcher; {@link #close()} ends every stream with
 * UNAVAILABLE {@code STOPPING}.
 */
public final class FeedWatch implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(FeedWatch.class);

    /** Items that may wait for one watcher (beyond its replay) before it is ended as too slow. */
    public static final int BUFFER = 100;
    /** The most items a {@code since} replays. */
    public static final int REPLAY = 100;
    /** Open watchers on one replica, and of one user. */
    static final int MAX_WATCHERS = 10_000;
    static final int MAX_PER_USER = 16;
    /** How far back each poll reads again, for rows committed after rows inserted later. */
    static final Duration OVERLAP = Duration.ofSeconds(2);
    private static final int BATCH = 500;
    private static final int MAX_ROUNDS = 20;
    private static final int MAX_SEEN = 100_000;
    private static final UUID LOWEST = new UUID(Long.MIN_VALUE, Long.MIN_VALUE);

    private final Jdbi jdbi;
    private final Duration interval;
    private final ScheduledJobs poller;
    private final Map<UUID, Set<Watcher>> byUser = new ConcurrentHashMap<>();
    private final AtomicInteger open = new AtomicInteger();
    private volatile boolean closed;

    // the poller's own state, touched by its thread only
    private Instant high;
    private final LinkedHashMap<UUID, Instant> seen = new LinkedHashMap<>();

    public FeedWatch(Jdbi jdbi, Duration interval) {
        this.jdbi = jdbi;
        this.interval = interval;
        this.poller = ScheduledJobs.on("notification-feed-watch");
    }

    /** Starts the poller. */
    public FeedWatch start() {
        poller.every("feed poll", interval, interval, this::pollSafely);
        return this;
    }

    /** How many streams are open on this replica. */
    public int watchers() {
        return open.get();
    }

    /**
     * Registers a stream of {@code user}'s feed: the items that arrive after now, or after {@code since}
     * (its {@link #REPLAY} newest first) when it is not null. Returns once registered; the stream goes
     * on until the caller cancels it, falls behind, or this closes. Runs one query (not on an event loop).
     */
    public void watch(UUID user, Instant since, ServerCallStreamObserver<FeedItem> observer) {
        if (closed) {
            throw Errors.unavailable("STOPPING", "the service is stopping; watch again");
        }
        if (open.incrementAndGet() > MAX_WATCHERS) {
            open.decrementAndGet();
            throw Errors.resourceExhausted("TOO_MANY_WATCHERS", "too many feed watchers on this replica; retry later",
                                           Map.of());
        }
        final Watcher watcher = new Watcher(user, observer);
        try {
            byUser.compute(user, (id, set) -> {
                final Set<Watcher> watchers = set == null ? ConcurrentHashMap.newKeySet() : set;
                if (watchers.size() >= MAX_PER_USER) {
                    throw Errors.resourceExhausted("TOO_MANY_WATCHERS", "at most " + MAX_PER_USER
                                                   + " streams of one feed at once", Map.of("max", String.valueOf(MAX_PER_USER)));
                }
                watchers.add(watcher);
                return watchers;
            });
        } catch (RuntimeException e) {
            open.decrementAndGet();
            throw e;
        }
        observer.setOnCancelHandler(() -> unregister(watcher));
        observer.setOnReadyHandler(watcher::drain);
        try {
            // registered first, then read: an item is either handed out by the poller from now on or
            // found here (or both, and sent once)
            final FeedDao dao = jdbi.onDemand(FeedDao.class);
            final Instant from = since != null ? since : dao.now();
            final List<FeedItemRow> replay = new ArrayList<>(
                    dao.newestSince(user, OffsetDateTime.ofInstant(from, ZoneOffset.UTC), REPLAY));
            Collections.reverse(replay);
            watcher.begin(from, replay);
        } catch (RuntimeException e) {
            unregister(watcher);
            throw e;
        }
    }

    private void unregister(Watcher watcher) {
        final boolean[] removed = {false};
        byUser.computeIfPresent(watcher.user, (id, set) -> {
            removed[0] = set.remove(watcher);
            return set.isEmpty() ? null : set;
        });
        if (removed[0]) {
            open.decrementAndGet();
        }
    }

    private void pollSafely() {
        try {
            poll();
        } catch (RuntimeException e) {
            log.warn("Could not read the feed for its watchers: {}", e.toString());
        }
    }

    /** Reads what arrived since the last look and hands it to the watchers of its users. */
    void poll() {
        if (byUser.isEmpty()) {
            // nobody to tell: no query; the next watcher starts from its own replay
            high = null;
            seen.clear();
            return;
        }
        final FeedDao dao = jdbi.onDemand(FeedDao.class);
        if (high == null) {
            high = dao.now();
        }
        Instant time = high.minus(OVERLAP);
        UUID id = LOWEST;
        for (int round = 0; round < MAX_ROUNDS; round++) {
            final List<FeedItemRow> rows = dao.after(OffsetDateTime.ofInstant(time, ZoneOffset.UTC), id, BATCH);
            for (FeedItemRow row : rows) {
                if (seen.putIfAbsent(row.id(), row.createTime()) == null) {
                    fanOut(row);
                }
                if (row.createTime().isAfter(high)) {
                    high = row.createTime();
                }
            }
            if (rows.size() < BATCH) {
                break;
            }
            time = rows.get(rows.size() - 1).createTime();
            id = rows.get(rows.size() - 1).id();
        }
        // forget what the next poll will not read again (insertion order is about create_time order)
        final Instant oldest = high.minus(OVERLAP);
        final Iterator<Map.Entry<UUID, Instant>> it = seen.entrySet().iterator();
        while (it.hasNext()) {
            final Map.Entry<UUID, Instant> entry = it.next();
            if (entry.getValue().isBefore(oldest) || seen.size() > MAX_SEEN) {
                it.remove();
            } else {
                break;
            }
        }
    }

    private void fanOut(FeedItemRow row) {
        final Set<Watcher> watchers = byUser.get(row.userId());
        if (watchers != null) {
            for (Watcher watcher : watchers) {
                watcher.offer(row);
            }
        }
    }

    /** Ends every stream (UNAVAILABLE {@code STOPPING}: watch again) and stops the poller. */
    @Override
    public void close() {
        closed = true;
        poller.close();
        for (Set<Watcher> watchers : byUser.values()) {
            for (Watcher watcher : watchers) {
                watcher.end(Errors.unavailable("STOPPING", "the service is stopping; watch again with since"));
            }
        }
    }

    /** One stream. Its methods run on the poller's thread and the transport's; the lock orders them. */
    private final class Watcher {
        private final UUID user;
        private final ServerCallStreamObserver<FeedItem> observer;
        private final ArrayDeque<FeedItemRow> queue = new ArrayDeque<>();
        private final Set<UUID> replayed = new HashSet<>();
        /** Items arriving after this are the stream's; null until {@link #begin}. */
        private Instant from;
        private int limit = BUFFER;
        private boolean ended;

        Watcher(UUID user, ServerCallStreamObserver<FeedItem> observer) {
            this.user = user;
            this.observer = observer;
        }

        /** Starts the stream with its replay (oldest first), before what the poller handed over meanwhile. */
        synchronized void begin(Instant start, List<FeedItemRow> replay) {
            from = start;
            final ArrayDeque<FeedItemRow> meanwhile = new ArrayDeque<>(queue);
            queue.clear();
            replay.forEach(row -> replayed.add(row.id()));
            queue.addAll(replay);
            limit = BUFFER + replay.size();
            meanwhile.forEach(this::offer);
            drain();
        }

        synchronized void offer(FeedItemRow row) {
            if (ended || replayed.contains(row.id()) || from != null && !row.createTime().isAfter(from)) {
                return;
            }
            if (queue.size() >= limit) {
                end(Errors.resourceExhausted("WATCHER_TOO_SLOW", "more than " + BUFFER
                                             + " feed items waited for this stream; watch again with since",
                                             Map.of("buffer", String.valueOf(BUFFER))));
                return;
            }
            queue.add(row);
            if (from != null) {
                drain();
            }
        }

        /** Sends what waits, as far as the transport takes it. */
        synchronized void drain() {
            if (ended || from == null) {
                return;
            }
            if (observer.isCancelled()) {
                ended = true;
                unregister(this);
                return;
            }
            while (!queue.isEmpty() && observer.isReady()) {
                try {
                    observer.onNext(Feed.toProto(queue.poll()));
                } catch (RuntimeException e) {
                    // the call went away meanwhile
                    ended = true;
                    unregister(this);
                    return;
                }
            }
        }

        synchronized void end(RuntimeException error) {
            if (ended) {
                return;
            }
            ended = true;
            unregister(this);
            try {
                observer.onError(error);
            } catch (RuntimeException ignored) {
                // already gone
            }
        }
    }
}
