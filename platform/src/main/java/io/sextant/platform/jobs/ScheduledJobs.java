package io.sextant.platform.jobs;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The background jobs of one component of one process, run one at a time on a single named daemon
 * thread: timers such as refreshing a cache, polling a table or checking readiness. A job that
 * throws is logged and runs again at its next time (a plain {@code ScheduledExecutorService} would
 * silently stop it); {@link #close()} stops them all, interrupting a running one and waiting for it
 * a bounded time, so register it with the server ({@code SextantServer.Builder.closeOnStop}) or
 * close it in the component's own {@code close()}.
 *
 * <p>Every replica runs its own jobs. Work that must happen once in the cluster coordinates through
 * PostgreSQL itself (an advisory lock, {@code FOR UPDATE SKIP LOCKED}, an idempotent delete).
 */
public final class ScheduledJobs implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ScheduledJobs.class);

    /** How long {@link #close()} waits for a running job by default. */
    public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(5);

    private final String threadName;
    private final Duration stopTimeout;
    private final ScheduledExecutorService executor;
    private volatile Thread thread;
    private volatile boolean closed;

    private ScheduledJobs(String threadName, Duration stopTimeout) {
        this.threadName = threadName;
        this.stopTimeout = stopTimeout;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            final Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            thread = t;
            return t;
        });
    }

    /** Jobs on a daemon thread of this name, which {@link #close()} waits for up to {@link #DEFAULT_STOP_TIMEOUT}. */
    public static ScheduledJobs on(String threadName) {
        return new ScheduledJobs(threadName, DEFAULT_STOP_TIMEOUT);
    }

    /** As {@link #on(String)}, waiting at most {@code stopTimeout} for a running job on close. */
    public static ScheduledJobs on(String threadName, Duration stopTimeout) {
        return new ScheduledJobs(threadName, stopTimeout);
    }

    /**
     * Runs {@code task} after {@code initialDelay}, then again {@code delay} after each run ends,
     * until closed. A run that throws is logged (naming {@code job}) and the next one happens as planned.
     */
    public ScheduledJobs every(String job, Duration initialDelay, Duration delay, Runnable task) {
        try {
            executor.scheduleWithFixedDelay(guarded(job, task), initialDelay.toNanos(), delay.toNanos(),
                                            TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            throw new IllegalStateException("the jobs of " + threadName + " are closed", e);
        }
        return this;
    }

    /** Runs {@code task} once, as soon as the thread is free; false (and nothing runs) when closed. */
    public boolean runNow(String job, Runnable task) {
        return runAfter(job, Duration.ZERO, task);
    }

    /** Runs {@code task} once after {@code delay}; false (and nothing runs) when closed. */
    public boolean runAfter(String job, Duration delay, Runnable task) {
        if (closed) {
            return false;
        }
        try {
            executor.schedule(guarded(job, task), delay.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (RejectedExecutionException e) {
            return false; // closed meanwhile
        }
    }

    public boolean isClosed() {
        return closed;
    }

    private Runnable guarded(String job, Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable e) {
                if (closed) {
                    log.debug("{} ({}) ended while stopping: {}", job, threadName, e.toString());
                } else {
                    log.warn("{} ({}) failed; it runs again at its next time: {}", job, threadName, e.toString());
                    log.debug("{} failed", job, e);
                }
            }
        };
    }

    /**
     * Stops every job: nothing new starts, a running job is interrupted and waited for up to the
     * stop timeout (not when called from a job itself). Idempotent.
     */
    @Override
    public void close() {
        closed = true;
        executor.shutdownNow();
        if (Thread.currentThread() == thread) {
            return;
        }
        try {
            if (!executor.awaitTermination(stopTimeout.toNanos(), TimeUnit.NANOSECONDS)) {
                log.warn("A job of {} did not stop within {}; left running on its daemon thread", threadName,
                         stopTimeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "jobs of " + threadName;
    }
}
