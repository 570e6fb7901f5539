package io.sextant.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The mesh under test, started by the bench as {@code ./sextant up} starts it (the same jar and JVM
 * flags) with a fresh data directory, its own ports and the gateway's rate limits off; stopped with
 * SIGTERM, as a user stops it, and its embedded PostgreSQL with it.
 */
final class Mesh implements AutoCloseable {

    /** The gateway's rate limits and notification's send limits off: the bench is one client at high rates. */
    static final Map<String, String> SETTINGS = Map.of("RATE_LIMIT_USER", "off", "RATE_LIMIT_AUTH", "off",
                                                       "SEND_LIMIT_CALLER", "off", "SEND_LIMIT_RECIPIENT", "off");
    private static final Duration START_LIMIT = Duration.ofMinutes(3);
    private static final Duration STOP_LIMIT = Duration.ofSeconds(30);
    /** The gateway, then auth and users: the services the report calls. */
    private static final int[] READY_OFFSETS = {0, 1, 2};

    private final Process process;
    private final int basePort;
    private final int metricsPort;
    private final Path dataDirectory;
    private final Path log;
    private final List<String> command;

    private Mesh(Process process, int basePort, int metricsPort, Path dataDirectory, Path log, List<String> command) {
        this.process = process;
        this.basePort = basePort;
        this.metricsPort = metricsPort;
        this.dataDirectory = dataDirectory;
        this.log = log;
        this.command = command;
    }

    /** The mesh jar {@code ./sextant build} makes. */
    static Path jar(Path repository) {
        try (Stream<Path> files = Files.list(repository.resolve("local/target"))) {
            return files.filter(f -> f.getFileName().toString().matches("sextant-local-.*-all\\.jar")).findFirst()
                        .orElseThrow(() -> new IllegalStateException("no local/target/sextant-local-*-all.jar: run "
                                                                     + "./sextant build first"));
        } catch (IOException e) {
            throw new IllegalStateException("no local/target/ (run ./sextant build from the repository root first)", e);
        }
    }

    /** The shell command a reader types to start the same mesh. */
    static String shellCommand(List<String> jvmFlags, int basePort, int metricsPort) {
        return shellCommand(jvmFlags, basePort, metricsPort, Map.of());
    }

    /** As above, with extra settings (the notification scenario's SMTP server). */
    static String shellCommand(List<String> jvmFlags, int basePort, int metricsPort, Map<String, String> extra) {
        final StringBuilder settings = new StringBuilder();
        new java.util.TreeMap<>(extra).forEach((name, value) -> settings.append(name).append('=')
                .append(value.contains(" ") ? "'" + value + "'" : value).append(' '));
        return "SEXTANT_PORT=" + basePort + " METRICS_PORT=" + metricsPort + " SEXTANT_DATA=$(mktemp -d) "
               + settings(SETTINGS) + settings + "java " + String.join(" ", jvmFlags)
               + " -jar local/target/sextant-local-*-all.jar";
    }

    /** {@code NAME=value } for each setting, by name. */
    private static String settings(Map<String, String> values) {
        final StringBuilder out = new StringBuilder();
        new java.util.TreeMap<>(values).forEach((name, value) -> out.append(name).append('=').append(value).append(' '));
        return out.toString();
    }

    /** Starts the mesh and waits until the gateway, auth and users answer their readiness checks. */
    static Mesh start(Path repository, List<String> jvmFlags, int basePort, int metricsPort) {
        return start(repository, jvmFlags, basePort, metricsPort, Map.of());
    }

