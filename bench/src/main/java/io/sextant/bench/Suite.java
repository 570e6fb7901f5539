package io.sextant.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.sextant.auth.v1.ValidateTokenRequest;
import io.sextant.bench.peer.Keycloak;
import io.sextant.bench.peer.Nginx;

/**
 * What {@code report} runs, start to end: it starts the mesh (as {@code ./sextant up} does) and the
 * peers (nginx, Keycloak), runs every section against them in one sitting, and stops all of it
 * again, also when a section fails. A section that cannot run (a peer that does not start) is
 * noted in the findings and the others still run.
 */
final class Suite implements AutoCloseable {

    /** The sections, in the order they run; {@code --only} picks some. */
    static final List<String> SECTIONS = List.of("validate", "grpc", "me", "login", "refresh", "notification", "storage", "openloop",
                                                   "overload", "cold");
    /** The sections that measure Keycloak beside the mesh: it runs only during them. */
    static final Set<String> KEYCLOAK_SECTIONS = Set.of("me", "login", "refresh");
    /** The sections that measure the gateway and auth: they need wrk and h2load, and the JIT warmed up on validate. */
    static final Set<String> GATEWAY_SECTIONS = Set.of("validate", "grpc", "me", "login", "refresh", "openloop", "overload",
                                                       "cold");

    /** wrk's connections for the read paths (the measurements used 32). */
    static final int READ_CONNECTIONS = 32;
    static final int LOGIN_CONNECTIONS = 4;
    /** One session per wrk thread, one connection each: the refresh chain of a session is sequential. */
    static final int REFRESH_SESSIONS = 16;
    static final int H2LOAD_CLIENTS = 16;
    static final int H2LOAD_STREAMS = 4;
    static final double OPEN_LOOP_RATE = 10_000;
    static final double COLD_START_RATE = 1_000;
    /** A realistic client's patience in the overload runs: what it does not get by then, it gives up on. */
    static final Duration OVERLOAD_TIMEOUT = Duration.ofSeconds(2);
    static final Duration TOOL_TIMEOUT = Duration.ofSeconds(10);
    /** The capacity search goes no lower than this. */
    static final double MIN_CAPACITY_STEP = 50;
    private static final Pattern ARGON2 = Pattern.compile("^\\$(argon2(?:id|i|d))\\$v=\\d+\\$m=(\\d+),t=(\\d+),p=(\\d+)\\$");

    /** The command-line choices of a run. */
    record Options(Path repository, int basePort, Duration duration, Duration warmup, Duration overload,
                   Set<String> only, Path cache, List<Double> notificationRates, long storageBytes) {

        boolean runs(String section) {
            return only.isEmpty() || only.contains(section);
        }

        /** Whether any section that measures the gateway and auth runs. */
        boolean runsGatewaySections() {
            return GATEWAY_SECTIONS.stream().anyMatch(this::runs);
        }

        /** The notification scenario's SMTP sink: where the mesh's own mail catcher would be (it is off then). */
        int smtpSinkPort() {
            return basePort + 25;
        }

        /** The second notification replica. */
        int secondNotificationPort() {
            return basePort + 30;
        }

        int metricsPort() {
            return basePort + 9;
        }

        int nginxRestPort() {
            return basePort + 51;
        }

        int nginxBackendPort() {
            return basePort + 52;
        }

        int nginxGrpcPort() {
            return basePort + 53;
        }

        int keycloakPort() {
            return basePort + 60;
        }
    }

    private final Options options;
    private final PrintStream log;
    private final Findings findings = new Findings();
    private final Secrets secrets = new Secrets();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ExecutorService probes = Executors.newSingleThreadExecutor(r -> {
        final Thread thread = new Thread(r, "metrics-probe");
        thread.setDaemon(true);
        return thread;
    });
    private final Path work;
    private Mesh mesh;
    /** The notification scenario's SMTP server, in this JVM; null when the section does not run. */
    private MailSink mailSink;
    /** The second notification replica while the notification section runs. */
    private NotificationReplica replica;
    /** Settings of the mesh beyond ./sextant up's: SMTP_* pointing at the sink when the notification section runs. */
    private Map<String, String> meshSettings = Map.of();
    private Keycloak keycloak;
    private Account account;

