package io.sextant.storage.bytes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Adobe S3Mock (a real S3-compatible HTTP server) as a child process on a free loopback port. It cannot run
 * inside the tests' JVM, as it brings Spring Boot 4 and Jackson 3: Maven copies its executable jar to
 * {@code target/s3mock/s3mock.jar} (maven-dependency-plugin, process-test-resources) and this starts it with
 * {@code java -Xmx256m -jar}. Use {@link #shared()}: one server for all tests of a JVM, stopped when it exits;
 * each test uses keys of its own.
 *
 * <p>S3Mock does not check signatures, so any access key works. It keeps its objects under {@code root} (the
 * shared one: {@code target/s3mock/data-*}, which S3Mock removes when it stops) and its log in
 * {@code target/s3mock/s3mock-<port>.log}.
 */
public final class S3MockServer implements AutoCloseable {

    public static final String BUCKET = "sextant-test";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static S3MockServer shared;

    private final Process process;
    private final URI endpoint;
    private final Path log;

    private S3MockServer(Process process, URI endpoint, Path log) {
        this.process = process;
        this.endpoint = endpoint;
        this.log = log;
    }

    /** The server of this JVM, started on first use with the bucket {@link #BUCKET}. */
    public static synchronized S3MockServer shared() {
        if (shared == null) {
            try {
                shared = start(Files.createTempDirectory(jar().getParent(), "data-"), BUCKET);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            final S3MockServer server = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "s3mock-stop"));
        }
        return shared;
    }

    /** Starts S3Mock keeping its files under {@code root}, with {@code buckets} created, and waits until it answers. */
    public static S3MockServer start(Path root, String... buckets) throws IOException {
        final Path jar = jar();
        final int port = freePort();
        final Path log = jar.resolveSibling("s3mock-" + port + ".log");
        final Process process = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-XX:TieredStopAtLevel=1", "-jar", jar.toString(),
                "--server.port=0", // its HTTPS connector: unused, on any free port
                "--com.adobe.testing.s3mock.httpPort=" + port,
                "--server.address=127.0.0.1",
                "--com.adobe.testing.s3mock.store.root=" + root,
                "--com.adobe.testing.s3mock.store.initial-buckets=" + String.join(",", buckets),
                "--spring.main.banner-mode=off"))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        final S3MockServer server = new S3MockServer(process, URI.create("http://127.0.0.1:" + port), log);
        server.awaitReady();
        return server;
    }

    /** The S3Mock jar: {@code -Ds3mock.jar}, by default where Maven copies it. */
    private static Path jar() {
        final Path jar = Path.of(System.getProperty("s3mock.jar", "target/s3mock/s3mock.jar")).toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: run the tests through Maven, whose"
                                            + " process-test-resources phase copies S3Mock there");
        }
        return jar;
    }

    /** The server's http URL (S3_ENDPOINT). */
    public URI endpoint() {
        return endpoint;
    }

    /** Settings for a store on this server under {@code prefix} (path style, any credentials). */
    public S3Settings settings(String prefix, int partSize) {
        return new S3Settings(endpoint, "us-east-1", BUCKET, "test-key-id", "test-secret", true, prefix, partSize);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private void awaitReady() throws IOException {
        final long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("S3Mock exited with " + process.exitValue() + " while starting:\n" + tail());
            }
            try {
                final HttpURLConnection connection = (HttpURLConnection) endpoint.resolve("/").toURL()
                        .openConnection();
                connection.setConnectTimeout(1000);
                connection.setReadTimeout(5000);
                final int status = connection.getResponseCode();
                connection.disconnect();
                if (status < 500) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        close();
        throw new IOException("S3Mock did not answer on " + endpoint + " within " + START_TIMEOUT + ":\n" + tail());
    }

    private String tail() throws IOException {
        final List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
