package io.sextant.bench;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The generated part of REPORT.md: issue 10's targets, each next to its peer measured in the same
 * run (nginx, Keycloak) with met or missed, then the tables behind them, the overload scenario and
 * the exact commands.
 */
record Report(Machine machine, Findings findings, String reportCommand) {

    static final double TARGET_REST_RATE = 20_000;
    static final double TARGET_P99_RATE = Suite.OPEN_LOOP_RATE;
    static final double TARGET_P99_MILLIS = 10;
    static final double TARGET_GRPC_RATIO = 0.6;
    static final double TARGET_READ_RATIO = 2;
    static final double TARGET_LOGIN_RATIO = 1;
    static final double TARGET_REFRESH_RATIO = 2;
    static final double TARGET_RSS_MIB = 600;
    static final double TARGET_OVERLOAD_SERVED = 0.8;
    static final Duration TARGET_RECOVERY = Duration.ofSeconds(2);

    static final String MET = "met";
    static final String MISSED = "**missed**";
    static final String NOT_MEASURED = "not measured";

    /** One line of the targets table. */
    record Target(String what, String sextant, String peer, String ratio, String target, String verdict) {}

    String markdown() {
        final StringBuilder out = new StringBuilder();
        out.append("Measured ").append(findings.started.truncatedTo(ChronoUnit.SECONDS)).append(" in ")
           .append(minutes(findings.took)).append(" by one command:\n\n```sh\n").append(reportCommand)
           .append("\n```\n\n");
        machine(out);
        targets(out);
        throughput(out);
        openLoop(out);
        overload(out);
        memory(out);
        commands(out);
        if (!findings.problems.isEmpty()) {
            out.append("## What could not be measured\n\n");
            findings.problems.forEach(p -> out.append("- ").append(p).append('\n'));
            out.append('\n');
        }
        return out.toString();
    }

    /** The storage section's part of the report, between its own markers. */
    String storageMarkdown() {
        return new StorageReport(machine, findings, reportCommand).markdown();
    }

    /** The notification section's part of the report, between its own markers. */
    String notificationMarkdown() {
        return new NotificationReport(machine, findings, reportCommand).markdown();
    }

    private void machine(StringBuilder out) {
        out.append("## Machine\n\n")
           .append("| cores | CPU | memory | OS | Java |\n|---|---|---|---|---|\n")
           .append("| ").append(machine.cores()).append(" | ").append(machine.cpu()).append(" | ")
           .append(machine.memory()).append(" | ").append(machine.os()).append(" | ").append(machine.java())
           .append(" |\n\n");
        out.append("Tools: ").append(findings.versions.entrySet().stream().map(e -> e.getKey() + " (" + e.getValue() + ")")
                                             .collect(Collectors.joining(", ")))
           .append(". The mesh (six services in one JVM, its embedded PostgreSQL), the peers and the load generators "
                   + "share these ").append(machine.cores())
           .append(" cores, so every row also gives the CPU time per request of the server and of the generator. ")
           .append("The machine's 1-minute load average was ").append(findings.loadAtStart).append(" when the run started ")
           .append("and ").append(findings.loadAtEnd).append(" when it ended (above ").append(machine.cores())
           .append(", something else wanted the cores as well).\n\n");
    }

