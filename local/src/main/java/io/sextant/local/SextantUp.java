package io.sextant.local;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import sun.misc.Signal;

/**
 * {@code ./sextant up}: the whole mesh on ports 8000-8005 (or from SEXTANT_PORT on) with its data
 * under {@code ./.sextant/} (or SEXTANT_DATA), until Ctrl-C. When its PostgreSQL ends under it, it
 * says so and exits with status 1 rather than serve errors.
 */
public final class SextantUp {

    /** The gateway's port when SEXTANT_PORT is not set; the services take the five after it. */
    static final int DEFAULT_BASE_PORT = 8000;

    private SextantUp() {}

    public static void main(String[] args) throws InterruptedException {
        if (System.getProperty("sextant.log.format") == null) {
            System.setProperty("sextant.log.format", "text");
        }
        final long start = System.nanoTime();
        final String dataEnv = System.getenv("SEXTANT_DATA");
        final Path data = Path.of(dataEnv == null || dataEnv.isBlank() ? ".sextant" : dataEnv).toAbsolutePath();
        final LocalMesh mesh;
        try {
            mesh = LocalMesh.start(data, basePort(), Map.of());
        } catch (RuntimeException e) {
            System.err.println("sextant: could not start: " + e.getMessage());
            System.exit(1);
            return;
        }
        final CountDownLatch stopped = new CountDownLatch(1);
        final AtomicBoolean stopping = new AtomicBoolean();
        final Runnable stop = () -> {
            if (stopping.compareAndSet(false, true)) {
                System.out.println("\nStopping Sextant...");
                mesh.close();
                System.out.println("Stopped. Data kept in " + data);
                stopped.countDown();
            }
        };
        // Ctrl-C and SIGTERM stop the services before the JVM begins its shutdown: the embedded
        // PostgreSQL has its own shutdown hook, which must not stop the database under live services.
        for (String signal : new String[] {"INT", "TERM"}) {
            Signal.handle(new Signal(signal), s -> {
                stop.run();
                System.exit(0);
            });
        }
        Runtime.getRuntime().addShutdownHook(new Thread(stop, "sextant-stop"));
        mesh.postgresLost().thenAccept(pid -> {
            if (stopping.compareAndSet(false, true)) {
                System.err.println("sextant: the embedded PostgreSQL (pid " + pid + ") has stopped under the running mesh;"
                                   + " stopping Sextant. Data kept in " + data + "; run ./sextant up again"
                                   + " (PostgreSQL's log: " + data.resolve("postgres.log") + ").");
                mesh.close();
                // halt, not exit: the shutdown hooks would try to stop the PostgreSQL that is already gone
                Runtime.getRuntime().halt(1);
            }
        });
        System.out.println(banner(mesh, data, (System.nanoTime() - start) / 1_000_000));
        stopped.await();
    }

    /** SEXTANT_PORT: the gateway's port, the services on the five after it, the gateway's metrics 1000 above. */
    static int basePort() {
        final String value = System.getenv("SEXTANT_PORT");
        if (value == null || value.isBlank()) {
            return DEFAULT_BASE_PORT;
        }
        try {
            final int port = Integer.parseInt(value.trim());
            if (port >= 1 && port + LocalMesh.METRICS_PORT_OFFSET <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("SEXTANT_PORT must be a port from 1 to " + (65535 - LocalMesh.METRICS_PORT_OFFSET)
                                           + " (the gateway's; the services take the five after it), not '" + value + "'");
    }

    static String banner(LocalMesh mesh, Path data, long millis) {
        final StringBuilder sb = new StringBuilder();
        sb.append("\n  Sextant is up (").append(millis).append(" ms). Data: ").append(data).append("\n\n");
        sb.append("  REST, gRPC, gRPC-Web  http://localhost:").append(mesh.port("gateway")).append("\n");
        sb.append("  API docs              http://localhost:").append(mesh.port("gateway")).append("/docs\n");
        sb.append("  Health                http://localhost:").append(mesh.port("gateway")).append("/health\n");
        sb.append("  Gateway metrics       http://127.0.0.1:").append(mesh.gatewayMetricsPort()).append("/metrics\n\n");
        for (String name : LocalMesh.BACKENDS) {
            sb.append(String.format("  %-13s gRPC localhost:%d   docs http://localhost:%d/docs%n",
                                    name, mesh.port(name), mesh.port(name)));
        }
        if (mesh.mailDirectory().isPresent()) {
            sb.append("\n  E-mail        nothing leaves this machine: notification sends to smtp://127.0.0.1:")
              .append(mesh.smtpPort().getAsInt()).append(",\n                each message lands in ")
              .append(mesh.mailDirectory().get()).append(" (one .eml per recipient)\n");
        } else {
            sb.append("\n  E-mail        sent through SMTP_HOST\n");
        }
        final LocalMesh.AdminLogin admin = mesh.admin();
        if (admin.generated()) {
            sb.append("\n  Admin login   username ").append(admin.username()).append("   password ").append(admin.password())
              .append("\n                (generated once, kept in ").append(data.resolve("secrets.properties")).append(")\n");
        } else {
            sb.append("\n  Admin login   ").append(admin.username()).append(" (from BOOTSTRAP_ADMIN_*)\n");
        }
        sb.append("\n  Ctrl-C stops.\n");
        return sb.toString();
    }
}
