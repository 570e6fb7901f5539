package io.sextant.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** Runs scenarios against a running mesh as one freshly registered user. */
final class Bench {

    private final Endpoints endpoints;
    private final Account account;
    private final PrintStream log;

    private Bench(Endpoints endpoints, Account account, PrintStream log) {
        this.endpoints = endpoints;
        this.account = account;
        this.log = log;
    }

    static Bench connect(Endpoints endpoints, PrintStream log) {
        final Account account = Account.register(endpoints.gateway());
        log.println("registered " + account.username() + " at " + endpoints.gateway());
        return new Bench(endpoints, account, log);
    }

    /** One open-loop run, with a token fresh from a login (tokens live 15 minutes). */
    RunResult run(ScenarioKind kind, Load load) throws InterruptedException {
        final String token = account.login();
        log.printf("%s at %s/s: %s warm-up, %s measured, %d connections%n", kind.id(), Format.rate(load.rate()),
                   Format.duration(load.warmup()), Format.duration(load.duration()), load.connections());
        try (Connections connections = new Connections(load.connections(), load.threads())) {
            final Scenario scenario = kind.open(connections, endpoints, load, account, token);
            // after the last send, the answers still out get as long as any response may take
            final RunResult result = new OpenLoop(load.schedule(), load.maxOutstanding(), load.timeout())
                    .run(kind.id(), scenario);
            log.println("  " + summary(result));
            return result;
        }
    }

    /**
     * Steps the rate up from the load's rate by {@code step} until a run fails the criteria or
     * {@code until} is passed; every step is a full open-loop run with its own warm-up.
     */
    MaxSearch findMax(ScenarioKind kind, Load load, double step, double until, Criteria criteria)
            throws InterruptedException {
        final double start = load.rate();
        if (!(step > 0) || until < start) {
            throw new IllegalArgumentException("the search needs 0 < start <= until and a positive step");
        }
        final List<MaxSearch.Step> steps = new ArrayList<>();
        for (double rate = start; rate <= until; rate += step) {
            final RunResult result = run(kind, load.withRate(rate));
            final MaxSearch.Step done = new MaxSearch.Step(result, criteria.failure(result).orElse(null));
            steps.add(done);
            if (done.failure() != null) {
                log.println("  stops: " + done.failure());
                break;
            }
        }
        return new MaxSearch(kind, load, step, until, criteria, steps);
    }

    static String summary(RunResult result) {
        return Format.perSecond(result.throughput()) + " ok/s, p50 " + Format.millis(result.percentileMillis(50))
               + " ms, p99 " + Format.millis(result.percentileMillis(99)) + " ms, max "
               + Format.millis(result.maxMillis()) + " ms, errors " + result.errors()
               + ", send lag max " + Format.millis(result.sendLagMillis()) + " ms, load avg " + result.loadAverage();
    }
}
