package io.sextant.bench.peer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * nginx as the reference for a proxy hop: Debian's {@code /usr/sbin/nginx} run in the foreground
 * as a child of the benchmark, with a generated configuration, its pid file, temporary files and
 * error log in a directory of its own, and no access log (the gateway under test keeps none per
 * call either). It needs no root: ports are the caller's, and the {@code user} directive is written
 * only when running as root (where nginx would otherwise hand its workers to {@code nobody}, who
 * cannot open the temporary directory).
 *
 * <p>One worker process by default ({@code -Dsextant.bench.nginx.workers=auto} for one per core):
 * on the project's 2-core machine the load generator and the proxied service use the cores too, and
 * a second worker would only contend with them; one event loop, like one core's share of the
 * gateway, is also what makes nginx's CPU time per request the comparable figure. Upstream
 * connections are kept alive, as a tuned reverse proxy would, and per-connection request limits
 * are lifted: by default nginx closes a client connection after 1,000 requests, which ends an
 * {@code h2load} run early.
 */
public final class Nginx implements AutoCloseable {

    /** Debian's nginx; {@code NGINX} in the environment names another binary. */
    static final Path DEFAULT_BINARY = Path.of("/usr/sbin/nginx");
    /** The fixed answer of the backend behind {@link #restHop}: about the size of the gateway's validate answer. */
    static final String REST_HOP_BODY = "{\"valid\":true,\"subject\":\"5f0c6b7e-3c1a-4d2b-9a53-0b6f1c2d3e4f\","
                                        + "\"sessionId\":\"2b7d9e4a-1c3f-4a5b-8d6e-7f9a0b1c2d3e\"}";
    private static final Pattern UPSTREAM = Pattern.compile("[A-Za-z0-9.\\-]+:[0-9]{1,5}|\\[[0-9A-Fa-f:.]+\\]:[0-9]{1,5}");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
    private static final int MAX_REQUESTS_PER_CONNECTION = 1_000_000_000;

    private final Process process;
    private final Path dir;
    private final int port;
    private final String version;

    private Nginx(Process process, Path dir, int port, String version) {
        this.process = process;
        this.dir = dir;
        this.port = port;
        this.version = version;
    }

    /** nginx listening h2c on 127.0.0.1:{@code port}, {@code grpc_pass} to {@code upstream} ("host:port") over kept-alive connections. */
    public static Nginx grpcProxy(int port, String upstream) throws Exception {
        final Path dir = Files.createTempDirectory("sextant-nginx-");
        return start(dir, port, grpcProxyConfig(dir, port, upstream, workers(), isRoot()));
    }

    /**
     * nginx listening HTTP/1.1 on 127.0.0.1:{@code port}, {@code proxy_pass} over kept-alive
     * HTTP/1.1 connections to a second server block on {@code backendPort} of the same nginx that
     * answers {@link #REST_HOP_BODY}: the cost of one hop, with a backend that costs next to nothing.
     */
    public static Nginx restHop(int port, int backendPort) throws Exception {
        final Path dir = Files.createTempDirectory("sextant-nginx-");
        return start(dir, port, restHopConfig(dir, port, backendPort, workers(), isRoot()));
    }

    public int port() {
        return port;
    }

    /** The master process; the workers are its children, so their CPU time is the sum over its descendants. */
    public long pid() {
        return process.pid();
    }

    /** e.g. "1.22.1", from {@code nginx -v}. */
    public String version() {
        return version;
    }

    /** The directory of its configuration, pid file, temporary files and error log. */
    Path dir() {
        return dir;
    }

    /** Stops the master and its workers and deletes the directory. */
    @Override
    public void close() {
        ChildProcess.stop(process);
        try {
            Directories.deleteTree(dir);
        } catch (IOException e) {
            // a few KB left in the temporary directory
        }
    }

    /** The nginx binary, if this machine has one. */
    static Optional<Path> binary() {
        final Path binary = Optional.ofNullable(System.getenv("NGINX")).map(Path::of).orElse(DEFAULT_BINARY);
        return Files.isExecutable(binary) ? Optional.of(binary) : Optional.empty();
    }

    static String grpcProxyConfig(Path dir, int port, String upstream, String workers, boolean root) {
        checkPort(port);
        if (!UPSTREAM.matcher(upstream).matches()) {
            throw new IllegalArgumentException("upstream must be host:port, not \"" + upstream + "\"");
        }
        checkPort(Integer.parseInt(upstream.substring(upstream.lastIndexOf(':') + 1)));
        return main(dir, workers, root) + """
                    upstream backend {
                        server %s;
                        keepalive 32;
                        keepalive_requests %d;
                        # under the backend's own idle timeout (Armeria closes after 10-15 s), so nginx
                        # never sends a call on a connection the backend is closing
                        keepalive_timeout 5s;
                    }
                    server {
                        listen 127.0.0.1:%d http2;
                        location / {
                            grpc_pass grpc://backend;
                        }
                    }
                }
                """.formatted(upstream, MAX_REQUESTS_PER_CONNECTION, port);
    }

