package io.sextant.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/** Runs scenarios against a running mesh as one freshly registered user. */
final class Bench {

    private final Endpoints endpoints;
    private final Account account;
    private final CpuMeter cpu;
    private final PrintStream log;

    private Bench(Endpoints endpoints, Account account, CpuMeter cpu, PrintStream log) {
        this.endpoints = endpoints;
        this.account = account;
        this.cpu = cpu;
        this.log = log;
    }

    /** Registers the run's user; {@code meshPid}, when known, lets each run report the mesh's CPU time. */
    static Bench connect(Endpoints endpoints, OptionalLong meshPid, PrintStream log) {
        if (meshPid.isPresent() && ProcessHandle.of(meshPid.getAsLong()).isEmpty()) {
            throw new IllegalArgumentException("no process " + meshPid.getAsLong() + " (--mesh-pid)");
        }
        final Account account = Account.register(endpoints.gateway());
        log.println("registered " + account.username() + " at " + endpoints.gateway());
        return new Bench(endpoints, account, new CpuMeter(meshPid), log);
    }

    /** One open-loop run, with a token fresh from a login (tokens live 15 minutes). */
    RunResult run(ScenarioKind kind, Load load) throws InterruptedException {
        final String token = account.login();
        log.printf("%s at %s/s: %s warm-up, %s measured, %d connections%n", kind.id(), Format.rate(load.rate()),
                   Format.duration(load.warmup()), Format.duration(load.duration()), load.connections());
        try (Connections connections = new Connections(load.connections(), load.threads())) {
            final Scenario scenario = kind.open(connections, endpoints, load, account, token);
            // after the last send, the answers still out get as long as any response may take
            final RunResult result = new OpenLoop(load.schedule(), load.maxOutstanding(), load.timeout(), cpu)
                    .run(kind.id(), scenario);
            log.println("  " + summary(result));
            return result;
        }
    }

    /**
     * Runs the ladder's rates in turn until a run fails the criteria; every step is a full open-loop
     * run with its own warm-up.
     */
    MaxSearch findMax(ScenarioKind kind, Load load, RateLadder ladder, Criteria criteria)
            throws InterruptedException {
        final List<MaxSearch.Step> steps = new ArrayList<>();
        for (double rate : ladder.rates()) {
            final RunResult result = run(kind, load.withRate(rate));
            final MaxSearch.Step done = new MaxSearch.Step(result, criteria.failure(result).orElse(null));
            steps.add(done);
            if (done.failure() != null) {
                log.println("  stops: " + done.failure());
                break;
            }
        }
        return new MaxSearch(kind, load, ladder, criteria, steps);
    }

    static String summary(RunResult result) {
        return Format.perSecond(result.throughput()) + " ok/s, p50 " + Format.millis(result.percentileMillis(50))
               + " ms, p99 " + Format.millis(result.percentileMillis(99)) + " ms, max "
               + Format.millis(result.maxMillis()) + " ms, errors " + result.errors()
               + ", send lag max " + Format.millis(result.sendLagMillis()) + " ms, load avg " + result.loadAverage()
               + ", CPU: generator " + Format.cores(result.cpu().generatorCores()) + " cores, mesh "
               + Format.cores(result.cpu().meshCores()) + " cores (" + Format.micros(result.cpu()
                       .meshMicrosPerResponse(result.throughput())) + " us per ok response), machine busy "
               + Format.percent(result.cpu().machineBusy());
    }
}