    List<Target> targets() {
        final List<Target> targets = new ArrayList<>();
        final Optional<Throughput> validate = findings.row("validate");
        final Optional<Throughput> nginxRest = findings.row("nginx-rest");
        targets.add(new Target("REST `GET /v1/auth/validate` through the gateway, JWT checked (wrk)",
                               validate.map(Report::rate).orElse(NOT_MEASURED), nginxRest.map(r -> "nginx hop: " + rate(r))
                                                                                         .orElse("—"),
                               ratio(validate, nginxRest), "≥ " + Format.perSecond(TARGET_REST_RATE) + " req/s",
                               verdict(validate, r -> r.requestsPerSecond() >= TARGET_REST_RATE)));
        final RunResult p99 = findings.openLoopP99;
        targets.add(new Target("p99 of the same at " + Format.perSecond(TARGET_P99_RATE) + " req/s offered, open loop "
                               + "(Java generator)",
                               p99 == null ? NOT_MEASURED : (p99.successes() == 0 ? "no successful answer"
                                       : "p99 " + Format.millis(p99.percentileMillis(99)) + " ms") + ", "
                                       + Format.perSecond(p99.throughput()) + " ok/s, " + p99.errorCount() + " errors",
                               "—", "—", "< " + Format.millis(TARGET_P99_MILLIS) + " ms, no errors",
                               p99 == null ? NOT_MEASURED : p99.percentileMillis(99) < TARGET_P99_MILLIS
                                       && p99.errorCount() == 0 ? MET : MISSED));
        targets.add(comparison("gRPC `AuthService/ValidateToken`: gateway vs nginx `grpc_pass` to the same auth (h2load)",
                               "grpc-gateway", "grpc-nginx", "nginx", TARGET_GRPC_RATIO, true));
        targets.add(comparison("`GET /v1/auth/me` vs Keycloak userinfo (wrk)", "auth-me", "keycloak-userinfo",
                               "Keycloak", TARGET_READ_RATIO, false));
        targets.add(comparison("`GET /v1/users/me` vs Keycloak userinfo (wrk)", "users-me", "keycloak-userinfo",
                               "Keycloak", TARGET_READ_RATIO, false));
        final Target login = comparison("Login vs Keycloak's password grant (wrk)", "login", "keycloak-password",
                                        "Keycloak", TARGET_LOGIN_RATIO, false);
        targets.add(new Target(login.what + "; hashing: Sextant " + orUnknown(findings.sextantHashing) + ", Keycloak "
                               + orUnknown(findings.keycloakHashing), login.sextant, login.peer, login.ratio,
                               login.target, login.verdict));
        targets.add(comparison("Refresh with rotation vs Keycloak's refresh grant, rotation off (wrk)", "refresh",
                               "keycloak-refresh", "Keycloak", TARGET_REFRESH_RATIO, false));
        overloadTargets(targets);
        targets.add(new Target("Memory: the mesh JVM's RSS after the load", findings.memory
                .map(m -> Format.mebibytes(m.rssMib()) + " (peak " + Format.mebibytes(m.peakMib()) + ")").orElse(NOT_MEASURED),
                               "—", "—", "< " + Format.mebibytes(TARGET_RSS_MIB),
                               findings.memory.map(m -> m.rssMib() < TARGET_RSS_MIB ? MET : MISSED).orElse(NOT_MEASURED)));
        return targets;
    }

    private void overloadTargets(List<Target> targets) {
        final Findings.Phased overload = findings.overload;
        if (overload == null) {
            targets.add(new Target("Overload (2× the sustainable rate for 30 s)", NOT_MEASURED, "—", "—",
                                   "served ≥ 80 % of capacity, refusals at once, no breaker opened, recovery ≤ 2 s",
                                   NOT_MEASURED));
        } else {
            final PhasedRun.PhaseResult during = overload.result().phases().get(1);
            final double bound = 2 * overload.baselineP99Millis();
            final boolean servedEnough = during.servedPerSecond() >= TARGET_OVERLOAD_SERVED * findings.capacity;
            final boolean normal = during.servedPercentileMillis(99) <= bound;
            targets.add(new Target("Overload at 2× " + (findings.capacityFound ? "the sustainable " : "(none sustained) ")
                                   + Format.rate(findings.capacity) + "/s: served, "
                                   + "with normal latency (p99 within 2× the p99 before)",
                                   Format.perSecond(during.servedPerSecond()) + " ok/s, p99 "
                                   + Format.millis(during.servedPercentileMillis(99)) + " ms",
                                   "—", percent(during.servedPerSecond() / findings.capacity) + " of capacity",
                                   "≥ 80 % of capacity, p99 ≤ " + Format.millis(bound) + " ms",
                                   !findings.capacityFound ? "n/a (no sustainable rate)" : servedEnough && normal ? MET : MISSED));
            targets.add(refusals("Overload: what is not served is refused at once (503 + Retry-After)", during, bound));
            targets.add(breakerTarget("Overload: no circuit breaker opens", overload));
            final Optional<Duration> recovery = overload.result()
                    .recovery(overload.result().firstWindowOf(2), bound);
            targets.add(new Target("Overload: recovery (p99 of 100 ms windows back within 2× the p99 before)",
                                   recovery.map(Report::seconds).orElse("not within the "
                                           + Format.duration(overload.result().phases().get(2).phase().duration())
                                           + " after"), "—", "—", "≤ " + seconds(TARGET_RECOVERY),
                                   recovery.map(r -> r.compareTo(TARGET_RECOVERY) <= 0 ? MET : MISSED).orElse(MISSED)));
        }
        final Findings.Phased cold = findings.coldStart;
        if (cold == null) {
            targets.add(new Target("Cold start: " + Format.rate(Suite.COLD_START_RATE) + " req/s at once", NOT_MEASURED,
                                   "—", "—", "the same", NOT_MEASURED));
            return;
        }
        final PhasedRun.PhaseResult phase = cold.result().phases().get(0);
        final double bound = 2 * cold.baselineP99Millis();
        targets.add(new Target("Cold start: a fresh mesh offered " + Format.rate(Suite.COLD_START_RATE) + " req/s at once, "
                               + "served", Format.perSecond(phase.servedPerSecond()) + " ok/s", "—",
                               percent(phase.servedPerSecond() / phase.phase().rate()) + " of offered",
                               "≥ 80 % of offered", phase.servedPerSecond() >= TARGET_OVERLOAD_SERVED * phase.phase().rate()
                                       ? MET : MISSED));
        targets.add(refusals("Cold start: refusals at once", phase, bound));
        targets.add(breakerTarget("Cold start: no circuit breaker opens", cold));
        final Optional<Duration> normal = cold.result().recovery(0, bound);
        targets.add(new Target("Cold start: time until the p99 of 100 ms windows stays within 2× the warm p99 ("
                               + Format.millis(cold.baselineP99Millis()) + " ms)",
                               normal.map(Report::seconds).orElse("never within the run"), "—", "—",
                               "≤ " + seconds(TARGET_RECOVERY),
                               normal.map(r -> r.compareTo(TARGET_RECOVERY) <= 0 ? MET : MISSED).orElse(MISSED)));
    }

