package io.sextant.notification.engine;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.sextant.notification.channel.Message;
import io.sextant.notification.channel.Outcome;
import io.sextant.notification.channel.Provider;
import io.sextant.notification.channel.ProviderChain;
import io.sextant.notification.db.ClaimedRow;
import io.sextant.notification.db.QueueDao;
import io.sextant.notification.prefs.Preferences;

/**
 * Delivers the queued notifications: one poller thread claims due rows in PostgreSQL under a lease
 * ({@code FOR UPDATE SKIP LOCKED}, so engines on several replicas share the queue and never wait for
 * each other), never more than it has free workers for, and hands each to a bounded pool of
 * workers, which call the channel's {@link Provider} and record the attempt. A retryable failure
 * comes back after a jittered exponential backoff (at least the provider's Retry-After) until the
 * last attempt, after which it is FAILED with the last error; a permanent one is FAILED at once.
 * Rows whose lease expired (a replica that died) are claimed again. The poller looks every poll
 * interval, and at once when this replica accepts a notification ({@link #wake()}). A notification
 * whose recipient opted out of its channel and category (decided in the claim, when it is due) is
 * ended SUPPRESSED without an attempt; an e-mail of a non-transactional category carries the
 * one-click unsubscribe headers.
 *
 * <p>Delivery is at least once: a replica that dies after its provider accepted a message but
 * before it recorded that leaves a lease that expires, and another replica sends it again.
 */