    /**
     * As above, with extra settings in the mesh's environment (SMTP_HOST and the like: the notification
     * scenario's own SMTP server instead of the mesh's mail catcher).
     */
    static Mesh start(Path repository, List<String> jvmFlags, int basePort, int metricsPort, Map<String, String> extra) {
        final Path jar = jar(repository);
        try {
            final Path data = Files.createTempDirectory("sextant-bench-data-");
            final Path log = Files.createTempFile("sextant-bench-mesh-", ".log");
            final List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvmFlags);
            command.add("-jar");
            command.add(jar.toString());
            final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            builder.environment().putAll(SETTINGS);
            builder.environment().put("SEXTANT_PORT", Integer.toString(basePort));
            builder.environment().put("METRICS_PORT", Integer.toString(metricsPort));
            builder.environment().put("SEXTANT_DATA", data.toString());
            builder.environment().putAll(extra);
            final Mesh mesh = new Mesh(builder.start(), basePort, metricsPort, data, log, command);
            try {
                mesh.awaitReady();
            } catch (RuntimeException e) {
                mesh.close();
                throw e;
            }
            return mesh;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the mesh", e);
        }
    }

    private void awaitReady() {
        final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        final Instant deadline = Instant.now().plus(START_LIMIT);
        for (int offset : READY_OFFSETS) {
            final URI ready = URI.create("http://127.0.0.1:" + (basePort + offset)
                                         + (offset == 0 ? "/health" : "/health/ready"));
            while (true) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the mesh exited with " + process.exitValue() + " while starting: "
                                                    + tail());
                }
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("the mesh was not ready within " + START_LIMIT.toMinutes()
                                                    + " minutes (" + ready + "): " + tail());
                }
                try {
                    if (http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(2)).build(),
                                  HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                        break;
                    }
                } catch (IOException e) {
                    // not listening yet
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while the mesh started", e);
                }
                sleep(Duration.ofMillis(200));
            }
        }
    }

    long pid() {
        return process.pid();
    }

    URI gateway() {
        return URI.create("http://127.0.0.1:" + basePort);
    }

    URI auth() {
        return URI.create("http://127.0.0.1:" + (basePort + 1));
    }

    URI users() {
        return URI.create("http://127.0.0.1:" + (basePort + 2));
    }

    /** The gateway's Prometheus metrics (its management port). */
    URI gatewayMetrics() {
        return URI.create("http://127.0.0.1:" + metricsPort + "/metrics");
    }

    /** A backend's Prometheus metrics, on its own port. */
    URI authMetrics() {
        return URI.create(auth() + "/metrics");
    }

    /** Whether the mesh's JVM still runs (it exits on OutOfMemoryError). */
    boolean alive() {
        return process.isAlive();
    }

    Path log() {
        return log;
    }

    Path dataDirectory() {
        return dataDirectory;
    }

    Optional<ProcessStats.Memory> memory() {
        return ProcessStats.memory(process.pid());
    }

    long cpuNanos() {
        return ProcessStats.cpuNanos(process.pid());
    }

    /** The last lines of the mesh's log, for an error message. */
    String tail() {
        try {
            final List<String> lines = Files.readAllLines(log);
            return "\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()))
                   + "\n(the whole log: " + log + ")";
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** SIGTERM, as {@code kill} stops {@code ./sextant up}; SIGKILL for whatever is left after 30 s. */
    @Override
    public void close() {
        final List<ProcessHandle> descendants = process.descendants().toList();
        final Optional<ProcessHandle> postgres = postmaster();
        process.destroy();
        try {
            if (!process.waitFor(STOP_LIMIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        // the mesh stops its PostgreSQL on SIGTERM; one left behind (mesh killed) is stopped here
        postgres.filter(ProcessHandle::isAlive).ifPresent(pg -> {
            pg.destroy();
            pg.onExit().orTimeout(STOP_LIMIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)
              .exceptionally(e -> {
                  pg.destroyForcibly();
                  return pg;
              }).join();
        });
        deleteRecursively(dataDirectory);
    }

    /** The embedded PostgreSQL's postmaster, from the first line of its postmaster.pid. */
    private Optional<ProcessHandle> postmaster() {
        try {
            final Path pidFile = dataDirectory.resolve("postgres/postmaster.pid");
            if (!Files.exists(pidFile)) {
                return Optional.empty();
            }
            return ProcessHandle.of(Long.parseLong(Files.readAllLines(pidFile).get(0).strip()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The embedded PostgreSQL's postmaster process id; -1 when it is not known. */
    long postgresPid() {
        return postmaster().map(ProcessHandle::pid).orElse(-1L);
    }

    /** The bootstrap administrator's password, which local/ generated into the data directory. */
    Optional<String> adminPassword() {
        return secret("BOOTSTRAP_ADMIN_PASSWORD");
    }

    /** A secret local/ generated into the data directory ({@code SERVICE_SECRET_NOTIFICATION}, ...). */
    Optional<String> secret(String name) {
        final java.util.Properties secrets = new java.util.Properties();
        try (var in = Files.newInputStream(dataDirectory.resolve("secrets.properties"))) {
            secrets.load(in);
            return Optional.ofNullable(secrets.getProperty(name));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The notification service's gRPC address. */
    URI notification() {
        return URI.create("http://127.0.0.1:" + (basePort + 3));
    }

    /** The embedded PostgreSQL's port, from the fourth line of its postmaster.pid (for reading auth's hashes). */
    Optional<Integer> postgresPort() {
        try {
            return Optional.of(Integer.parseInt(Files.readAllLines(dataDirectory.resolve("postgres/postmaster.pid"))
                                                     .get(3).strip()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    List<String> command() {
        return command;
    }

    static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void deleteRecursively(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(file -> {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    // a file PostgreSQL still held; the temp directory is the OS's to clean
                }
            });
        } catch (IOException e) {
            // same
        }
    }
}