    Suite(Options options, PrintStream log) {
        this.options = options;
        this.log = log;
        try {
            this.work = Files.createTempDirectory("sextant-bench-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Findings run() {
        findings.started = Instant.now();
        findings.loadAtStart = Machine.loadAverage();
        final long start = System.nanoTime();
        if (options.runsGatewaySections()) {
            for (String tool : List.of("wrk", "h2load")) {
                if (!ToolRun.installed(tool)) {
                    throw new IllegalStateException(tool + " is not installed (Debian: apt-get install wrk nghttp2-client)");
                }
            }
            findings.versions.put("wrk", firstLine(ToolRun.run(List.of("wrk", "-v"), TOOL_TIMEOUT)));
            findings.versions.put("h2load", firstLine(ToolRun.run(List.of("h2load", "--version"), TOOL_TIMEOUT)));
        }
        findings.jvmFlags = SextantScript.jvmFlags(options.repository.resolve("sextant"));
        if (options.runs("notification")) {
            // before the mesh, which sends its e-mails here instead of to its own mail catcher
            mailSink = MailSink.start(options.smtpSinkPort());
            meshSettings = NotificationReplica.smtp(mailSink.port());
            log.println("the notification scenario's SMTP sink listens on 127.0.0.1:" + mailSink.port());
        }
        findings.meshCommand = Mesh.shellCommand(findings.jvmFlags, options.basePort, options.metricsPort(), meshSettings);
        if (KEYCLOAK_SECTIONS.stream().anyMatch(options::runs)) {
            // first, so that its start (a minute of CPU) is over before anything is measured
            section("Keycloak", () -> {
                log.println("starting Keycloak on " + options.keycloakPort() + " (cache " + options.cache + ")");
                keycloak = Keycloak.start(options.cache, options.keycloakPort());
                findings.versions.put("Keycloak", keycloak.version());
                findings.keycloakHashing = keycloak.passwordHashing();
                keycloak.pause(true); // resumed for the sections that measure it
            });
        }
        secrets.alias(work + "/", "");
        mesh = startMesh();
        account = Account.register(mesh.gateway());
        secrets.name(account.username(), "BENCH_USER");
        findings.sextantHashing = storedHashing(account.username());
        if (options.runsGatewaySections()) {
            warmUp();
        }
        for (String section : SECTIONS) {
            if (!options.runs(section) || section.equals("cold")) {
                continue;
            }
            findings.sections.add(section);
            keycloakFor(section);
            restartIfDead(section);
            settle();
            section(section, switch (section) {
                case "validate" -> this::validate;
                case "openloop" -> this::openLoop;
                case "grpc" -> this::grpc;
                case "me" -> this::me;
                case "login" -> this::login;
                case "refresh" -> this::refresh;
                case "overload" -> this::overload;
                case "notification" -> this::notification;
                case "storage" -> this::storage;
                default -> throw new IllegalStateException(section);
            });
        }
        findings.memory = mesh.memory();
        log.println("mesh memory after the load: " + findings.memory.map(m -> Format.mebibytes(m.rssMib()) + " RSS, peak "
                                                                            + Format.mebibytes(m.peakMib())).orElse("n/a"));
        mesh.close();
        mesh = null;
        if (options.runs("cold")) {
            findings.sections.add("cold");
            section("cold", this::coldStart);
        }
        findings.took = Duration.ofNanos(System.nanoTime() - start);
        findings.loadAtEnd = Machine.loadAverage();
        return findings;
    }

    /**
     * Keycloak runs only while a section measures it: paused (SIGSTOP) before and between them, and
     * stopped after the last one, so that its idle CPU (a third of a core) does not weigh on the
     * sections that measure the mesh alone.
     */
    private void keycloakFor(String section) {
        if (keycloak == null) {
            return;
        }
        final boolean measured = KEYCLOAK_SECTIONS.contains(section);
        final boolean laterMeasured = SECTIONS.subList(SECTIONS.indexOf(section) + 1, SECTIONS.size()).stream()
                                              .anyMatch(s -> KEYCLOAK_SECTIONS.contains(s) && options.runs(s));
        if (measured) {
            keycloak.pause(false);
        } else if (laterMeasured) {
            keycloak.pause(true);
        } else {
            log.println("stopping Keycloak: no later section measures it");
            keycloak.close();
            keycloak = null;
        }
    }

    private interface Section {
        void run() throws Exception;
    }

    /** Runs a section; a failure is noted in the report and the run goes on. */
    private void section(String name, Section section) {
        try {
            section.run();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            final String problem = name + ": " + e.getClass().getSimpleName() + ": " + e.getMessage();
            log.println("FAILED " + problem);
            findings.problems.add(problem);
        }
    }

    /**
     * A mesh that exited (out of heap under a flood, say) cannot be measured: the report says so, and the next
     * section gets a fresh mesh, warmed up again, rather than a row of connection errors.
     */
    private void restartIfDead(String next) {
        if (mesh.alive()) {
            return;
        }
        final String problem = "the mesh exited before the section '" + next + "' (its last log lines: "
                               + lastLine(mesh.tail()) + "); restarted with a fresh data directory and warmed up again";
        log.println(problem);
        findings.problems.add(problem);
        mesh.close();
        mesh = startMesh();
        account = Account.register(mesh.gateway());
        secrets.name(account.username(), "BENCH_USER");
        if (options.runsGatewaySections()) {
            warmUp();
        }
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    private static String lastLine(String text) {
        final String[] lines = text.strip().split("\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            if (!lines[i].startsWith("(the whole log")) {
                return lines[i].strip();
            }
        }
        return "";
    }

    /**
     * Waits (at most a minute) until the gateway and auth answer their health checks within a second
     * three times in a row: a section that overloaded the mesh must not spill into the next one.
     */
    private void settle() {
        final long start = System.nanoTime();
        final Instant deadline = Instant.now().plusSeconds(60);
        int inARow = 0;
        while (inARow < 3 && Instant.now().isBefore(deadline)) {
            inARow = healthy(mesh.gateway().resolve("/health")) && healthy(mesh.auth().resolve("/health/ready"))
                     ? inARow + 1 : 0;
            Mesh.sleep(Duration.ofMillis(500));
        }
        final Duration waited = Duration.ofNanos(System.nanoTime() - start);
        if (inARow < 3) {
            log.println("the mesh is still slow to answer its health checks after " + Format.duration(
                    Duration.ofSeconds(waited.toSeconds())) + "; going on");
        } else if (waited.toSeconds() > 2) {
            log.println("the mesh settled in " + waited.toSeconds() + " s");
        }
    }

    private boolean healthy(URI uri) {
        try {
            return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(1)).build(),
                             HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private Mesh startMesh() {
        log.println("starting the mesh: " + findings.meshCommand);
        final Mesh started = Mesh.start(options.repository, findings.jvmFlags, options.basePort, options.metricsPort(),
                                        meshSettings);
        log.println("  pid " + started.pid() + ", log " + started.log());
        return started;
    }

    /** The JIT's warm-up: the first section should not measure the interpreter. */
    private void warmUp() {
        final String token = account.login();
        secrets.name(token, "TOKEN");
        // the JIT needs minutes on 2 cores (C2 competes with the load for them): a minute at the least
        final Duration warmup = max(Duration.ofMinutes(1), options.warmup.multipliedBy(3));
        log.println("warming the mesh up for " + Format.duration(warmup));
        ToolRun.run(Wrk.command(2, READ_CONNECTIONS, warmup, TOOL_TIMEOUT, List.of(bearer(token)), null,
                                mesh.gateway() + "/v1/auth/validate", List.of()), limit(warmup));
    }

    private void validate() throws Exception {
        final String token = account.login();
        secrets.name(token, "TOKEN");
        wrkRow("validate", "Sextant gateway", List.of(mesh.pid()),
               Wrk.command(2, READ_CONNECTIONS, options.duration, TOOL_TIMEOUT, List.of(bearer(token)), null,
                           mesh.gateway() + "/v1/auth/validate", List.of()));
        try (Nginx nginx = Nginx.restHop(options.nginxRestPort(), options.nginxBackendPort())) {
            findings.versions.put("nginx", nginx.version());
            wrkRow("nginx-rest", "nginx hop", List.of(nginx.pid()),
                   Wrk.command(2, READ_CONNECTIONS, options.duration, TOOL_TIMEOUT, List.of(), null,
                               "http://127.0.0.1:" + nginx.port() + "/", List.of()));
        }
    }

    /**
     * The notification scenario: a second notification replica beside the mesh's (a JVM of its own on the
     * same database and SMTP sink), e-mails sent to both in turn as the bootstrap administrator, a ladder of
     * rates; the second replica is stopped afterwards.
     */
    private void notification() throws Exception {
        final int postgresPort = mesh.postgresPort().orElseThrow(
                () -> new IllegalStateException("the embedded PostgreSQL's port was not found"));
        final String password = mesh.adminPassword().orElseThrow(
                () -> new IllegalStateException("no BOOTSTRAP_ADMIN_PASSWORD in the mesh's secrets.properties"));
        final Account admin = Account.existing(mesh.gateway(), "admin", password);
        final Map<String, String> settings = NotificationReplica.settings(options.basePort, options.secondNotificationPort(),
                                                                          postgresPort, mailSink.port());
        // the replica is the same service: it exchanges the same secret for its token at auth
        final String secret = mesh.secret("SERVICE_SECRET_NOTIFICATION").orElseThrow(
                () -> new IllegalStateException("no SERVICE_SECRET_NOTIFICATION in the mesh's secrets.properties"));
        settings.put("SERVICE_SECRET", secret);
        final String replicaCommand = NotificationReplica.shellCommand(findings.jvmFlags, settings)
                .replace("127.0.0.1:" + postgresPort + "/", "127.0.0.1:<port of the mesh's PostgreSQL>/")
                .replace(secret, "<SERVICE_SECRET_NOTIFICATION of the mesh's secrets.properties>");
        log.println("starting the second notification replica: " + replicaCommand);
        replica = NotificationReplica.start(Mesh.jar(options.repository), findings.jvmFlags, settings);
        try {
            log.println("  pid " + replica.pid() + ", log " + replica.log());
            final NotificationBench bench = new NotificationBench(
                    List.of(mesh.notification(), replica.uri()), mailSink,
                    new NotificationBench.Processes(mesh.pid(), replica.pid(), mesh.postgresPid()), admin::login,
                    OptionalLong.of(postgresPort), log);
            findings.notification = bench.run(options.notificationRates, options.warmup, options.duration, replicaCommand);
        } finally {
            stopReplica();
        }
    }

    /** Storage's scenarios: a large file up and down through the gateway beside dd, then small uploads with wrk. */
    private void storage() throws Exception {
        if (!ToolRun.installed("wrk")) {
            throw new IllegalStateException("wrk is not installed (Debian: apt-get install wrk)");
        }
        final String token = account.login();
        secrets.name(token, "TOKEN");
        findings.storage = new StorageBench(mesh.gateway(), token, work.resolve("storage"), log)
                .run(options.storageBytes(), options.warmup, options.duration);
    }

    private synchronized void stopReplica() {
        if (replica != null) {
            replica.close();
            replica = null;
        }
    }

    /** The p99 at 10,000 req/s offered open loop: after the throughput sections, as it may flood the mesh. */
    private void openLoop() throws Exception {
        // p99 open-loop with the Java generator (its latencies are corrected for coordinated omission)
        // a client's patience of 2 s and at most 10,000 requests out: a mesh that falls behind is not
        // also buried under every request it could not answer
        final Load load = new Load(OPEN_LOOP_RATE, options.warmup, options.duration, 16, 2, 10_000, OVERLOAD_TIMEOUT);
        final Bench bench = Bench.connect(new Endpoints(mesh.gateway(), mesh.auth()), OptionalLong.of(mesh.pid()), log);
        findings.openLoopP99 = bench.run(ScenarioKind.REST_VALIDATE, load);
        findings.openLoopP99Command = "java -jar " + BenchMain.jar() + " rest-validate " + load.options()
                                      + " --gateway " + mesh.gateway() + " --auth " + mesh.auth().getAuthority()
                                      + " --mesh-pid <pid of the mesh>";
    }

    private void grpc() throws Exception {
        final String token = account.login();
        secrets.name(token, "TOKEN");
        final Path frame = work.resolve("validate-token.bin");
        Files.write(frame, GrpcFrame.of(ValidateTokenRequest.getDefaultInstance()));
        final String path = "/sextant.auth.v1.AuthService/ValidateToken";
        h2loadRow("grpc-gateway", "Sextant gateway", List.of(mesh.pid()), frame, token,
                  mesh.gateway() + path);
        try (Nginx nginx = Nginx.grpcProxy(options.nginxGrpcPort(), mesh.auth().getAuthority())) {
            findings.versions.put("nginx", nginx.version());
            h2loadRow("grpc-nginx", "nginx grpc_pass", List.of(nginx.pid(), mesh.pid()), frame, token,
                      "http://127.0.0.1:" + nginx.port() + path);
        }
    }

    private void me() throws Exception {
        final String token = account.login();
        secrets.name(token, "TOKEN");
        for (String path : List.of("/v1/auth/me", "/v1/users/me")) {
            wrkRow(path.equals("/v1/auth/me") ? "auth-me" : "users-me", "Sextant gateway", List.of(mesh.pid()),
                   Wrk.command(2, READ_CONNECTIONS, options.duration, TOOL_TIMEOUT, List.of(bearer(token)), null,
                               mesh.gateway() + path, List.of()));
        }
        final Keycloak peer = requireKeycloak();
        final Keycloak.Tokens tokens = peer.login();
        secrets.name(tokens.accessToken(), "KC_TOKEN");
        wrkRow("keycloak-userinfo", "Keycloak", List.of(peer.pid()),
               Wrk.command(2, READ_CONNECTIONS, options.duration, TOOL_TIMEOUT, List.of(),
                           script("peer", "keycloak-userinfo.lua"), peer.userinfoUrl(), List.of()),
               Map.of("KEYCLOAK_ACCESS_TOKEN", tokens.accessToken()));
    }

    private void login() throws Exception {
        final String post = script("post.lua");
        secrets.name(account.password(), "BENCH_PASSWORD");
        wrkRow("login", "Sextant gateway", List.of(mesh.pid()),
               Wrk.command(2, LOGIN_CONNECTIONS, options.duration, TOOL_TIMEOUT, List.of(), post,
                           mesh.gateway() + "/v1/auth/login", List.of("application/json", account.loginBody())));
        final Keycloak peer = requireKeycloak();
        secrets.name(peer.passwordGrantBody(), "KC_PASSWORD_FORM");
        wrkRow("keycloak-password", "Keycloak", List.of(peer.pid()),
               Wrk.command(2, LOGIN_CONNECTIONS, options.duration, TOOL_TIMEOUT, List.of(),
                           script("peer", "keycloak-password-grant.lua"), peer.tokenUrl(), List.of()),
               Map.of("KEYCLOAK_FORM", peer.passwordGrantBody()));
    }

    private void refresh() throws Exception {
        final String rotation = script("refresh-rotation.lua");
        final String url = mesh.gateway() + "/v1/auth/refresh";
        // the warm-up and the measured run each use their own sessions: a token chain cannot be handed on
        final Account user = Account.register(mesh.gateway());
        secrets.name(user.username(), "REFRESH_USER");
        final List<String> warmupTokens = sessions(user, "WARMUP_REFRESH_");
        ToolRun.run(Wrk.command(REFRESH_SESSIONS, REFRESH_SESSIONS, options.warmup, TOOL_TIMEOUT, List.of(), rotation,
                                url, warmupTokens), limit(options.warmup));
        measureWrk("refresh", "Sextant gateway", List.of(mesh.pid()),
                   Wrk.command(REFRESH_SESSIONS, REFRESH_SESSIONS, options.duration, TOOL_TIMEOUT, List.of(), rotation,
                               url, sessions(user, "REFRESH_")), Map.of());
        final Keycloak peer = requireKeycloak();
        final Keycloak.Tokens tokens = peer.login();
        secrets.name(tokens.refreshToken(), "KC_REFRESH");
        wrkRow("keycloak-refresh", "Keycloak", List.of(peer.pid()),
               Wrk.command(REFRESH_SESSIONS, REFRESH_SESSIONS, options.duration, TOOL_TIMEOUT, List.of(),
                           script("peer", "keycloak-refresh-grant.lua"), peer.tokenUrl(), List.of()),
               Map.of("KEYCLOAK_REFRESH_TOKEN", tokens.refreshToken()));
    }

    /**
     * A new session per refresh thread, each refresh token named for the report's command. One login
     * after the other, as a user of their own: auth counts every login attempt against the account
     * before checking the password, and more than five at once from one address look like guessing.
     */
    private List<String> sessions(Account user, String variablePrefix) {
        final List<String> tokens = new ArrayList<>();
        for (int i = 0; i < REFRESH_SESSIONS; i++) {
            final String token = user.tokens().refreshToken();
            secrets.name(token, variablePrefix + (i + 1));
            tokens.add(token);
        }
        return tokens;
    }

    /**
     * The sustainable REST validate rate (a short open-loop ladder), then that rate, twice it for the
     * overload, and that rate again, without a pause.
     */
    private void overload() throws Exception {
        final Endpoints endpoints = new Endpoints(mesh.gateway(), mesh.auth());
        final Bench bench = Bench.connect(endpoints, OptionalLong.of(mesh.pid()), log);
        final double wrkRate = findings.row("validate").map(Throughput::requestsPerSecond).orElse(-1.0);
        final double first = wrkRate > 0 ? RateLadder.twoDigits(wrkRate * 0.3) : 500;
        final RateLadder ladder = new RateLadder(first, 1.25, Math.max(first * 4, wrkRate * 1.2));
        final Load step = new Load(first, Duration.ofSeconds(3), Duration.ofSeconds(7), 16, 2, 20_000,
                                   OVERLOAD_TIMEOUT);
        final Criteria sustained = new Criteria(Report.TARGET_P99_MILLIS, 0.001, BenchMain.ReportCommand.MIN_ACHIEVED);
        final MaxSearch search = bench.findMax(ScenarioKind.REST_VALIDATE, step, ladder, sustained);
        findings.capacitySearch = search;
        Optional<Double> found = search.highestSustained().map(RunResult::targetRate);
        // the first step already failed: halve the rate until one is sustained (on a busy machine, or a slow mesh)
        for (double rate = RateLadder.twoDigits(first / 2); found.isEmpty() && rate >= MIN_CAPACITY_STEP;
             rate = RateLadder.twoDigits(rate / 2)) {
            final RunResult result = bench.run(ScenarioKind.REST_VALIDATE, step.withRate(rate));
            final MaxSearch.Step done = new MaxSearch.Step(result, sustained.failure(result).orElse(null));
            findings.capacityStepsDown.add(done);
            if (done.failure() == null) {
                found = Optional.of(rate);
            }
        }
        findings.capacityFound = found.isPresent();
        // none sustained at all: the overload is still run, at twice the slowest rate tried, and the report says so
        findings.capacity = found.orElse(findings.capacityStepsDown.isEmpty() ? first
                : findings.capacityStepsDown.get(findings.capacityStepsDown.size() - 1).result().targetRate());
        final double capacity = findings.capacity;
        log.printf("sustainable: %s/s; overload at %s/s%n", Format.rate(capacity), Format.rate(2 * capacity));
        final List<PhasedRun.Phase> phases = List.of(
                new PhasedRun.Phase("before", capacity, Duration.ofSeconds(10)),
                new PhasedRun.Phase("overload (2×)", 2 * capacity, options.overload),
                new PhasedRun.Phase("after", capacity, Duration.ofSeconds(10)));
        findings.overload = phased(phases, -1, "overload");
    }

    /** A freshly started mesh, offered {@link #COLD_START_RATE} at once. */
    private void coldStart() throws Exception {
        final double baseline = findings.overload != null
                ? findings.overload.result().phases().get(0).servedPercentileMillis(99) : -1;
        mesh = startMesh();
        try {
            final Account cold = Account.register(mesh.gateway());
            account = cold;
            findings.coldStart = phased(List.of(new PhasedRun.Phase("cold start", COLD_START_RATE, options.overload)),
                                        baseline, "cold");
        } finally {
            mesh.close();
            mesh = null;
        }
    }

    private Findings.Phased phased(List<PhasedRun.Phase> phases, double baselineP99, String name) throws Exception {
        final String token = account.login();
        final Findings.Breakers before = breakers();
        final List<CompletableFuture<Findings.Breakers>> ends = new ArrayList<>();
        final PhasedRun.Result result;
        log.println(name + ": " + phases);
        try (Connections connections = new Connections(16, 2)) {
            final Scenario scenario = ScenarioKind.REST_VALIDATE.open(
                    connections, new Endpoints(mesh.gateway(), mesh.auth()),
                    new Load(phases.get(0).rate(), Duration.ZERO, Duration.ofSeconds(1), 16, 2, 20_000,
                             OVERLOAD_TIMEOUT), account, token);
            result = new PhasedRun(phases, 20_000, OVERLOAD_TIMEOUT)
                    .run(scenario, phase -> ends.add(CompletableFuture.supplyAsync(this::breakers, probes)));
        }
        final List<Findings.Breakers> atEnds = ends.stream().map(CompletableFuture::join).toList();
        for (PhasedRun.PhaseResult phase : result.phases()) {
            log.printf("  %s: offered %s/s, served %s/s, refused %d (+Retry-After %d), timeouts %d, other %s, "
                       + "p50 %s ms, p99 %s ms%n", phase.phase().name(), Format.rate(phase.phase().rate()),
                       Format.perSecond(phase.servedPerSecond()), phase.refusedWithRetryAfter() + phase.refusedWithout(),
                       phase.refusedWithRetryAfter(), phase.timeouts(), phase.otherErrors(),
                       Format.millis(phase.servedPercentileMillis(50)), Format.millis(phase.servedPercentileMillis(99)));
        }
        final double baseline = baselineP99 > 0 ? baselineP99 : result.phases().get(0).servedPercentileMillis(99);
        final String command = "the `" + name + "` section of `report` (PhasedRun: " + phases.stream()
                .map(p -> Format.rate(p.rate()) + "/s for " + Format.duration(p.duration()))
                .reduce((a, b) -> a + ", then " + b).orElse("") + "; 16 HTTP/2 connections, 2 threads, timeout "
                + Format.duration(OVERLOAD_TIMEOUT) + ")";
        return new Findings.Phased(command, result, before, atEnds, baseline);
    }

    /** The gateway's breakers now; absent when the gateway does not export them or its metrics do not answer. */
    private Findings.Breakers breakers() {
        try {
            return Findings.Breakers.of(metrics(mesh.gatewayMetrics()));
        } catch (RuntimeException e) {
            return Findings.Breakers.ABSENT;
        }
    }

    private PrometheusText metrics(URI uri) {
        try {
            final HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5))
                                                                      .build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("GET " + uri + " answered " + response.statusCode());
            }
            return PrometheusText.parse(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + uri, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** A wrk row: a warm-up run (not recorded), then the measured run, with the CPU of the servers and of wrk. */
    private void wrkRow(String key, String server, List<Long> serverPids, List<String> command) {
        wrkRow(key, server, serverPids, command, Map.of());
    }

    private void wrkRow(String key, String server, List<Long> serverPids, List<String> command,
                        Map<String, String> environment) {
        final List<String> warmup = new ArrayList<>(command);
        warmup.set(3, "-d" + options.warmup.toSeconds() + "s");
        ToolRun.run(warmup, environment, limit(options.warmup));
        measureWrk(key, server, serverPids, command, environment);
    }

    /** A wrk row without a warm-up of its own (the refresh chains: a warm-up would use up their tokens). */
    private void measureWrk(String key, String server, List<Long> serverPids, List<String> command,
                            Map<String, String> environment) {
        final long before = cpu(serverPids);
        final ToolRun run = ToolRun.run(command, environment, limit(options.duration)).requireSuccess();
        final long after = cpu(serverPids);
        final Wrk.Result result = Wrk.parse(run.stdout());
        final List<String> notes = new ArrayList<>();
        if (result.non2xx() > 0) {
            notes.add(result.non2xx() + " non-2xx");
        }
        if (result.socketErrors() > 0) {
            notes.add(result.socketErrors() + " socket errors");
        }
        if (result.wrongBodies() > 0) {
            notes.add(result.wrongBodies() + " sampled 2xx bodies without their token or user");
        }
        final StringBuilder shown = new StringBuilder();
        environment.forEach((name, value) -> shown.append(name).append('=').append(secrets.shell(List.of(value)))
                                                   .append(' '));
        final String note = String.join(", ", notes);
        add(key, new Throughput(key, server, shown + secrets.shell(command), result.requestsPerSecond(), result.p50Millis(),
                                result.p99Millis(), result.requests(), result.errors(), note,
                                perRequest(after - before, result.requests()),
                                run.cpuSeconds() < 0 ? -1 : run.cpuSeconds() * 1e6 / Math.max(1, result.requests())));
    }

    /**
     * An h2load row of gRPC ValidateToken calls; their gRPC outcome is read from auth's RPC metrics
     * (h2load sees only HTTP 200), and a call that h2load saw answered but auth never handled
     * (answered by the proxy itself) counts as an error too.
     */
    private void h2loadRow(String key, String server, List<Long> serverPids, Path frame, String token, String url) {
        final Path logFile = work.resolve(key + ".log");
        final List<String> command = H2load.command(options.duration, options.warmup, H2LOAD_CLIENTS, H2LOAD_STREAMS, 2,
                                                    frame.toString(), List.of("content-type: application/grpc",
                                                                              "te: trailers", bearer(token)),
                                                    logFile.toString(), url);
        final PrometheusText authBefore = metrics(mesh.authMetrics());
        final long before = cpu(serverPids);
        final ToolRun run = ToolRun.run(command, limit(options.duration.plus(options.warmup))).requireSuccess();
        final long after = cpu(serverPids);
        final PrometheusText authAfter = metrics(mesh.authMetrics());
        final H2load.Result result = H2load.parse(run.stdout());
        final List<String> lines;
        try {
            lines = Files.readAllLines(logFile);
        } catch (IOException e) {
            throw new UncheckedIOException("h2load wrote no log " + logFile, e);
        }
        final H2load.Latencies latencies = H2load.latencies(lines, options.duration);
        final long logged2xx = lines.stream().filter(l -> l.split("\\s+").length > 1 && l.split("\\s+")[1].startsWith("2"))
                                    .count();
        final double ok = validateCalls(authAfter, true) - validateCalls(authBefore, true);
        // h2load ends a timed run by closing its connections: the calls then in flight (at most one per
        // stream) end reset in auth (CANCELLED, or UNKNOWN when no status was sent), which is the
        // generator stopping, not the mesh failing
        final double cancelled = validateCalls(authAfter, "CANCELLED") - validateCalls(authBefore, "CANCELLED")
                                 + validateCalls(authAfter, "UNKNOWN") - validateCalls(authBefore, "UNKNOWN");
        final double cancelledAtTheEnd = Math.min(cancelled, H2LOAD_CLIENTS * H2LOAD_STREAMS);
        final double grpcErrors = validateCalls(authAfter, false) - validateCalls(authBefore, false) - cancelledAtTheEnd;
        final long unhandled = Math.max(0, logged2xx - Math.round(ok));
        final long httpFailures = result.failed();
        final List<String> notes = new ArrayList<>();
        if (httpFailures > 0) {
            notes.add(httpFailures + " failed in h2load (" + result.status4xx() + " 4xx, " + result.status5xx() + " 5xx)");
        }
        if (grpcErrors > 0) {
            notes.add(Math.round(grpcErrors) + " gRPC errors in auth's metrics");
        }
        if (unhandled > 0) {
            notes.add(unhandled + " HTTP 200 answers auth never handled (gRPC errors from the proxy)");
        }
        if (cancelledAtTheEnd > 0) {
            notes.add(Math.round(cancelledAtTheEnd) + " reset (CANCELLED or UNKNOWN in auth) as h2load closed its "
                      + "connections at the end, not counted");
        }
        log.printf("  auth handled %.0f OK, %.0f cancelled and %.0f other errors; h2load logged %d 2xx%n", ok, cancelled,
                   grpcErrors, logged2xx);
        add(key, new Throughput(key, server, secrets.shell(command), result.requestsPerSecond(), latencies.p50Millis(),
                                latencies.p99Millis(), result.done(), httpFailures + Math.round(grpcErrors) + unhandled,
                                String.join(", ", notes), perRequest(after - before, lines.size()),
                                run.cpuSeconds() < 0 ? -1 : run.cpuSeconds() * 1e6 / Math.max(1, lines.size())));
    }

    /** AuthService/ValidateToken calls auth has handled: with status OK, or with any other status. */
    static double validateCalls(PrometheusText metrics, boolean ok) {
        return metrics.sum("grpc_server_handled_total",
                           labels -> "ValidateToken".equals(labels.get("grpc_method"))
                                     && "OK".equals(labels.get("grpc_code")) == ok);
    }

    /** AuthService/ValidateToken calls auth has handled with one status code. */
    static double validateCalls(PrometheusText metrics, String code) {
        return metrics.sum("grpc_server_handled_total",
                           labels -> "ValidateToken".equals(labels.get("grpc_method")) && code.equals(labels.get("grpc_code")));
    }

    private void add(String key, Throughput row) {
        findings.rows.put(key, row);
        log.printf("%s: %s req/s, p50 %s ms, p99 %s ms, errors %d%s, server CPU %s µs/req, generator CPU %s µs/req%n",
                   key, Format.perSecond(row.requestsPerSecond()), Format.millis(row.p50Millis()),
                   Format.millis(row.p99Millis()), row.errors(), row.errorNote().isEmpty() ? "" : " (" + row.errorNote() + ")",
                   Format.micros(row.serverMicros()), Format.micros(row.generatorMicros()));
    }

    private static long cpu(List<Long> pids) {
        long total = 0;
        for (long pid : pids) {
            final long nanos = ProcessStats.cpuNanos(pid);
            if (nanos < 0) {
                return -1;
            }
            total += nanos;
        }
        return total;
    }

    private static double perRequest(long nanos, long requests) {
        return nanos < 0 || requests <= 0 ? -1 : nanos / 1000.0 / requests;
    }

    private Keycloak requireKeycloak() {
        if (keycloak == null) {
            throw new IllegalStateException("Keycloak did not start (see above), so its rows are missing");
        }
        return keycloak;
    }

    /**
     * The hash cost of the account's stored password, read from auth's database (the PHC string says
     * what was used, whatever the code intends).
     */
    private String storedHashing(String username) {
        final Optional<Integer> port = mesh.postgresPort();
        if (port.isEmpty()) {
            return "unknown (the embedded PostgreSQL's port was not found)";
        }
        try (Connection db = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port.get() + "/sextant_auth",
                                                         "postgres", "");
             PreparedStatement query = db.prepareStatement("SELECT password_hash FROM accounts WHERE username_key = ?")) {
            query.setString(1, username.toLowerCase(Locale.ROOT));
            try (ResultSet rows = query.executeQuery()) {
                return rows.next() ? describeHash(rows.getString(1)) : "unknown (the account was not found)";
            }
        } catch (SQLException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    /** "argon2id m=19456 KiB t=2 p=1" for a PHC string of Argon2, else the string's scheme. */
    static String describeHash(String phc) {
        final Matcher matcher = ARGON2.matcher(phc);
        if (matcher.find()) {
            return matcher.group(1) + " m=" + matcher.group(2) + " KiB t=" + matcher.group(3) + " p=" + matcher.group(4);
        }
        final int end = phc.indexOf('$', 1);
        return end > 0 ? phc.substring(0, end + 1) + "..." : "unknown scheme";
    }

    private String script(String name) {
        return script("wrk", name);
    }

    /** A wrk script of the bench's resources ({@code wrk/}: the mesh's; {@code peer/}: Keycloak's), as a file. */
    private String script(String folder, String name) {
        final Path target = work.resolve(name);
        if (!Files.exists(target)) {
            try (InputStream in = Suite.class.getResourceAsStream("/" + folder + "/" + name)) {
                if (in == null) {
                    throw new IllegalStateException("no /" + folder + "/" + name + " in the bench's resources");
                }
                Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return target.toString();
    }

    private static String bearer(String token) {
        return "authorization: Bearer " + token;
    }

    private static Duration limit(Duration run) {
        return run.plusSeconds(60);
    }

    /** The version line of a tool, without wrk's copyright. */
    private static String firstLine(ToolRun run) {
        final String text = (run.stdout() + "\n" + run.stderr()).strip();
        return text.isEmpty() ? "unknown" : text.split("\n")[0].replaceAll("\\s*Copyright.*$", "").strip();
    }

    /** Stops what the run started (mesh, Keycloak), whatever happened. */
    @Override
    public synchronized void close() {
        probes.shutdownNow();
        stopReplica();
        if (mesh != null) {
            mesh.close();
            mesh = null;
        }
        if (keycloak != null) {
            keycloak.close();
            keycloak = null;
        }
        // after the mesh, which may still be delivering
        if (mailSink != null) {
            mailSink.close();
            mailSink = null;
        }
        try (var files = Files.walk(work)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temp directory; the OS cleans it
        }
    }
}
