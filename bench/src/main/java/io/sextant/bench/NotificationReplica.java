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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A second notification replica beside the mesh's own: a JVM of its own from the mesh's jar
 * ({@code io.sextant.notification.NotificationMain}, the JVM flags of {@code ./sextant up}), on the
 * mesh's notification database and the same SMTP server, checking tokens against the mesh's auth. The
 * two replicas' delivery engines then compete for the same rows ({@code FOR UPDATE SKIP LOCKED}).
 */
final class NotificationReplica implements AutoCloseable {

    static final String MAIN = "io.sextant.notification.NotificationMain";
    private static final Duration START_LIMIT = Duration.ofMinutes(2);

    private final Process process;
    private final int port;
    private final Path log;

    private NotificationReplica(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Its settings: a notification service of the mesh on {@code port}, sending to {@code smtpPort}. */
    static Map<String, String> settings(int basePort, int port, int postgresPort, int smtpPort) {
        final Map<String, String> env = new LinkedHashMap<>();
        env.put("PORT", Integer.toString(port));
        env.put("BIND_ADDRESS", "127.0.0.1");
        env.put("TRUSTED_PROXIES", "127.0.0.1/32");
        env.put("METRICS_PORT", "");
        env.put("DB_URL", "jdbc:postgresql://127.0.0.1:" + postgresPort + "/sextant_notification");
        env.put("DB_USER", "postgres");
        env.put("DB_PASSWORD", "");
        env.put("DB_POOL_SIZE", "10");
        env.putAll(Mesh.SETTINGS);
        env.put("AUTH_TARGET", "127.0.0.1:" + (basePort + 1));
        env.put("USERS_TARGET", "127.0.0.1:" + (basePort + 2));
        env.putAll(smtp(smtpPort));
        return env;
    }

    /** The SMTP settings of both replicas: the bench's sink, plain SMTP on loopback. */
    static Map<String, String> smtp(int smtpPort) {
        final Map<String, String> env = new LinkedHashMap<>();
        env.put("SMTP_HOST", "127.0.0.1");
        env.put("SMTP_PORT", Integer.toString(smtpPort));
        env.put("SMTP_TLS", "none");
        env.put("SMTP_FROM", "Sextant <no-reply@sextant.local>");
        return env;
    }

    /** The shell command a reader types to start the same replica beside a mesh. */
    static String shellCommand(List<String> jvmFlags, Map<String, String> settings) {
        final StringBuilder out = new StringBuilder();
        settings.forEach((name, value) -> out.append(name).append('=').append(value.isEmpty() || value.contains(" ")
                                                                                 ? "'" + value + "'" : value).append(' '));
        return out + "java " + String.join(" ", jvmFlags) + " -cp local/target/sextant-local-*-all.jar " + MAIN;
    }

    static NotificationReplica start(Path jar, List<String> jvmFlags, Map<String, String> settings) {
        final int port = Integer.parseInt(settings.get("PORT"));
        try {
            final Path log = Files.createTempFile("sextant-bench-notification-", ".log");
            final List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvmFlags);
            command.add("-cp");
            command.add(jar.toString());
            command.add(MAIN);
            final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().putAll(settings);
            final NotificationReplica replica = new NotificationReplica(builder.start(), port, log);
            try {
                replica.awaitReady();
            } catch (RuntimeException e) {
                replica.close();
                throw e;
            }
            return replica;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the second notification replica", e);
        }
    }

    private void awaitReady() {
        final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        final URI ready = URI.create("http://127.0.0.1:" + port + "/health/ready");
        final Instant deadline = Instant.now().plus(START_LIMIT);
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the second notification replica exited with " + process.exitValue()
                                                + " while starting (its log: " + log + ")");
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("the second notification replica was not ready within "
                                                + START_LIMIT.toMinutes() + " minutes (its log: " + log + ")");
            }
            try {
                if (http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(2)).build(),
                              HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the replica started", e);
            }
            Mesh.sleep(Duration.ofMillis(200));
        }
    }

    long pid() {
        return process.pid();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + port);
    }

    Path log() {
        return log;
    }

    /** SIGTERM, as an orchestrator stops a replica; SIGKILL after 30 s. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
