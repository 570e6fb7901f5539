package io.sextant.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.sextant.platform.testing.Poll;

/**
 * {@code ./sextant up} after the mesh was killed with {@code kill -9}: its PostgreSQL outlives it,
 * and the next start must stop that one and find the data; stale {@code postmaster.pid} files must
 * not stop a start either. The mesh runs as {@link SextantUp} in a child JVM, as the script runs it.
 */
class KillNineIT {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String PASSWORD = "correct horse battery";
    private static final Duration STARTUP = Duration.ofSeconds(120);

    @TempDir
    Path data;
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stopEverything() {
        started.forEach(Process::destroyForcibly);
        postmaster().ifPresent(ProcessHandle::destroyForcibly);
    }

    @Test
    void aMeshKilledWithSigkillStartsAgainWithItsData() throws Exception {
        final int basePort = freeBasePort();
        final Process first = up(basePort, "first");
        final String username = "k9" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        assertThat(register(basePort, username).statusCode()).isEqualTo(200);

        // a second mesh on the same data is refused with the first one's pid, before anything is touched
        assertThatThrownBy(() -> LocalMesh.start(data, 0, Map.of()))
                .hasMessageContaining("already running (pid " + first.pid() + ")")
                .hasMessageContaining("stop it first");

        final ProcessHandle leftover = postmaster().orElseThrow();
        first.destroyForcibly(); // SIGKILL: no shutdown hook runs
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(leftover.isAlive()).as("the killed mesh's PostgreSQL outlives it").isTrue();

        final Process second = up(basePort, "second");
        assertThat(leftover.isAlive()).as("the leftover PostgreSQL was stopped").isFalse();
        assertThat(login(basePort, username).statusCode()).isEqualTo(200);

        // PostgreSQL dying under the running mesh ends the mesh, with one line that says so
        final ProcessHandle postgres = postmaster().orElseThrow();
        postgres.destroyForcibly();
        assertThat(second.waitFor(60, TimeUnit.SECONDS)).as("the mesh exits when its PostgreSQL is gone").isTrue();
        assertThat(second.exitValue()).isEqualTo(1);
        assertThat(output("second")).contains("the embedded PostgreSQL (pid " + postgres.pid() + ") has stopped under the running mesh");
    }

    @Test
    void stalePostmasterPidFilesDoNotStopTheStart() throws Exception {
        final String username = "st" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        final Path pidFile = data.resolve("postgres").resolve("postmaster.pid");
        final List<String> written;
        try (LocalMesh mesh = LocalMesh.start(data, 0, Map.of())) {
            assertThat(register(mesh.port("gateway"), username).statusCode()).isEqualTo(200);
            written = Files.readAllLines(pidFile);
        }
        assertThat(pidFile).doesNotExist();

        // its pid now belongs to another program: PostgreSQL alone would refuse to start
        final Process other = new ProcessBuilder("sleep", "300").start();
        started.add(other);
        final List<String> reused = new ArrayList<>(written);
        reused.set(0, String.valueOf(other.pid()));
        Files.write(pidFile, reused);
        try (LocalMesh mesh = LocalMesh.start(data, 0, Map.of())) {
            assertThat(login(mesh.port("gateway"), username).statusCode()).isEqualTo(200);
        }
        assertThat(other.isAlive()).as("the other program is left alone").isTrue();

        // its process has ended (the earlier run's postmaster)
        Files.write(pidFile, written);
        try (LocalMesh mesh = LocalMesh.start(data, 0, Map.of())) {
            assertThat(login(mesh.port("gateway"), username).statusCode()).isEqualTo(200);
        }
    }

    // --- helpers

    /** {@code ./sextant up} in a child JVM (its memory defaults, C1 only for speed) on the test's data and ports; returns once its banner is out. */
    private Process up(int basePort, String name) throws Exception {
        final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        final String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        final ProcessBuilder builder = new ProcessBuilder(java, "-XX:+UseSerialGC", "-Xmx256m", "-XX:TieredStopAtLevel=1", "-Xss512k",
                                                          "-cp", classpath, SextantUp.class.getName());
        builder.environment().put("SEXTANT_DATA", data.toString());
        builder.environment().put("SEXTANT_PORT", String.valueOf(basePort));
        builder.redirectErrorStream(true).redirectOutput(outputFile(name).toFile());
        final Process process = builder.start();
        started.add(process);
        Poll.until(STARTUP, () -> {
            assertThat(process.isAlive()).as("%s exited: %s", name, output(name)).isTrue();
            assertThat(output(name)).contains("Sextant is up");
        });
        return process;
    }

    private Path outputFile(String name) {
        return data.resolve(name + ".out");
    }

    private String output(String name) throws IOException {
        return Files.readString(outputFile(name), StandardCharsets.UTF_8);
    }

    /** The live postmaster that data/postgres/postmaster.pid names. */
    private Optional<ProcessHandle> postmaster() {
        try {
            final List<String> lines = Files.readAllLines(data.resolve("postgres").resolve("postmaster.pid"));
            return ProcessHandle.of(Long.parseLong(lines.get(0).trim())).filter(ProcessHandle::isAlive);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static HttpResponse<String> register(int gatewayPort, String username) throws Exception {
        return post(gatewayPort, "/v1/auth/register",
                    "{\"username\":\"" + username + "\",\"email\":\"" + username + "@example.com\",\"password\":\"" + PASSWORD + "\"}");
    }

    private static HttpResponse<String> login(int gatewayPort, String username) throws Exception {
        return post(gatewayPort, "/v1/auth/login", "{\"username\":\"" + username + "\",\"password\":\"" + PASSWORD + "\"}");
    }

    private static HttpResponse<String> post(int gatewayPort, String path, String body) throws Exception {
        final HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatewayPort + path))
                                               .timeout(Duration.ofSeconds(10))
                                               .header("content-type", "application/json")
                                               .POST(HttpRequest.BodyPublishers.ofString(body))
                                               .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** A base port with its five followers and the metrics port (base + 1000) free. */
    private static int freeBasePort() {
        while (true) {
            final int base = ThreadLocalRandom.current().nextInt(20_000, 40_000);
            if (free(base + LocalMesh.METRICS_PORT_OFFSET) && java.util.stream.IntStream.rangeClosed(base, base + 5).allMatch(KillNineIT::free)) {
                return base;
            }
        }
    }

    private static boolean free(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
