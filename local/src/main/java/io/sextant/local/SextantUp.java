package io.sextant.local;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import sun.misc.Signal;

/**
 * {@code ./sextant up}: the whole mesh on ports 8000-8005 with its data under {@code ./.sextant/}
 * (or SEXTANT_DATA), until Ctrl-C.
 */
public final class SextantUp {

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
            mesh = LocalMesh.start(data, 8000, Map.of());
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
        System.out.println(banner(mesh, data, (System.nanoTime() - start) / 1_000_000));
        stopped.await();
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