public final class DeliveryEngine implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DeliveryEngine.class);
    /** How long a stopping engine lets its deliveries in flight finish. */
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private static final Duration MAX_ERROR_PAUSE = Duration.ofSeconds(5);

    private final Jdbi jdbi;
    private final Map<String, Provider> providers;
    private final EngineSettings settings;
    private final Preferences preferences;
    private final String instance;
    private final Backoff backoff;
    private final Semaphore freeWorkers;
    private final Semaphore wakeups = new Semaphore(0);
    private final ExecutorService workers;
    private final Thread poller;
    private final AtomicInteger delivered = new AtomicInteger();
    private volatile boolean stopping;

    /**
     * @param providers by channel: {@code email}, {@code sms}, {@code push}, {@code webhook}, {@code in_app}
     * @param instance  this engine's name in leases and attempts (unique per replica)
     */
    public DeliveryEngine(Jdbi jdbi, Map<String, Provider> providers, EngineSettings settings, Preferences preferences,
                          String instance) {
        this.jdbi = jdbi;
        this.providers = Map.copyOf(providers);
        this.settings = settings;
        this.preferences = preferences;
        this.instance = instance;
        this.backoff = new Backoff(settings.retryInitial(), settings.retryMax());
        // never more claimed than workers free: a row that waited for a worker under its lease could
        // outlive the lease and be taken over (and sent twice) by another engine
        this.freeWorkers = new Semaphore(settings.workers());
        final AtomicInteger threads = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(settings.workers(), r -> {
            final Thread t = new Thread(r, "notification-delivery-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.poller = new Thread(this::poll, "notification-poller");
        this.poller.setDaemon(true);
    }

    /** A new instance name: unique per process start. */
    public static String newInstanceName() {
        return "engine-" + UUID.randomUUID();
    }

    public DeliveryEngine start() {
        poller.start();
        return this;
    }

    /** This engine's name in leases and attempts. */
    public String instance() {
        return instance;
    }

    /** Looks for due notifications now rather than at the next poll. */
    public void wake() {
        if (wakeups.availablePermits() == 0) {
            wakeups.release();
        }
    }

    /** The attempts this engine has recorded. */
    public int attemptsRecorded() {
        return delivered.get();
    }

    private void poll() {
        Duration pause = settings.pollInterval();
        while (!stopping) {
            int free = 0;
            try {
                freeWorkers.acquire();
                free = 1 + freeWorkers.drainPermits();
                final int limit = free;
                final List<ClaimedRow> claimed = jdbi.withExtension(
                        QueueDao.class, dao -> dao.claim(instance, settings.lease().toMillis(), limit,
                                                         preferences.transactional()));
                freeWorkers.release(free - claimed.size());
                free = 0;
                for (ClaimedRow row : claimed) {
                    submit(row);
                }
                pause = settings.pollInterval();
                if (claimed.size() < limit) {
                    wakeups.tryAcquire(settings.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
                    wakeups.drainPermits();
                }
            } catch (InterruptedException e) {
                freeWorkers.release(free);
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                freeWorkers.release(free);
                if (stopping) {
                    return;
                }
                log.warn("Claiming notifications failed ({}); trying again in {} ms", e.toString(), pause.toMillis());
                try {
                    Thread.sleep(pause.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
                pause = pause.multipliedBy(2).compareTo(MAX_ERROR_PAUSE) > 0 ? MAX_ERROR_PAUSE : pause.multipliedBy(2);
            }
        }
    }

    private void submit(ClaimedRow row) {
        try {
            workers.execute(() -> {
                try {
                    deliver(row);
                } finally {
                    freeWorkers.release();
                }
            });
        } catch (RejectedExecutionException e) {
            // stopping: give the lease back so that another engine takes it at once
            freeWorkers.release();
            jdbi.useExtension(QueueDao.class, dao -> dao.release(new UUID[] {row.id()}, instance));
        }
    }

    private void deliver(ClaimedRow row) {
        if (row.optedOut() != null) {
            suppress(row);
            return;
        }
        final Provider provider = providers.get(row.channel().toLowerCase(Locale.ROOT));
        Outcome outcome;
        String providerName = provider == null ? "none" : provider.name();
        if (provider == null) {
            outcome = new Outcome.Permanent("no provider is configured for the " + row.channel() + " channel");
        } else {
            try {
                final Map<String, String> headers = row.channel().equals("EMAIL")
                        ? preferences.emailHeaders(row.recipient(), row.address(), row.category()) : Map.of();
                final Message message = new Message(row.id(), row.address(), row.subject(), row.body(),
                                                    row.htmlBody(), row.category(), headers);
                if (provider instanceof ProviderChain chain) {
                    // the attempt is the provider's that decided it (the one that sent, or the last that failed)
                    final String[] decided = {providerName};
                    outcome = chain.deliver(message, (name, result) -> decided[0] = name);
                    providerName = decided[0];
                } else {
                    outcome = provider.deliver(message);
                }
            } catch (RuntimeException e) {
                log.error("Provider {} failed on notification {}", providerName, row.id(), e);
                outcome = new Outcome.Retryable("the provider failed: " + e.getClass().getSimpleName(), null);
            }
        }
        record(row, providerName, outcome);
    }

    private void suppress(ClaimedRow row) {
        final String error = "not sent: the recipient opted out of " + describe(row.optedOut());
        try {
            if (!jdbi.withExtension(QueueDao.class, dao -> dao.suppress(row.id(), instance, error))) {
                log.warn("Notification {}: the lease was lost before it was suppressed", row.id());
            }
        } catch (RuntimeException e) {
            // the lease expires and the next claim decides again
            log.error("Suppressing notification {} failed", row.id(), e);
        }
    }

    /** {@code EMAIL/newsletter} as people read it: "newsletter by e-mail", "every category by SMS", ... */
    private static String describe(String optOut) {
        final int slash = optOut.indexOf('/');
        final String channel = optOut.substring(0, slash);
        final String category = optOut.substring(slash + 1);
        return (category.equals("*") ? "every category" : "'" + category + "'")
               + (channel.equals("*") ? " on every channel" : " by " + channel);
    }

    private void record(ClaimedRow row, String providerName, Outcome outcome) {
        final int attempts = row.attempts() + 1;
        final String status;
        final String outcomeName;
        long retryMillis = 0;
        String error = outcome.detail();
        if (outcome instanceof Outcome.Sent) {
            status = "SENT";
            outcomeName = "SENT";
            error = null;
        } else if (outcome instanceof Outcome.Retryable retryable) {
            outcomeName = "RETRYABLE";
            if (attempts >= settings.maxAttempts()) {
                status = "FAILED";
            } else {
                status = "SENDING";
                retryMillis = backoff.next(attempts, retryable.retryAfter()).toMillis();
            }
        } else {
            status = "FAILED";
            outcomeName = "PERMANENT";
        }
        final String finalError = error == null ? null
                                  : error.isEmpty() ? outcomeName.toLowerCase(Locale.ROOT) + " failure" : error;
        final long retry = retryMillis;
        try {
            final boolean held = jdbi.withExtension(QueueDao.class, dao -> dao.record(
                    row.id(), instance, status, retry, finalError, providerName, outcomeName, outcome.detail()));
            if (held) {
                delivered.incrementAndGet();
            } else {
                log.warn("Notification {}: the lease was lost before the attempt ({}) was recorded; another engine"
                         + " has taken it over", row.id(), outcomeName);
            }
        } catch (RuntimeException e) {
            // the lease expires and the notification is tried again: at least once
            log.error("Recording the attempt of notification {} ({}) failed", row.id(), outcomeName, e);
        }
    }

    /**
     * Stops claiming, lets the deliveries in flight finish and record (up to 10 s), then stops the
     * workers; leases of anything left expire and other replicas take it over.
     */
    @Override
    public void close() {
        stopping = true;
        poller.interrupt();
        try {
            poller.join(STOP_GRACE.toMillis());
            workers.shutdown();
            if (!workers.awaitTermination(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
