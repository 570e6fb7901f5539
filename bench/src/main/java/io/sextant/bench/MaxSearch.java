package io.sextant.bench;

import java.util.List;
import java.util.Optional;

/**
 * The steps of a search for the highest sustained rate (each a run of {@code load} at the next rate
 * of the ladder), and the highest step that met the criteria.
 */
record MaxSearch(ScenarioKind kind, Load load, RateLadder ladder, Criteria criteria, List<Step> steps) {

    record Step(RunResult result, String failure) {}

    /** The last step before the first failure; empty if even the first step failed. */
    Optional<RunResult> highestSustained() {
        RunResult best = null;
        for (Step step : steps) {
            if (step.failure() != null) {
                break;
            }
            best = step.result();
        }
        return Optional.ofNullable(best);
    }

    /** The command-line options of the {@code max} command that repeat this search. */
    String options() {
        return load.withRate(ladder.start()).options() + " " + ladder.options()
               + " --p99-limit " + Format.rate(criteria.p99LimitMillis()) + "ms --max-error-ratio "
               + criteria.maxErrorRatio();
    }

    /** True when no step failed: the true maximum lies above the searched range. */
    boolean reachedTheEnd() {
        return steps.stream().allMatch(step -> step.failure() == null);
    }
}
