package io.sextant.bench;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code java -jar sextant-bench-*-all.jar <scenario> [options]} runs one scenario at a fixed rate,
 * {@code max <scenario>} steps the rate up to the highest sustained one, {@code report} runs the
 * whole set against a mesh, nginx and Keycloak it starts itself and writes REPORT.md. The scenario
 * commands and {@code max} run against a mesh started separately.
 */
@Command(name = "sextant-bench", mixinStandardHelpOptions = true,
         description = "Sextant's benchmark: open-loop runs against a running mesh, or the whole report.")
public final class BenchMain implements Runnable {

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
        cli.addSubcommand("notification", new NotificationCommand());
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

    @Command(name = "notification", mixinStandardHelpOptions = true,
             description = "E-mails open loop to running notification replicas, delivered to an SMTP server this command "
                           + "runs (start the mesh and the replicas with SMTP_HOST=127.0.0.1 SMTP_PORT=<--smtp-port> "
                           + "SMTP_TLS=none); the notification section of report, against a mesh started separately.")
    static final class NotificationCommand implements Callable<Integer> {
        @Option(names = "--rates", split = ",", paramLabel = "RATE", defaultValue = "250,500",
                description = "E-mails per second, in turn. Default: ${DEFAULT-VALUE}.")
        private List<Double> rates;
        @Option(names = "--warmup", defaultValue = "5s", description = "Default: ${DEFAULT-VALUE}.")
        private Duration warmup;
        @Option(names = "--duration", defaultValue = "15s", description = "Default: ${DEFAULT-VALUE}.")
        private Duration duration;
        @Option(names = "--replicas", split = ",", defaultValue = "localhost:8003",
                description = "The notification replicas (gRPC), used in turn. Default: ${DEFAULT-VALUE}.")
        private List<String> replicas;
        @Option(names = "--gateway", defaultValue = "http://localhost:8000",
                description = "Where the sender logs in. Default: ${DEFAULT-VALUE}.")
        private String gateway;
        @Option(names = "--username", defaultValue = "admin",
                description = "A user holding notifications.send. Default: ${DEFAULT-VALUE}.")
        private String username;
        @Option(names = "--password-env", defaultValue = "SEXTANT_BENCH_PASSWORD",
                description = "The environment variable holding its password (kept off the command line). "
                              + "Default: ${DEFAULT-VALUE}.")
        private String passwordEnv;
        @Option(names = "--smtp-port", defaultValue = "8125",
                description = "Where this command's SMTP server listens. Default: ${DEFAULT-VALUE}.")
        private int smtpPort;
        @Option(names = "--postgres-port", description = "The notification database's PostgreSQL (user postgres), to "
                                                         + "read the queue's depth; optional.")
        private Long postgresPort;

        @Override
        public Integer call() throws InterruptedException {
            final String password = System.getenv(passwordEnv);
            if (password == null || password.isEmpty()) {
                throw new IllegalArgumentException("set " + passwordEnv + " to the password of " + username);
            }
            final Account sender = Account.existing(Endpoints.parse(gateway), username, password);
            try (MailSink sink = MailSink.start(smtpPort)) {
                System.out.println("SMTP server on 127.0.0.1:" + sink.port());
                final NotificationBench bench = new NotificationBench(
                        replicas.stream().map(Endpoints::parse).toList(), sink, new NotificationBench.Processes(-1, -1, -1),
                        sender::login, postgresPort == null ? OptionalLong.empty() : OptionalLong.of(postgresPort),
                        System.out);
                bench.run(rates, warmup, duration, "");
            }
            return 0;
        }
    }

    @Command(name = "report", mixinStandardHelpOptions = true,
             description = "Starts the mesh (as ./sextant up does), nginx and Keycloak, measures issue 10's figures "
                           + "against them in one sitting, stops everything and writes the report file.")
    static final class ReportCommand implements Callable<Integer> {
        static final double MIN_ACHIEVED = 0.95;

