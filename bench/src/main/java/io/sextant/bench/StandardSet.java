package io.sextant.bench;

import java.time.Duration;
import java.util.List;

/** What {@code report} runs: fixed once here so that every report measures the same things. */
final class StandardSet {

    /** A fixed-rate run to do. */
    record Planned(ScenarioKind kind, Load load) {}

    /** The rate of the p99 target. */
    static final Load TARGET_LOAD = load(Report.TARGET_P99_RATE);
    /**
     * A rate every variant sustains on a shared 2-core machine, so that the ways to validate a token
     * are compared on latency rather than on how each one falls over.
     */
    static final Load MODERATE_LOAD = load(1_000);
    /** Argon2id is expensive by design: a low rate, a few connections and a long timeout. */
    static final Load LOGIN_LOAD = new Load(2, Duration.ofSeconds(5), Duration.ofSeconds(30), 2, 2, 100,
                                            Duration.ofSeconds(30));

    private static final List<ScenarioKind> VALIDATE = List.of(ScenarioKind.REST_VALIDATE,
                                                               ScenarioKind.GATEWAY_GRPC_VALIDATE,
                                                               ScenarioKind.GRPC_VALIDATE);

    static final List<Planned> FIXED_RATE = List.of(
            new Planned(ScenarioKind.REST_VALIDATE, MODERATE_LOAD),
            new Planned(ScenarioKind.GATEWAY_GRPC_VALIDATE, MODERATE_LOAD),
            new Planned(ScenarioKind.GRPC_VALIDATE, MODERATE_LOAD),
            new Planned(ScenarioKind.REST_VALIDATE, TARGET_LOAD),
            new Planned(ScenarioKind.GATEWAY_GRPC_VALIDATE, TARGET_LOAD),
            new Planned(ScenarioKind.GRPC_VALIDATE, TARGET_LOAD),
            new Planned(ScenarioKind.LOGIN, LOGIN_LOAD));

    static final List<ScenarioKind> SEARCHED = VALIDATE;
    static final Load SEARCH_LOAD = new Load(500, Duration.ofSeconds(5), Duration.ofSeconds(15), 16, 2, 10_000,
                                             Duration.ofSeconds(10));
    /** 500, 750, 1100, 1700, 2600, 3900, 5900, 8900, 13000, 20000, 30000 per second. */
    static final RateLadder SEARCH_LADDER = new RateLadder(500, 1.5, 40_000);
    /** Sustained: the server keeps up with the offered rate at a p99 twice the 10k target, almost without errors. */
    static final Criteria SEARCH_CRITERIA = new Criteria(20, 0.001, BenchMain.ReportCommand.MIN_ACHIEVED);

    /** Lets the mesh finish the previous run's work (GC, queued answers) before the next one starts. */
    private static final Duration PAUSE = Duration.ofSeconds(3);

    private StandardSet() {}

    private static Load load(double rate) {
        return new Load(rate, Duration.ofSeconds(10), Duration.ofSeconds(30), 16, 2, 10_000, Duration.ofSeconds(10));
    }

    static void pause() throws InterruptedException {
        Thread.sleep(PAUSE.toMillis());
    }
}