    private static Target refusals(String what, PhasedRun.PhaseResult phase, double boundMillis) {
        final long refused = phase.refusedWithRetryAfter() + phase.refusedWithout();
        final boolean immediate = phase.timeouts() == 0 && phase.refusedWithout() == 0
                                  && (refused == 0 || phase.refusedPercentileMillis(99) <= boundMillis);
        return new Target(what, refused + " refused (" + phase.refusedWithRetryAfter() + " with Retry-After"
                                + (refused == 0 ? "" : ", p99 " + Format.millis(phase.refusedPercentileMillis(99)) + " ms")
                                + "), " + phase.timeouts() + " timeouts, " + phase.otherErrorCount() + " other errors",
                          "—", "—", "no timeouts, every 503 with Retry-After, p99 ≤ " + Format.millis(boundMillis) + " ms",
                          immediate ? MET : MISSED);
    }

    private static Target breakerTarget(String what, Findings.Phased run) {
        final Findings.Breakers last = run.atPhaseEnds().get(run.atPhaseEnds().size() - 1);
        if (run.before().openedTotal() == null || last.openedTotal() == null) {
            return new Target(what, "n/a (the gateway exports no `" + Findings.Breakers.OPENED + "`)", "—", "—",
                              "0 opened", NOT_MEASURED);
        }
        final double opened = last.openedTotal() - run.before().openedTotal();
        return new Target(what, String.format(Locale.ROOT, "%.0f opened", opened), "—", "—", "0 opened",
                          opened == 0 ? MET : MISSED);
    }

    private Target comparison(String what, String subjectKey, String peerKey, String peerName, double minimum,
                              boolean percent) {
        final Optional<Throughput> subject = findings.row(subjectKey);
        final Optional<Throughput> peer = findings.row(peerKey);
        final String target = percent ? "≥ " + percent(minimum) + " of " + peerName
                                      : "≥ " + String.format(Locale.ROOT, "%.0f×", minimum) + " " + peerName;
        final String verdict;
        if (subject.isEmpty() || peer.isEmpty()) {
            verdict = NOT_MEASURED;
        } else if (subject.get().failed() || peer.get().failed()) {
            verdict = MISSED + " (errors)";
        } else {
            verdict = subject.get().requestsPerSecond() >= minimum * peer.get().requestsPerSecond() ? MET : MISSED;
        }
        return new Target(what, subject.map(Report::rate).orElse(NOT_MEASURED),
                          peer.map(r -> peerName + ": " + rate(r)).orElse(NOT_MEASURED),
                          percent ? percentRatio(subject, peer) : ratio(subject, peer), target, verdict);
    }

    private void targets(StringBuilder out) {
        out.append("## Issue 10's targets\n\n")
           .append("Each figure next to its peer, measured in this run on this machine. A row whose requests had errors "
                   + "counts as missed.\n\n")
           .append("| what | Sextant | peer, same run | ratio | target | verdict |\n|---|---|---|---|---|---|\n");
        for (Target target : targets()) {
            out.append("| ").append(target.what).append(" | ").append(target.sextant).append(" | ").append(target.peer)
               .append(" | ").append(target.ratio).append(" | ").append(target.target).append(" | ")
               .append(target.verdict).append(" |\n");
        }
        out.append('\n');
    }

