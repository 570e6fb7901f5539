package io.sextant.bench;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** The generated part of REPORT.md: the machine, the commands and the figures of the standard set. */
record Report(Machine machine, Instant when, String meshCommand, String reportCommand, String jar,
              List<Fixed> fixed, List<MaxSearch> searches) {

    /** A fixed-rate run and the load it was run with. */
    record Fixed(ScenarioKind kind, Load load, RunResult result) {}

    static final double TARGET_REST_RATE = 20_000;
    static final double TARGET_P99_RATE = 10_000;
    static final double TARGET_P99_MILLIS = 10;

    String markdown() {
        final StringBuilder out = new StringBuilder();
        out.append("Measured ").append(when.truncatedTo(ChronoUnit.SECONDS)).append(".\n\n");
        out.append("## Machine\n\n")
           .append("| cores | CPU | memory | OS | Java |\n|---|---|---|---|---|\n")
           .append("| ").append(machine.cores()).append(" | ").append(machine.cpu()).append(" | ")
           .append(machine.memory()).append(" | ").append(machine.os()).append(" | ").append(machine.java())
           .append(" |\n\n")
           .append("The load generator, the mesh (six services in one JVM) and its embedded PostgreSQL all share these ")
           .append(machine.cores()).append(" cores: the generator's own work (building requests, HTTP/2, ")
           .append("recording) takes CPU the gateway would otherwise have.\n\n");

        out.append("## Commands\n\n```sh\n")
           .append("# the mesh, from the repository root (rate limits off for benchmark runs)\n")
           .append(meshCommand).append("\n# this report\n").append(reportCommand).append("\n```\n\n")
           .append("Each row below is the same as running the scenario alone:\n\n```sh\n");
        for (Fixed run : fixed) {
            out.append("java -jar ").append(jar).append(' ').append(run.kind().id()).append(' ')
               .append(run.load().options()).append('\n');
        }
        for (MaxSearch search : searches) {
            out.append("java -jar ").append(jar).append(" max ").append(search.kind().id()).append(' ')
               .append(search.options()).append('\n');
        }
        out.append("```\n\n");

        out.append("## Fixed rate (open loop)\n\n")
           .append("Latency is measured from each request's intended send time (coordinated omission corrected), ")
           .append("in milliseconds, over the successful responses; the warm-up is not recorded. ")
           .append("*Send lag* is how late the generator itself sent its most delayed request; *load avg* is ")
           .append("the machine's 1-minute load average at the end of the run (above ").append(machine.cores())
           .append(", something wanted more CPU than there was). The CPU columns cover the measured part: ")
           .append("cores in use on average by the generator and by the mesh's JVM (with `--mesh-pid`), the mesh's ")
           .append("CPU time per successful response, and how busy all cores were together, whoever used them.\n\n")
           .append("| scenario | offered/s | achieved ok/s | p50 | p90 | p99 | p99.9 | max | errors | send lag max | load avg | generator cores | mesh cores | mesh µs/ok | machine busy |\n")
           .append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Fixed run : fixed) {
            out.append(row(run.kind(), run.result()));
        }
        out.append('\n');
        fixed.stream().map(Fixed::kind).distinct().forEach(kind ->
                out.append("- `").append(kind.id()).append("`: ").append(kind.description()).append('\n'));
        out.append('\n');

        out.append("## Highest sustained rate\n\n");
        for (MaxSearch search : searches) {
            out.append("### ").append(search.kind().id()).append("\n\n")
               .append("Steps of ").append(Format.duration(search.load().warmup())).append(" warm-up + ")
               .append(Format.duration(search.load().duration())).append(" measured; a step is sustained when ")
               .append(search.criteria().describe()).append(".\n\n")
               .append("| scenario | offered/s | achieved ok/s | p50 | p90 | p99 | p99.9 | max | errors | send lag max | load avg | generator cores | mesh cores | mesh µs/ok | machine busy | verdict |\n")
               .append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
            for (MaxSearch.Step step : search.steps()) {
                out.append(row(search.kind(), step.result()).stripTrailing())
                   .append(' ').append(step.failure() == null ? "sustained" : step.failure()).append(" |\n");
            }
            out.append("\nHighest sustained: ").append(highest(search)).append("\n\n");
        }

        out.append("## REST through the gateway vs gRPC straight to auth\n\n");
        for (Fixed rest : fixed) {
            final Optional<Fixed> grpc = fixedRun(ScenarioKind.GRPC_VALIDATE, rest.load().rate());
            if (rest.kind() != ScenarioKind.REST_VALIDATE || grpc.isEmpty()) {
                continue;
            }
            out.append("- p99 at ").append(Format.rate(rest.load().rate())).append("/s: REST via gateway ")
               .append(Format.millis(rest.result().percentileMillis(99))).append(" ms, gRPC direct ")
               .append(Format.millis(grpc.get().result().percentileMillis(99))).append(" ms (")
               .append(ratio(rest.result().percentileMillis(99), grpc.get().result().percentileMillis(99)))
               .append(")");
            fixedRun(ScenarioKind.GATEWAY_GRPC_VALIDATE, rest.load().rate())
                    .ifPresent(g -> out.append("; gRPC via gateway ")
                                       .append(Format.millis(g.result().percentileMillis(99))).append(" ms"));
            final double restCpu = rest.result().cpu().meshMicrosPerResponse(rest.result().throughput());
            final double grpcCpu = grpc.get().result().cpu().meshMicrosPerResponse(grpc.get().result().throughput());
            if (restCpu > 0 && grpcCpu > 0) {
                out.append("; mesh CPU per successful response ").append(Format.micros(restCpu)).append(" µs vs ")
                   .append(Format.micros(grpcCpu)).append(" µs (").append(ratio(restCpu, grpcCpu)).append(")");
            }
            out.append('\n');
        }
        final Optional<RunResult> restMax = highestOf(ScenarioKind.REST_VALIDATE);
        final Optional<RunResult> grpcMax = highestOf(ScenarioKind.GRPC_VALIDATE);
        if (restMax.isPresent() && grpcMax.isPresent()) {
            out.append("- highest sustained rate: REST via gateway ").append(Format.rate(restMax.get().targetRate()))
               .append("/s, gRPC direct ").append(Format.rate(grpcMax.get().targetRate())).append("/s (REST/gRPC = ")
               .append(String.format(Locale.ROOT, "%.2f", restMax.get().targetRate() / grpcMax.get().targetRate()))
               .append(")\n");
        }
        out.append('\n');

        out.append("## Targets\n\n| target | measured | met |\n|---|---|---|\n");
        final String sustained = restMax.map(r -> Format.rate(r.targetRate()) + "/s").orElse("none of the steps");
        final boolean searchedEnough = searches.stream()
                .filter(s -> s.kind() == ScenarioKind.REST_VALIDATE)
                .anyMatch(s -> !s.reachedTheEnd() || s.steps().get(s.steps().size() - 1).result().targetRate()
                                                     >= TARGET_REST_RATE);
        out.append("| gateway sustains >= ").append(Format.perSecond(TARGET_REST_RATE)).append(" REST req/s | ")
           .append(sustained).append(searchedEnough ? "" : " (search ended below the target)").append(" | ")
           .append(restMax.map(r -> r.targetRate() >= TARGET_REST_RATE ? "yes" : "no").orElse("no")).append(" |\n");
        fixedRun(ScenarioKind.REST_VALIDATE, TARGET_P99_RATE).ifPresent(r -> {
            final double p99 = r.result().percentileMillis(99);
            out.append("| p99 < ").append(Format.millis(TARGET_P99_MILLIS)).append(" ms at ")
               .append(Format.perSecond(TARGET_P99_RATE)).append(" REST req/s | p99 ").append(Format.millis(p99))
               .append(" ms, ").append(r.result().errorCount()).append(" errors | ")
               .append(p99 < TARGET_P99_MILLIS && r.result().errorCount() == 0 ? "yes" : "no").append(" |\n");
        });
        return out.toString();
    }

    private static String row(ScenarioKind kind, RunResult result) {
        return "| " + kind.id() + " | " + Format.rate(result.targetRate()) + " | "
               + Format.perSecond(result.throughput()) + " | " + Format.millis(result.percentileMillis(50)) + " | "
               + Format.millis(result.percentileMillis(90)) + " | " + Format.millis(result.percentileMillis(99))
               + " | " + Format.millis(result.percentileMillis(99.9)) + " | " + Format.millis(result.maxMillis())
               + " | " + errors(result) + " | " + Format.millis(result.sendLagMillis()) + " | " + result.loadAverage()
               + " | " + Format.cores(result.cpu().generatorCores()) + " | " + Format.cores(result.cpu().meshCores())
               + " | " + Format.micros(result.cpu().meshMicrosPerResponse(result.throughput())) + " | "
               + Format.percent(result.cpu().machineBusy()) + " |\n";
    }

    static String errors(RunResult result) {
        if (result.errors().isEmpty()) {
            return "0";
        }
        return result.errorCount() + " (" + result.errors().entrySet().stream()
                .map(e -> e.getKey() + ": " + e.getValue())
                .collect(Collectors.joining(", ")) + ")";
    }

    private static String ratio(double numerator, double denominator) {
        return denominator == 0 ? "n/a" : String.format(Locale.ROOT, "REST/gRPC = %.2f", numerator / denominator);
    }

    private static String highest(MaxSearch search) {
        final Optional<RunResult> best = search.highestSustained();
        if (best.isEmpty()) {
            return "none; even the first step failed.";
        }
        return "**" + Format.rate(best.get().targetRate()) + "/s**" + (search.reachedTheEnd()
                ? " (every step passed: the limit lies above the searched range)." : ".");
    }

    private Optional<Fixed> fixedRun(ScenarioKind kind, double rate) {
        return fixed.stream().filter(f -> f.kind() == kind && f.load().rate() == rate).findFirst();
    }

    private Optional<RunResult> highestOf(ScenarioKind kind) {
        return searches.stream().filter(s -> s.kind() == kind).findFirst().flatMap(MaxSearch::highestSustained);
    }
}