    static String restHopConfig(Path dir, int port, int backendPort, String workers, boolean root) {
        checkPort(port);
        checkPort(backendPort);
        if (port == backendPort) {
            throw new IllegalArgumentException("the hop and its backend need two ports, not " + port + " twice");
        }
        return main(dir, workers, root) + """
                    upstream backend {
                        server 127.0.0.1:%d;
                        keepalive 32;
                        keepalive_requests %d;
                    }
                    server {
                        listen 127.0.0.1:%d;
                        location / {
                            proxy_pass http://backend;
                            proxy_http_version 1.1;
                            proxy_set_header Connection "";
                        }
                    }
                    server {
                        listen 127.0.0.1:%d;
                        location / {
                            default_type application/json;
                            return 200 '%s';
                        }
                    }
                }
                """.formatted(backendPort, MAX_REQUESTS_PER_CONNECTION, port, backendPort, REST_HOP_BODY);
    }

    /** Everything up to and including the opening of the {@code http} block. */
    private static String main(Path dir, String workers, boolean root) {
        if (!workers.equals("auto") && !workers.matches("[1-9][0-9]{0,2}")) {
            throw new IllegalArgumentException("nginx workers must be a number or auto, not \"" + workers + "\"");
        }
        return """
                # generated by io.sextant.bench.peer.Nginx
                %sdaemon off;
                worker_processes %s;
                pid %s;
                error_log %s warn;
                events {
                    worker_connections 4096;
                }
                http {
                    access_log off;
                    keepalive_requests %d;
                    client_body_temp_path %s;
                    proxy_temp_path %s;
                    fastcgi_temp_path %s;
                    uwsgi_temp_path %s;
                    scgi_temp_path %s;
                """.formatted(root ? "user root;\n" : "", workers, dir.resolve("nginx.pid"), dir.resolve("error.log"),
                              MAX_REQUESTS_PER_CONNECTION, dir.resolve("client_body"), dir.resolve("proxy"),
                              dir.resolve("fastcgi"), dir.resolve("uwsgi"), dir.resolve("scgi"));
    }

    /** The command that runs (or, with {@code -t}, tests) the configuration in {@code dir}. */
    static List<String> command(Path binary, Path dir, String... extra) {
        final List<String> command = new ArrayList<>(List.of(
                binary.toString(), "-p", dir.toString(), "-c", dir.resolve("nginx.conf").toString(),
                // the error log before the configuration is read: the default, /var/log/nginx, is root's
                "-e", dir.resolve("error.log").toString()));
        command.addAll(List.of(extra));
        return command;
    }

    static String workers() {
        return System.getProperty("sextant.bench.nginx.workers", "1");
    }

    static boolean isRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    private static Nginx start(Path dir, int port, String config) throws Exception {
        final Path binary = binary().orElseThrow(() -> new IllegalStateException(
                "no nginx at " + DEFAULT_BINARY + " (Debian's package nginx-light or nginx; NGINX names another)"));
        Files.writeString(dir.resolve("nginx.conf"), config, StandardCharsets.UTF_8);
        final String version = version(binary);
        final Path output = dir.resolve("stdout.log");
        final Process process = new ProcessBuilder(command(binary, dir)).redirectErrorStream(true)
                                                                         .redirectOutput(output.toFile()).start();
        try {
            awaitListening(process, port, dir);
            return new Nginx(process, dir, port, version);
        } catch (Exception | Error e) {
            ChildProcess.stop(process);
            throw e;
        }
    }

    private static void awaitListening(Process process, int port, Path dir) throws Exception {
        final long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("nginx exited with " + process.exitValue() + ":\n"
                                                + ChildProcess.tail(dir.resolve("error.log"), 20) + "\n"
                                                + ChildProcess.tail(dir.resolve("stdout.log"), 20));
            }
            // the pid file is written once the ports are bound: before it, a connection could reach
            // whoever else holds the port while nginx is still retrying to bind it
            if (!Files.exists(dir.resolve("nginx.pid"))) {
                Thread.sleep(20);
                continue;
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                Thread.sleep(20);
            }
        }
        throw new IllegalStateException("nginx did not listen on " + port + " within " + START_TIMEOUT + ":\n"
                                        + ChildProcess.tail(dir.resolve("error.log"), 20));
    }

    /** "1.22.1" from "nginx version: nginx/1.22.1" (printed on stderr). */
    private static String version(Path binary) throws IOException, InterruptedException {
        final Process process = new ProcessBuilder(binary.toString(), "-v").redirectErrorStream(true).start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        process.waitFor();
        final int slash = output.indexOf('/');
        return slash >= 0 ? output.substring(slash + 1).split("\\s")[0] : output;
    }

    private static void checkPort(int port) {
        if (port < 1024 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not in 1024-65535 (nginx runs without root)");
        }
    }
}
