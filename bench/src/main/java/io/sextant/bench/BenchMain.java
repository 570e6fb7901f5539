package io.sextant.bench;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code java -jar sextant-bench-*-all.jar <scenario> [options]} runs one scenario at a fixed rate,
 * {@code max <scenario>} steps the rate up to the highest sustained one, {@code report} runs the
 * standard set and writes REPORT.md. All of them run against a mesh started separately.
 */
@Command(name = "sextant-bench", mixinStandardHelpOptions = true,
         description = "Open-loop load generator for a running Sextant mesh.")
public final class BenchMain implements Runnable {

    static final String MESH_COMMAND = "SEXTANT_DATA=/tmp/bench-data RATE_LIMIT_USER=off RATE_LIMIT_AUTH=off ./sextant up";

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        final CommandLine cli = new CommandLine(new BenchMain());
        for (ScenarioKind kind : ScenarioKind.values()) {
            final CommandLine scenario = new CommandLine(new RunCommand(kind));
            scenario.getCommandSpec().usageMessage().description(kind.description() + ", at a fixed rate.");
            cli.addSubcommand(kind.id(), scenario);
        }
        cli.addSubcommand("max", new MaxCommand());
        cli.addSubcommand("report", new ReportCommand());
        cli.registerConverter(Duration.class, Format::parseDuration);
        cli.setExecutionExceptionHandler((failure, command, parsed) -> {
            command.getErr().println("sextant-bench: " + failure.getMessage());
            return 2;
        });
        return cli;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a scenario, max or report");
    }

    /** The jar this runs from, as the report's commands name it. */
    static String jar() {
        try {
            final Path location = Path.of(BenchMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            final Path relative = Path.of("").toAbsolutePath().relativize(location.toAbsolutePath());
            return location.toString().endsWith(".jar") ? relative.toString() : "bench/target/sextant-bench-*-all.jar";
        } catch (Exception e) {
            return "bench/target/sextant-bench-*-all.jar";
        }
    }

    @Command(mixinStandardHelpOptions = true)
    static final class RunCommand implements Callable<Integer> {
        private final ScenarioKind kind;
        @Mixin
        private LoadOptions load;
        @Mixin
        private TargetOptions target;

        RunCommand(ScenarioKind kind) {
            this.kind = kind;
        }

        @Override
        public Integer call() throws InterruptedException {
            final Load shape = load.load();
            final RunResult result = Bench.connect(target.endpoints(), target.meshPid(), System.out).run(kind, shape);
            System.out.println(Report.errors(result).equals("0") ? "no errors" : "errors: " + Report.errors(result));
            return 0;
        }
    }

    @Command(name = "max", mixinStandardHelpOptions = true,
             description = "Runs at --rate, then at --factor times the last rate (two significant digits), until a "
                           + "run fails the criteria or --until is passed.")
    static final class MaxCommand implements Callable<Integer> {
        @Parameters(index = "0", description = "The scenario: rest-validate, gateway-grpc-validate, grpc-validate, login.")
        private String scenario;
        @Mixin
        private LoadOptions load;
        @Mixin
        private TargetOptions target;
        @Option(names = "--factor", defaultValue = "1.5", description = "Default: ${DEFAULT-VALUE}.")
        private double factor;
        @Option(names = "--until", defaultValue = "40000", description = "The highest rate tried. Default: ${DEFAULT-VALUE}.")
        private double until;
        @Option(names = "--p99-limit", defaultValue = "20ms", description = "Default: ${DEFAULT-VALUE}.")
        private Duration p99Limit;
        @Option(names = "--max-error-ratio", defaultValue = "0.001", description = "Default: ${DEFAULT-VALUE}.")
        private double maxErrorRatio;

        @Override
        public Integer call() throws InterruptedException {
            final ScenarioKind kind = ScenarioKind.of(scenario);
            final Load shape = load.load();
            final MaxSearch search = Bench.connect(target.endpoints(), target.meshPid(), System.out)
                    .findMax(kind, shape, new RateLadder(shape.rate(), factor, until),
                             new Criteria(p99Limit.toNanos() / 1e6, maxErrorRatio, ReportCommand.MIN_ACHIEVED));
            System.out.println("highest sustained: " + search.highestSustained()
                    .map(r -> Format.rate(r.targetRate()) + "/s").orElse("none"));
            return 0;
        }
    }

    @Command(name = "report", mixinStandardHelpOptions = true,
             description = "Runs the standard set against the mesh and writes the figures into the report file.")
    static final class ReportCommand implements Callable<Integer> {
        static final double MIN_ACHIEVED = 0.95;

        @Mixin
        private TargetOptions target;
        @Option(names = "--output", defaultValue = "bench/REPORT.md", description = "Default: ${DEFAULT-VALUE}.")
        private Path output;

        @Override
        public Integer call() throws Exception {
            final PrintStream log = System.out;
            final Bench bench = Bench.connect(target.endpoints(), target.meshPid(), log);
            final List<Report.Fixed> fixed = new ArrayList<>();
            for (StandardSet.Planned planned : StandardSet.FIXED_RATE) {
                fixed.add(new Report.Fixed(planned.kind(), planned.load(), bench.run(planned.kind(), planned.load())));
                StandardSet.pause();
            }
            final List<MaxSearch> searches = new ArrayList<>();
            for (ScenarioKind kind : StandardSet.SEARCHED) {
                searches.add(bench.findMax(kind, StandardSet.SEARCH_LOAD, StandardSet.SEARCH_LADDER,
                                           StandardSet.SEARCH_CRITERIA));
                StandardSet.pause();
            }
            final String command = "java -jar " + jar() + " report " + target.options() + " --output " + output;
            final Report report = new Report(Machine.current(), Instant.now(), MESH_COMMAND, command, jar(), fixed,
                                             searches);
            final String existing = Files.exists(output) ? Files.readString(output, StandardCharsets.UTF_8) : "";
            Files.writeString(output, ReportFile.update(existing, report.markdown()), StandardCharsets.UTF_8);
            log.println("wrote " + output);
            return 0;
        }
    }
}
