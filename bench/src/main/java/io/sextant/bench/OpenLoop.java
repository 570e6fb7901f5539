package io.sextant.bench;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;

/**
 * Sends a scenario's requests at the intended times of a {@link Schedule}, whatever the responses
 * do, from one thread; each latency is measured from the request's intended send time, so a stall
 * of the server (or of this generator) shows in the figures instead of silently lowering the rate.
 */
final class OpenLoop {

    static final String DROPPED = "dropped (outstanding bound)";
    static final String UNFINISHED = "unanswered at the end";

    private final Schedule schedule;
    private final int maxOutstanding;
    private final Duration drainTimeout;
    private final CpuMeter cpu;

    /**
     * @param drainTimeout how long to wait, after the last send, for the answers still out; those
     *                     still missing then are counted as {@link #UNFINISHED}
     */
    OpenLoop(Schedule schedule, int maxOutstanding, Duration drainTimeout, CpuMeter cpu) {
        this.schedule = schedule;
        this.maxOutstanding = maxOutstanding;
        this.drainTimeout = drainTimeout;
        this.cpu = cpu;
    }

    RunResult run(String name, Scenario scenario) throws InterruptedException {
        final OutstandingLimit limit = new OutstandingLimit(maxOutstanding);
        final Measurement measurement = new Measurement();
        final long total = schedule.total();
        final long start = System.nanoTime();
        long maxLag = 0;
        CpuMeter.Reading measuredFrom = null;
        for (long i = 0; i < total; i++) {
            final long intended = start + schedule.offsetNanos(i);
            final long now = waitUntil(intended);
            maxLag = Math.max(maxLag, now - intended);
            final boolean measured = schedule.isMeasured(i);
            if (measured && measuredFrom == null) {
                measuredFrom = cpu.read();
            }
            if (!limit.tryAcquire()) {
                if (measured) {
                    measurement.error(DROPPED);
                }
                continue;
            }
            send(scenario).whenComplete((outcome, failure) -> {
                final long latency = System.nanoTime() - intended;
                if (measured) {
                    measurement.record(failure == null ? outcome : Outcome.failure(failure), latency);
                }
                limit.release();
            });
        }
        final CpuMeter.CpuUse used = measuredFrom == null ? CpuMeter.CpuUse.UNKNOWN : cpu.read().since(measuredFrom);
        limit.awaitIdle(drainTimeout);
        final Measurement.Snapshot snapshot = measurement.close();
        final Map<String, Long> errors = new TreeMap<>(snapshot.errors());
        final long answered = snapshot.successes() + errors.values().stream().mapToLong(Long::longValue).sum();
        // what was neither answered nor dropped when recording closed: counted, so that the counts add up
        final long unfinished = schedule.measured() - answered;
        if (unfinished > 0) {
            errors.put(UNFINISHED, unfinished);
        }
        return new RunResult(name, schedule.ratePerSecond(), schedule.duration(), schedule.measured(),
                             snapshot.successes(), errors, snapshot.latencies(), maxLag / 1e6,
                             Machine.loadAverage(), used);
    }

    /** A request that fails before it is sent still completes, so that its place is given back. */
    private static CompletableFuture<Outcome> send(Scenario scenario) {
        try {
            return scenario.send();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Parks until the given System.nanoTime(); returns the time it woke. */
    private static long waitUntil(long deadline) {
        long now = System.nanoTime();
        while (now < deadline) {
            LockSupport.parkNanos(deadline - now);
            now = System.nanoTime();
        }
        return now;
    }
}
