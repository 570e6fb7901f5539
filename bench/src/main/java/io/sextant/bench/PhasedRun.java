package io.sextant.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

import org.HdrHistogram.Histogram;

/**
 * An open-loop run whose rate changes from phase to phase without a pause (normal, twice the
 * capacity, normal again), so that what the overload leaves behind shows in the phase after it.
 * Besides each phase's figures it keeps the served latencies per {@link #WINDOW} of intended send
 * time, from which the time to recover is read.
 */
final class PhasedRun {

    static final Duration WINDOW = Duration.ofMillis(100);
    /** Latencies are kept in microseconds up to this; the run's timeout is far below it. */
    private static final long HIGHEST_MICROS = Duration.ofMinutes(1).toNanos() / 1000;
    private static final int MAX_ERROR_KINDS = 16;

    record Phase(String name, double rate, Duration duration) {
        Phase {
            if (!(rate > 0) || duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException("a phase needs a positive rate and duration: " + name);
            }
        }

        long requests() {
            return Math.round(rate * duration.toNanos() / 1e9);
        }
    }

    /** What one phase's requests met. */
    record PhaseResult(Phase phase, long sent, long served, long refusedWithRetryAfter, long refusedWithout,
                       long timeouts, Map<String, Long> otherErrors, Histogram servedMicros,
                       Histogram refusedMicros) {

        double servedPerSecond() {
            return served / (phase.duration.toNanos() / 1e9);
        }

        long otherErrorCount() {
            return otherErrors.values().stream().mapToLong(Long::longValue).sum();
        }

        double servedPercentileMillis(double percentile) {
            return servedMicros.getTotalCount() == 0 ? -1 : servedMicros.getValueAtPercentile(percentile) / 1000.0;
        }

        double refusedPercentileMillis(double percentile) {
            return refusedMicros.getTotalCount() == 0 ? -1 : refusedMicros.getValueAtPercentile(percentile) / 1000.0;
        }
    }

    /** The phases' results and the per-window record of the whole run. */
    record Result(List<PhaseResult> phases, List<Window> windows) {

        /** The window in which a phase starts. */
        int firstWindowOf(int phase) {
            long nanos = 0;
            for (int i = 0; i < phase; i++) {
                nanos += phases.get(i).phase.duration.toNanos();
            }
            return (int) (nanos / WINDOW.toNanos());
        }

        /**
         * How long after {@code fromWindow} begins the latency is normal again and stays so to the end:
         * every later window served something, failed nothing and had a p99 within {@code p99BoundMillis}.
         * Empty if the run ended before that.
         */
        java.util.Optional<Duration> recovery(int fromWindow, double p99BoundMillis) {
            int firstNormal = -1;
            // the last window may be cut short by the end of the schedule: judged like the others
            for (int w = windows.size() - 1; w >= fromWindow; w--) {
                if (!windows.get(w).normal(p99BoundMillis)) {
                    break;
                }
                firstNormal = w;
            }
            if (firstNormal < 0) {
                return java.util.Optional.empty();
            }
            return java.util.Optional.of(WINDOW.multipliedBy(firstNormal - fromWindow));
        }
    }

    /** One window of intended send times: what was served, and how fast, and how much failed. */
    record Window(long served, double p99Millis, long failed) {
        boolean normal(double p99BoundMillis) {
            return served > 0 && failed == 0 && p99Millis <= p99BoundMillis;
        }
    }

    private final List<Phase> phases;
    private final int maxOutstanding;
    private final Duration timeout;

    PhasedRun(List<Phase> phases, int maxOutstanding, Duration timeout) {
        if (phases.isEmpty()) {
            throw new IllegalArgumentException("no phases");
        }
        this.phases = List.copyOf(phases);
        this.maxOutstanding = maxOutstanding;
        this.timeout = timeout;
    }

