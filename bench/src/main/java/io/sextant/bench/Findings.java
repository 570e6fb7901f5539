package io.sextant.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Everything one run of {@code report} measured, section by section, for {@link Report} to write out. */
final class Findings {

    /** The gateway's circuit breakers at one moment: opened so far (sum) and the worst state; null when not exported. */
    record Breakers(Double openedTotal, Double worstState) {

        static final Breakers ABSENT = new Breakers(null, null);

        static Breakers of(PrometheusText metrics) {
            if (!metrics.has(OPENED) && !metrics.has(STATE)) {
                return ABSENT;
            }
            return new Breakers(metrics.has(OPENED) ? metrics.sum(OPENED, labels -> true) : null,
                                metrics.has(STATE) ? metrics.max(STATE) : null);
        }

        static final String OPENED = "sextant_circuit_breaker_opened_total";
        static final String STATE = "sextant_circuit_breaker_state";
    }

    /** A phased open-loop run (overload or cold start), the breakers before it and at the end of each phase. */
    record Phased(String command, PhasedRun.Result result, Breakers before, List<Breakers> atPhaseEnds,
                  double baselineP99Millis) {}

    Instant started;
    /** The machine's 1-minute load average when the run started and when it ended: above the cores, others wanted them too. */
    String loadAtStart = "n/a";
    String loadAtEnd = "n/a";
    Duration took = Duration.ZERO;
    String meshCommand = "";
    List<String> jvmFlags = List.of();
    final Map<String, Throughput> rows = new LinkedHashMap<>();
    RunResult openLoopP99;
    String openLoopP99Command;
    MaxSearch capacitySearch;
    /** Steps below the search's first, when even that one was not sustained. */
    final List<MaxSearch.Step> capacityStepsDown = new ArrayList<>();
    boolean capacityFound;
    double capacity = -1;
    Phased overload;
    Phased coldStart;
    /** The notification scenario; null when it did not run. */
    NotificationBench.Result notification;
    /** The storage scenarios; null when they did not run. */
    StorageBench.Result storage;
    Optional<ProcessStats.Memory> memory = Optional.empty();
    String sextantHashing;
    String keycloakHashing;
    final Map<String, String> versions = new LinkedHashMap<>();
    final List<String> sections = new ArrayList<>();
    /** What could not be measured, and why (a peer that did not start, a section that failed). */
    final List<String> problems = new ArrayList<>();

    Optional<Throughput> row(String key) {
        return Optional.ofNullable(rows.get(key));
    }
}