        @Option(names = "--output", defaultValue = "bench/REPORT.md", description = "Default: ${DEFAULT-VALUE}.")
        private Path output;
        @Option(names = "--only", split = ",", paramLabel = "SECTION",
                description = "Run only these sections (validate, grpc, me, login, refresh, notification, storage, openloop, "
                              + "overload, cold). Default: all.")
        private List<String> only = new ArrayList<>();
        @Option(names = "--duration", defaultValue = "20s", description = "Measured time of each throughput row. Default: ${DEFAULT-VALUE}.")
        private Duration duration;
        @Option(names = "--warmup", defaultValue = "5s", description = "Warm-up before each row (three times this for the mesh's first). Default: ${DEFAULT-VALUE}.")
        private Duration warmup;
        @Option(names = "--overload", defaultValue = "30s", description = "The overload phase and the cold start. Default: ${DEFAULT-VALUE}.")
        private Duration overload;
        @Option(names = "--port", defaultValue = "20000",
                description = "The mesh's first port (SEXTANT_PORT; the gateway's metrics on +9, nginx on +51 to +53, "
                              + "Keycloak on +60). Default: ${DEFAULT-VALUE}.")
        private int port;
        @Option(names = "--notification-rates", split = ",", paramLabel = "RATE", defaultValue = "250,500,1000,1500",
                description = "The e-mails per second offered by the notification section, in turn. Default: "
                              + "${DEFAULT-VALUE}.")
        private List<Double> notificationRates;
        @Option(names = "--storage-size", defaultValue = "1024",
                description = "The large file of the storage section, in MiB (uploaded and downloaded once; dd writes "
                              + "and reads as much). Default: ${DEFAULT-VALUE}.")
        private int storageMebibytes;
        @Option(names = "--cache", defaultValue = "${sys:user.home}/.cache/sextant-bench",
                description = "Where Keycloak's distribution is kept between runs. Default: ${DEFAULT-VALUE}.")
        private Path cache;

        @Override
        public Integer call() throws Exception {
            for (String section : only) {
                if (!Suite.SECTIONS.contains(section)) {
                    throw new IllegalArgumentException("no section '" + section + "'; the sections are "
                                                       + String.join(", ", Suite.SECTIONS));
                }
            }
            if (port < 1024 || port > 65535 - 100) {
                throw new IllegalArgumentException("--port must leave room for 100 ports above it: " + port);
            }
            final Path repository = Path.of("").toAbsolutePath();
            final Suite.Options options = new Suite.Options(repository, port, duration, warmup, overload,
                                                            Set.copyOf(only), cache, List.copyOf(notificationRates),
                                                            storageMebibytes * 1024L * 1024L);
            final Suite suite = new Suite(options, System.out);
            // Ctrl-C or a kill still stops the mesh and the peers
            final Thread cleanup = new Thread(suite::close, "bench-cleanup");
            Runtime.getRuntime().addShutdownHook(cleanup);
            final Findings findings;
            try {
                findings = suite.run();
            } finally {
                suite.close();
                Runtime.getRuntime().removeShutdownHook(cleanup);
            }
            final Report report = new Report(Machine.current(), findings, command());
            String text = Files.exists(output) ? Files.readString(output, StandardCharsets.UTF_8) : "";
            // each part of the report has its markers: a run of some sections leaves the others' figures alone
            if (options.runsGatewaySections()) {
                text = ReportFile.update(text, report.markdown());
            }
            if (options.runs("notification")) {
                text = ReportFile.update(text, report.notificationMarkdown(), ReportFile.NOTIFICATION_BEGIN,
                                         ReportFile.NOTIFICATION_END);
            }
            if (options.runs("storage")) {
                text = ReportFile.update(text, report.storageMarkdown(), ReportFile.STORAGE_BEGIN, ReportFile.STORAGE_END);
            }
            Files.writeString(output, text, StandardCharsets.UTF_8);
            System.out.println("wrote " + output + " (the run took " + Format.duration(Duration.ofSeconds(
                    findings.took.toSeconds())) + ")");
            return 0;
        }

        private String command() {
            final StringBuilder command = new StringBuilder("bench/run");
            if (!only.isEmpty()) {
                command.append(" --only ").append(String.join(",", only));
            }
            command.append(" --duration ").append(Format.duration(duration)).append(" --warmup ")
                   .append(Format.duration(warmup)).append(" --overload ").append(Format.duration(overload))
                   .append(" --port ").append(port);
            if (only.isEmpty() || only.contains("notification")) {
                command.append(" --notification-rates ").append(notificationRates.stream().map(Format::rate)
                                                                                  .reduce((a, b) -> a + "," + b).orElse(""));
            }
            return command.toString();
        }
    }
}