    private void throughput(StringBuilder out) {
        if (findings.rows.isEmpty()) {
            return;
        }
        out.append("## Throughput (closed loop: wrk over HTTP/1.1 keep-alive, h2load over HTTP/2)\n\n")
           .append("Each row after a warm-up run of the same command. Latencies are as the tools report them (closed loop, "
                   + "not corrected for coordinated omission; h2load's from its per-request log). *Server CPU* is the "
                   + "CPU time of the server's processes (the mesh JVM; nginx's master and workers, plus the mesh behind "
                   + "`grpc_pass`; Keycloak's JVM) per request, *generator CPU* that of wrk or h2load.\n\n")
           .append("| row | server | req/s | p50 ms | p99 ms | requests | errors | server CPU µs/req | generator CPU µs/req |\n")
           .append("|---|---|---|---|---|---|---|---|---|\n");
        for (Throughput row : findings.rows.values()) {
            out.append("| ").append(row.name()).append(" | ").append(row.server()).append(" | ")
               .append(Format.perSecond(row.requestsPerSecond())).append(" | ").append(Format.millis(row.p50Millis()))
               .append(" | ").append(Format.millis(row.p99Millis())).append(" | ").append(row.requests()).append(" | ")
               .append(row.errors()).append(row.errorNote().isEmpty() ? "" : " (" + row.errorNote() + ")").append(" | ")
               .append(Format.micros(row.serverMicros())).append(" | ").append(Format.micros(row.generatorMicros()))
               .append(" |\n");
        }
        out.append('\n');
    }

    private void openLoop(StringBuilder out) {
        final RunResult run = findings.openLoopP99;
        if (run == null) {
            return;
        }
        out.append("## Open-loop latency (the Java generator)\n\n")
           .append("Requests sent at fixed intended times whatever the answers do; latency from each intended time "
                   + "(coordinated omission corrected), over the successful answers, warm-up not recorded. Its own CPU "
                   + "is the *generator cores* column.\n\n")
           .append("| scenario | offered/s | ok/s | p50 | p90 | p99 | p99.9 | max | errors | send lag max | generator cores | mesh cores | mesh µs/ok |\n")
           .append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
           .append("| ").append(run.scenario()).append(" | ").append(Format.rate(run.targetRate())).append(" | ")
           .append(Format.perSecond(run.throughput())).append(" | ").append(Format.millis(run.percentileMillis(50)))
           .append(" | ").append(Format.millis(run.percentileMillis(90))).append(" | ")
           .append(Format.millis(run.percentileMillis(99))).append(" | ").append(Format.millis(run.percentileMillis(99.9)))
           .append(" | ").append(Format.millis(run.maxMillis())).append(" | ").append(errors(run)).append(" | ")
           .append(Format.millis(run.sendLagMillis())).append(" | ").append(Format.cores(run.cpu().generatorCores()))
           .append(" | ").append(Format.cores(run.cpu().meshCores())).append(" | ")
           .append(Format.micros(run.cpu().meshMicrosPerResponse(run.throughput()))).append(" |\n\n");
    }

