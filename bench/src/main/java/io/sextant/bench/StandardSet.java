package io.sextant.bench;

import java.time.Duration;
import java.util.List;

/** What {@code report} runs: fixed once here so that every report measures the same things. */
final class StandardSet {

    /** The rate of the p99 target, for the three ways to validate a token. */
    static final Load VALIDATE_LOAD = new Load(10_000, Duration.ofSeconds(10), Duration.ofSeconds(30), 16, 2, 10_000,
                                               Duration.ofSeconds(10));
    /** Argon2id is expensive by design: a low rate, a few connections and a long timeout. */
    static final Load LOGIN_LOAD = new Load(2, Duration.ofSeconds(5), Duration.ofSeconds(30), 2, 2, 100,
                                            Duration.ofSeconds(30));

    static final List<ScenarioKind> FIXED_RATE = List.of(ScenarioKind.REST_VALIDATE, ScenarioKind.GATEWAY_GRPC_VALIDATE,
                                                         ScenarioKind.GRPC_VALIDATE, ScenarioKind.LOGIN);

    static final List<ScenarioKind> SEARCHED = List.of(ScenarioKind.REST_VALIDATE, ScenarioKind.GATEWAY_GRPC_VALIDATE,
                                                       ScenarioKind.GRPC_VALIDATE);
    static final Load SEARCH_LOAD = new Load(5_000, Duration.ofSeconds(5), Duration.ofSeconds(15), 16, 2, 10_000,
                                             Duration.ofSeconds(10));
    static final double SEARCH_STEP = 2_500;
    static final double SEARCH_UNTIL = 40_000;
    /** Sustained: the server keeps up with the offered rate at a p99 twice the 10k target, almost without errors. */
    static final Criteria SEARCH_CRITERIA = new Criteria(20, 0.001, BenchMain.ReportCommand.MIN_ACHIEVED);

    /** Lets the mesh finish the previous run's work (GC, queued answers) before the next one starts. */
    private static final Duration PAUSE = Duration.ofSeconds(3);

    private StandardSet() {}

    static Load fixedLoad(ScenarioKind kind) {
        return kind == ScenarioKind.LOGIN ? LOGIN_LOAD : VALIDATE_LOAD;
    }

    static void pause() throws InterruptedException {
        Thread.sleep(PAUSE.toMillis());
    }
}
