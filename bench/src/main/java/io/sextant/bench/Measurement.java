package io.sextant.bench;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * What the measured part of a run recorded: the latency of every successful response in an
 * HdrHistogram (nanoseconds, 3 significant digits) and a count per error kind. Written from the
 * client's event loops at once; {@link #close} ends recording so that late answers do not change a
 * result already taken.
 */
final class Measurement {

    /** Latencies above this are recorded as this: a run that slow has failed anyway. */
    static final long HIGHEST_NANOS = TimeUnit.MINUTES.toNanos(5);
    /** Error kinds come from status codes and exception names; the bound keeps a strange server from growing the map. */
    static final int MAX_ERROR_KINDS = 32;
    static final String OTHER_ERRORS = "other";

    private final Recorder latencies = new Recorder(HIGHEST_NANOS, 3);
    private final LongAdder successes = new LongAdder();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private volatile boolean closed;

    void record(Outcome outcome, long latencyNanos) {
        if (closed) {
            return;
        }
        if (outcome.ok()) {
            latencies.recordValue(Math.max(0, Math.min(latencyNanos, HIGHEST_NANOS)));
            successes.increment();
        } else {
            error(outcome.error());
        }
    }

    void error(String kind) {
        if (closed) {
            return;
        }
        final String key = errors.size() >= MAX_ERROR_KINDS && !errors.containsKey(kind) ? OTHER_ERRORS : kind;
        errors.computeIfAbsent(key, k -> new LongAdder()).increment();
    }

    /** Stops recording and returns what was recorded. */
    Snapshot close() {
        closed = true;
        final Map<String, Long> counts = new TreeMap<>();
        errors.forEach((kind, count) -> counts.put(kind, count.sum()));
        return new Snapshot(latencies.getIntervalHistogram(), successes.sum(), counts);
    }

    record Snapshot(Histogram latencies, long successes, Map<String, Long> errors) {}
}