    private void overload(StringBuilder out) {
        if (findings.overload == null && findings.coldStart == null) {
            return;
        }
        out.append("## Overload\n\n");
        final MaxSearch search = findings.capacitySearch;
        if (search != null) {
            out.append("**Sustainable rate** of REST validate (open loop, steps of ")
               .append(Format.duration(search.load().warmup())).append(" warm-up + ")
               .append(Format.duration(search.load().duration())).append("; sustained when ")
               .append(search.criteria().describe()).append("): ")
               .append(findings.capacityFound ? "**" + Format.rate(findings.capacity) + "/s**."
                       : "**none** down to " + Format.rate(findings.capacity) + "/s; the overload below is offered twice that.")
               .append("\n\n| offered/s | ok/s | p50 | p99 | errors | verdict |\n|---|---|---|---|---|---|\n");
            final List<MaxSearch.Step> steps = new ArrayList<>(search.steps());
            steps.addAll(findings.capacityStepsDown);
            for (MaxSearch.Step step : steps) {
                final RunResult r = step.result();
                out.append("| ").append(Format.rate(r.targetRate())).append(" | ").append(Format.perSecond(r.throughput()))
                   .append(" | ").append(Format.millis(r.percentileMillis(50))).append(" | ")
                   .append(Format.millis(r.percentileMillis(99))).append(" | ").append(errors(r)).append(" | ")
                   .append(step.failure() == null ? "sustained" : step.failure()).append(" |\n");
            }
            out.append('\n');
        }
        out.append("Then, without a pause, open loop with a client timeout of ").append(Format.duration(Suite.OVERLOAD_TIMEOUT))
           .append(": the sustainable rate, twice it, the sustainable rate again; and a freshly started mesh offered ")
           .append(Format.rate(Suite.COLD_START_RATE)).append(" req/s at once. *Refused* are 503 answers (how many carried "
                   + "`Retry-After`, and how fast they came); p50/p99 are of the served answers; *breaker* is the gateway's "
                   + "`sextant_circuit_breaker_state` at the end of the phase (worst of its backends) and the breakers "
                   + "opened during it; *recovery* is the time after the overload ends until the p99 of every 100 ms "
                   + "window (of intended send times) is back within 2× the p99 before it, and stays there (for the cold "
                   + "start: from its first request, against the warm p99).\n\n")
           .append("| run | phase | offered/s | served/s | refused | with Retry-After | refused p99 ms | timeouts | other errors | p50 ms | p99 ms | breaker | recovery |\n")
           .append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        if (findings.overload != null) {
            phasedRows(out, "overload", findings.overload, 2);
        }
        if (findings.coldStart != null) {
            phasedRows(out, "cold start", findings.coldStart, 0);
        }
        out.append('\n');
    }

    private static void phasedRows(StringBuilder out, String name, Findings.Phased run, int recoveryPhase) {
        final PhasedRun.Result result = run.result();
        Findings.Breakers previous = run.before();
        for (int i = 0; i < result.phases().size(); i++) {
            final PhasedRun.PhaseResult phase = result.phases().get(i);
            final Findings.Breakers now = run.atPhaseEnds().get(i);
            String recovery = "";
            if (i == recoveryPhase) {
                final int from = recoveryPhase == 0 ? 0 : result.firstWindowOf(recoveryPhase);
                recovery = result.recovery(from, 2 * run.baselineP99Millis()).map(Report::seconds)
                                 .orElse("not within the phase");
            }
            out.append("| ").append(name).append(" | ").append(phase.phase().name()).append(" | ")
               .append(Format.rate(phase.phase().rate())).append(" | ").append(Format.perSecond(phase.servedPerSecond()))
               .append(" | ").append(phase.refusedWithRetryAfter() + phase.refusedWithout()).append(" | ")
               .append(phase.refusedWithRetryAfter()).append(" | ")
               .append(phase.refusedMicros().getTotalCount() == 0 ? "—" : Format.millis(phase.refusedPercentileMillis(99)))
               .append(" | ").append(phase.timeouts()).append(" | ").append(otherErrors(phase)).append(" | ")
               .append(servedMillis(phase, 50)).append(" | ").append(servedMillis(phase, 99)).append(" | ")
               .append(breaker(previous, now))
               .append(" | ").append(recovery).append(" |\n");
            previous = now;
        }
    }

    /** A percentile of the served answers, or a dash when nothing was served. */
    private static String servedMillis(PhasedRun.PhaseResult phase, double percentile) {
        return phase.served() == 0 ? "—" : Format.millis(phase.servedPercentileMillis(percentile));
    }

    private static String otherErrors(PhasedRun.PhaseResult phase) {
        if (phase.otherErrors().isEmpty()) {
            return "0";
        }
        return phase.otherErrorCount() + " (" + phase.otherErrors().entrySet().stream()
                .map(e -> e.getKey() + ": " + e.getValue()).collect(Collectors.joining(", ")) + ")";
    }

    static String breaker(Findings.Breakers before, Findings.Breakers after) {
        if (after.worstState() == null && after.openedTotal() == null) {
            return "n/a";
        }
        final String state = after.worstState() == null ? "?" : switch ((int) Math.round(after.worstState())) {
            case 0 -> "closed";
            case 1 -> "half-open";
            case 2 -> "open";
            default -> "state " + after.worstState();
        };
        if (after.openedTotal() == null || before.openedTotal() == null) {
            return state;
        }
        return String.format(Locale.ROOT, "%s, opened %.0f×", state, after.openedTotal() - before.openedTotal());
    }

