package io.sextant.bench;

import java.util.Locale;
import java.util.Optional;

/**
 * When a rate counts as sustained, for the search of the highest one: the p99 within a limit, few
 * errors, and the successful responses close to the offered rate (below it, the server or the
 * generator fell behind and the latencies no longer describe the offered load).
 */
record Criteria(double p99LimitMillis, double maxErrorRatio, double minAchievedFraction) {

    /** Why the run does not count as sustained, or empty if it does. */
    Optional<String> failure(RunResult result) {
        if (result.percentileMillis(99) > p99LimitMillis) {
            return Optional.of(String.format(Locale.ROOT, "p99 %s ms > %s ms", Format.millis(result.percentileMillis(99)),
                                             Format.millis(p99LimitMillis)));
        }
        if (result.errorRatio() > maxErrorRatio) {
            return Optional.of(String.format(Locale.ROOT, "errors %.3f%% > %.3f%%", 100 * result.errorRatio(),
                                             100 * maxErrorRatio));
        }
        if (result.throughput() < minAchievedFraction * result.targetRate()) {
            return Optional.of(String.format(Locale.ROOT, "achieved %s/s < %.0f%% of %s/s",
                                             Format.perSecond(result.throughput()), 100 * minAchievedFraction,
                                             Format.rate(result.targetRate())));
        }
        return Optional.empty();
    }

    String describe() {
        return String.format(Locale.ROOT, "p99 <= %s ms, errors <= %.2f%%, achieved >= %.0f%% of the offered rate",
                             Format.millis(p99LimitMillis), 100 * maxErrorRatio, 100 * minAchievedFraction);
    }
}
