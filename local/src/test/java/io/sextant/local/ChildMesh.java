package io.sextant.local;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import io.sextant.platform.testing.Poll;

/**
 * {@code ./sextant up} in a child JVM, as the script runs it (its memory defaults: a 256 MiB heap, and
 * an out-of-memory error ends the process; C1 only, for speed), on a test's data directory and ports;
 * and the REST calls the tests make of it.
 */
final class ChildMesh {

    static final String PASSWORD = "correct horse battery";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Duration STARTUP = Duration.ofSeconds(120);

    private ChildMesh() {}

    /** Starts the mesh; returns once its banner is out. Its output goes to {@code <data>/<name>.out}. */
    static Process up(Path data, int basePort, String name) throws Exception {
        final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        final String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        final ProcessBuilder builder = new ProcessBuilder(java, "-XX:+UseSerialGC", "-Xmx256m", "-XX:TieredStopAtLevel=1",
                                                          "-Xss512k", "-XX:+ExitOnOutOfMemoryError",
                                                          "-cp", classpath, SextantUp.class.getName());
        builder.environment().put("SEXTANT_DATA", data.toString());
        builder.environment().put("SEXTANT_PORT", String.valueOf(basePort));
        builder.redirectErrorStream(true).redirectOutput(outputFile(data, name).toFile());
        final Process process = builder.start();
        Poll.until(STARTUP, () -> {
            assertThat(process.isAlive()).as("%s exited: %s", name, output(data, name)).isTrue();
            assertThat(output(data, name)).contains("Sextant is up");
        });
        return process;
    }

    /** The live postmaster that {@code <data>/postgres/postmaster.pid} names. */
    static Optional<ProcessHandle> postmaster(Path data) {
        try {
            final List<String> lines = Files.readAllLines(data.resolve("postgres").resolve("postmaster.pid"));
            return ProcessHandle.of(Long.parseLong(lines.get(0).trim())).filter(ProcessHandle::isAlive);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Stops a mesh started by {@link #up} as Ctrl-C does (it stops its PostgreSQL), waiting for it, then
     * anything left of it, before the test's data directory is deleted under it.
     */
    static void stop(Process mesh, Path data) throws InterruptedException {
        mesh.destroy();
        if (!mesh.waitFor(60, TimeUnit.SECONDS)) {
            mesh.destroyForcibly();
            mesh.waitFor(10, TimeUnit.SECONDS);
        }
        postmaster(data).ifPresent(ProcessHandle::destroyForcibly);
    }

    static String output(Path data, String name) throws IOException {
        return Files.readString(outputFile(data, name), StandardCharsets.UTF_8);
    }

    private static Path outputFile(Path data, String name) {
        return data.resolve(name + ".out");
    }

    static HttpResponse<String> register(int gatewayPort, String username) throws Exception {
        return post(gatewayPort, "/v1/auth/register",
                    "{\"username\":\"" + username + "\",\"email\":\"" + username + "@example.com\",\"password\":\"" + PASSWORD + "\"}");
    }

    static HttpResponse<String> login(int gatewayPort, String username) throws Exception {
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
    static int freeBasePort() {
        while (true) {
            final int base = ThreadLocalRandom.current().nextInt(20_000, 40_000);
            if (free(base + LocalMesh.METRICS_PORT_OFFSET) && IntStream.rangeClosed(base, base + 5).allMatch(ChildMesh::free)) {
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