    private void memory(StringBuilder out) {
        out.append("## Memory\n\n");
        out.append(findings.memory.map(m -> "The mesh JVM (`" + String.join(" ", findings.jvmFlags)
                                             + "`, the flags of `./sextant up`) after the load: VmRSS **"
                                             + Format.mebibytes(m.rssMib()) + "**, VmHWM (peak) "
                                             + Format.mebibytes(m.peakMib()) + "; target < "
                                             + Format.mebibytes(TARGET_RSS_MIB) + ".")
                                  .orElse("Not measured."))
           .append(" The embedded PostgreSQL's processes are not included.\n\n");
    }

    private void commands(StringBuilder out) {
        out.append("## Commands\n\n")
           .append("The mesh, as `report` starts it (the JVM flags read from the `sextant` script):\n\n```sh\n")
           .append(findings.meshCommand).append("\n```\n\n")
           .append("Each row, exactly as run; `$TOKEN` is an access token of the run's user `$BENCH_USER` "
                   + "(`POST /v1/auth/login`), `$REFRESH_n` the refresh tokens of 16 sessions of that user (one per wrk "
                   + "thread), `$KC_TOKEN` and `$KC_REFRESH` the tokens of a Keycloak password grant, `$KC_PASSWORD_FORM` "
                   + "that grant's form body; the Lua scripts are in `bench/src/main/resources/wrk/` (the mesh's) and "
                   + "`bench/src/main/resources/peer/` (Keycloak's), `validate-token.bin` is an empty `ValidateTokenRequest` "
                   + "in a gRPC frame (`00 00 00 00 00`).\n\n```sh\n");
        for (Throughput row : findings.rows.values()) {
            out.append("# ").append(row.name()).append('\n').append(row.command()).append('\n');
        }
        if (findings.openLoopP99Command != null) {
            out.append("# open-loop p99\n").append(findings.openLoopP99Command).append('\n');
        }
        if (findings.capacitySearch != null) {
            out.append("# sustainable rate\njava -jar ").append(BenchMain.jar()).append(" max rest-validate ")
               .append(findings.capacitySearch.options()).append('\n');
        }
        out.append("```\n\n");
        if (findings.overload != null) {
            out.append("Overload: ").append(findings.overload.command()).append(".\n");
        }
        if (findings.coldStart != null) {
            out.append("Cold start: ").append(findings.coldStart.command()).append(".\n");
        }
        out.append('\n');
    }

    static String errors(RunResult result) {
        if (result.errors().isEmpty()) {
            return "0";
        }
        return result.errorCount() + " (" + result.errors().entrySet().stream()
                .map(e -> e.getKey() + ": " + e.getValue())
                .collect(Collectors.joining(", ")) + ")";
    }

    private static String rate(Throughput row) {
        return Format.perSecond(row.requestsPerSecond()) + " req/s" + (row.failed() ? " (" + row.errors() + " errors)" : "");
    }

    private static String verdict(Optional<Throughput> row, java.util.function.Predicate<Throughput> met) {
        return row.map(r -> r.failed() ? MISSED + " (errors)" : met.test(r) ? MET : MISSED).orElse(NOT_MEASURED);
    }

    private static String ratio(Optional<Throughput> subject, Optional<Throughput> peer) {
        if (subject.isEmpty() || peer.isEmpty() || peer.get().requestsPerSecond() <= 0) {
            return "—";
        }
        return String.format(Locale.ROOT, "%.2f×", subject.get().requestsPerSecond() / peer.get().requestsPerSecond());
    }

    private static String percentRatio(Optional<Throughput> subject, Optional<Throughput> peer) {
        if (subject.isEmpty() || peer.isEmpty() || peer.get().requestsPerSecond() <= 0) {
            return "—";
        }
        return percent(subject.get().requestsPerSecond() / peer.get().requestsPerSecond());
    }

    private static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.0f %%", 100 * fraction);
    }

    private static String seconds(Duration duration) {
        return String.format(Locale.ROOT, "%.1f s", duration.toMillis() / 1000.0);
    }

    private static String minutes(Duration duration) {
        return String.format(Locale.ROOT, "%d min %02d s", duration.toMinutes(), duration.toSecondsPart());
    }

    private static String orUnknown(String text) {
        return text == null ? "unknown" : text;
    }

    /** For tests: the targets by their first words. */
    Map<String, String> verdicts() {
        return targets().stream().collect(Collectors.toMap(Target::what, Target::verdict, (a, b) -> a,
                                                           java.util.LinkedHashMap::new));
    }
}
