package io.sextant.platform.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import io.sextant.platform.testing.Poll;

class ScheduledJobsTest {

    private static final Duration OFTEN = Duration.ofMillis(10);

    @Test
    void runsAJobAgainAndAgainOnANamedDaemonThread() throws Exception {
        final AtomicInteger runs = new AtomicInteger();
        final AtomicReference<Thread> thread = new AtomicReference<>();
        try (ScheduledJobs jobs = ScheduledJobs.on("test-jobs")) {
            jobs.every("count", Duration.ZERO, OFTEN, () -> {
                thread.set(Thread.currentThread());
                runs.incrementAndGet();
            });
            Poll.until(() -> assertThat(runs).hasValueGreaterThanOrEqualTo(3));
        }
        assertThat(thread.get().getName()).isEqualTo("test-jobs");
        assertThat(thread.get().isDaemon()).isTrue();
    }

    @Test
    void aJobThatThrowsRunsAgainAndTheOthersGoOn() {
        final AtomicInteger failing = new AtomicInteger();
        final AtomicInteger other = new AtomicInteger();
        try (ScheduledJobs jobs = ScheduledJobs.on("test-failing")) {
            jobs.every("fails", Duration.ZERO, OFTEN, () -> {
                failing.incrementAndGet();
                throw new IllegalStateException("the database is down");
            });
            jobs.every("fails worse", Duration.ZERO, OFTEN, () -> {
                throw new AssertionError("not even an exception");
            });
            jobs.every("works", Duration.ZERO, OFTEN, other::incrementAndGet);
            Poll.until(() -> {
                assertThat(failing).hasValueGreaterThanOrEqualTo(3);
                assertThat(other).hasValueGreaterThanOrEqualTo(3);
            });
        }
    }

    @Test
    void closeStopsEveryJobAndWaitsForTheRunningOne() throws Exception {
        final AtomicInteger runs = new AtomicInteger();
        final CountDownLatch running = new CountDownLatch(1);
        final AtomicBoolean finished = new AtomicBoolean();
        final ScheduledJobs jobs = ScheduledJobs.on("test-close");
        jobs.every("count", Duration.ZERO, OFTEN, runs::incrementAndGet);
        jobs.runNow("sleep", () -> {
            running.countDown();
            try {
                Thread.sleep(Duration.ofMinutes(10).toMillis());
            } catch (InterruptedException e) {
                // close interrupts a running job
            } finally {
                finished.set(true);
            }
        });
        assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();

        assertTimeoutPreemptively(Duration.ofSeconds(30), jobs::close);

        assertThat(finished).isTrue();
        assertThat(jobs.isClosed()).isTrue();
        assertThat(jobs.runNow("late", runs::incrementAndGet)).isFalse();
        assertThat(jobs.runAfter("late", OFTEN, runs::incrementAndGet)).isFalse();
        final int afterClose = runs.get();
        Thread.sleep(100);
        assertThat(runs).hasValue(afterClose);
        jobs.close(); // again: nothing happens
    }

    @Test
    void closeWaitsOnlyBoundedForAJobThatIgnoresInterrupts() {
        final CountDownLatch running = new CountDownLatch(1);
        final AtomicBoolean release = new AtomicBoolean();
        final ScheduledJobs jobs = ScheduledJobs.on("test-stubborn", Duration.ofMillis(100));
        jobs.runNow("stubborn", () -> {
            running.countDown();
            while (!release.get()) {
                Thread.onSpinWait();
            }
        });
        try {
            assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();
            assertTimeoutPreemptively(Duration.ofSeconds(30), jobs::close);
            assertThat(jobs.isClosed()).isTrue();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        } finally {
            release.set(true);
        }
    }

    @Test
    void aJobMayCloseItsOwnJobs() {
        final ScheduledJobs jobs = ScheduledJobs.on("test-self-close");
        jobs.runNow("close", jobs::close);
        Poll.until(() -> assertThat(jobs.isClosed()).isTrue());
    }

    @Test
    void aOneShotJobRunsLater() {
        final AtomicInteger runs = new AtomicInteger();
        try (ScheduledJobs jobs = ScheduledJobs.on("test-later")) {
            assertThat(jobs.runAfter("once", OFTEN, runs::incrementAndGet)).isTrue();
            Poll.until(() -> assertThat(runs).hasValue(1));
        }
    }
}
