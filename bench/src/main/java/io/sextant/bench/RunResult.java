package io.sextant.bench;

import java.time.Duration;
import java.util.Map;

import org.HdrHistogram.Histogram;

/**
 * The figures of one open-loop run's measured part. Every measured request is counted once: as a
 * success (its latency, from its intended send time, is in {@code latencies}) or under one error kind.
 *
 * @param sendLagMillis the largest delay between a request's intended and actual send time; when it is
 *                      large, the load generator itself could not keep up
 * @param loadAverage   the machine's 1-minute load average at the end of the run
 * @param cpu           the CPU used during the measured part (before the last answers were awaited)
 */
record RunResult(String scenario, double targetRate, Duration measured, long requests, long successes,
                 Map<String, Long> errors, Histogram latencies, double sendLagMillis, String loadAverage,
                 CpuMeter.CpuUse cpu) {

    private static final double NANOS_PER_MILLI = 1e6;

    long errorCount() {
        return errors.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Successful responses per second of the measured part. */
    double throughput() {
        return successes / (measured.toNanos() / 1e9);
    }

    double errorRatio() {
        return requests == 0 ? 0 : (double) errorCount() / requests;
    }

    /** The latency at a percentile (0-100) of the successful responses, in milliseconds; 0 if there were none. */
    double percentileMillis(double percentile) {
        return latencies.getTotalCount() == 0 ? 0 : latencies.getValueAtPercentile(percentile) / NANOS_PER_MILLI;
    }

    double maxMillis() {
        return latencies.getTotalCount() == 0 ? 0 : latencies.getMaxValue() / NANOS_PER_MILLI;
    }
}