    /**
     * Runs the phases back to back.
     *
     * @param onPhaseEnd told (on the sending thread: it must return at once) when a phase's last request
     *                   was sent, with the phase's index, so that the caller can read the server's state
     */
    Result run(Scenario scenario, IntConsumer onPhaseEnd) throws InterruptedException {
        final long totalNanos = phases.stream().mapToLong(p -> p.duration.toNanos()).sum();
        final int windowCount = (int) ((totalNanos + WINDOW.toNanos() - 1) / WINDOW.toNanos());
        final Histogram[] windowLatencies = new Histogram[windowCount];
        final AtomicIntegerArray windowFailures = new AtomicIntegerArray(windowCount);
        final AtomicIntegerArray windowServed = new AtomicIntegerArray(windowCount);
        for (int w = 0; w < windowCount; w++) {
            windowLatencies[w] = new Histogram(HIGHEST_MICROS, 2);
        }
        final List<Recording> recordings = new ArrayList<>();
        final OutstandingLimit limit = new OutstandingLimit(maxOutstanding);
        final long start = System.nanoTime();
        long phaseStart = 0;
        for (int p = 0; p < phases.size(); p++) {
            final Phase phase = phases.get(p);
            final Recording recording = new Recording();
            recordings.add(recording);
            final long count = phase.requests();
            for (long i = 0; i < count; i++) {
                final long offset = phaseStart + Math.round(i * 1e9 / phase.rate);
                final long intended = start + offset;
                waitUntil(intended);
                final int window = (int) Math.min(windowCount - 1, offset / WINDOW.toNanos());
                recording.sent.increment();
                if (!limit.tryAcquire()) {
                    recording.error(OpenLoop.DROPPED);
                    windowFailures.incrementAndGet(window);
                    continue;
                }
                send(scenario).whenComplete((outcome, failure) -> {
                    final long micros = (System.nanoTime() - intended) / 1000;
                    final Outcome result = failure == null ? outcome : Outcome.failure(failure);
                    recording.record(result, micros);
                    if (result.ok()) {
                        windowServed.incrementAndGet(window);
                        synchronized (windowLatencies[window]) {
                            windowLatencies[window].recordValue(Math.min(micros, HIGHEST_MICROS));
                        }
                    } else {
                        windowFailures.incrementAndGet(window);
                    }
                    limit.release();
                });
            }
            phaseStart += phase.duration.toNanos();
            onPhaseEnd.accept(p);
        }
        // the last answers get as long as any answer may take, plus a margin for a starved client
        limit.awaitIdle(timeout.plusSeconds(5));
        final List<PhaseResult> results = new ArrayList<>();
        for (int p = 0; p < phases.size(); p++) {
            results.add(recordings.get(p).result(phases.get(p)));
        }
        final List<Window> windows = new ArrayList<>(windowCount);
        for (int w = 0; w < windowCount; w++) {
            synchronized (windowLatencies[w]) {
                final Histogram h = windowLatencies[w];
                windows.add(new Window(windowServed.get(w), h.getTotalCount() == 0 ? -1
                        : h.getValueAtPercentile(99) / 1000.0, windowFailures.get(w)));
            }
        }
        return new Result(results, windows);
    }

    /** A phase's counts, written from the client's event loops. */
    private static final class Recording {
        final LongAdder sent = new LongAdder();
        final LongAdder served = new LongAdder();
        final LongAdder refusedWithRetryAfter = new LongAdder();
        final LongAdder refusedWithout = new LongAdder();
        final LongAdder timeouts = new LongAdder();
        final Map<String, LongAdder> others = new ConcurrentHashMap<>();
        final Histogram servedMicros = new Histogram(HIGHEST_MICROS, 3);
        final Histogram refusedMicros = new Histogram(HIGHEST_MICROS, 3);

        void record(Outcome outcome, long micros) {
            if (outcome.ok()) {
                served.increment();
                synchronized (servedMicros) {
                    servedMicros.recordValue(Math.min(micros, HIGHEST_MICROS));
                }
                return;
            }
            if (outcome.equals(Outcome.REFUSED_WITH_RETRY_AFTER) || "http 503".equals(outcome.error())) {
                (outcome.equals(Outcome.REFUSED_WITH_RETRY_AFTER) ? refusedWithRetryAfter : refusedWithout).increment();
                synchronized (refusedMicros) {
                    refusedMicros.recordValue(Math.min(micros, HIGHEST_MICROS));
                }
            } else if (Outcome.TIMEOUT.equals(outcome.error())) {
                timeouts.increment();
            } else {
                error(outcome.error());
            }
        }

        void error(String kind) {
            final String key = others.size() >= MAX_ERROR_KINDS && !others.containsKey(kind) ? Measurement.OTHER_ERRORS
                                                                                             : kind;
            others.computeIfAbsent(key, k -> new LongAdder()).increment();
        }

        PhaseResult result(Phase phase) {
            final Map<String, Long> errors = new TreeMap<>();
            others.forEach((kind, count) -> errors.put(kind, count.sum()));
            // what was neither answered nor dropped when the run ended: counted, so that the counts add up
            final long unfinished = sent.sum() - served.sum() - refusedWithRetryAfter.sum() - refusedWithout.sum()
                                    - timeouts.sum() - errors.values().stream().mapToLong(Long::longValue).sum();
            if (unfinished > 0) {
                errors.put(OpenLoop.UNFINISHED, unfinished);
            }
            synchronized (servedMicros) {
                synchronized (refusedMicros) {
                    return new PhaseResult(phase, sent.sum(), served.sum(), refusedWithRetryAfter.sum(),
                                           refusedWithout.sum(), timeouts.sum(), errors, servedMicros.copy(),
                                           refusedMicros.copy());
                }
            }
        }
    }

    private static CompletableFuture<Outcome> send(Scenario scenario) {
        try {
            return scenario.send();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static void waitUntil(long deadline) {
        long now = System.nanoTime();
        while (now < deadline) {
            LockSupport.parkNanos(deadline - now);
            now = System.nanoTime();
        }
    }
}
