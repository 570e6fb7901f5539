package io.sextant.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;

import io.sextant.auth.AuthConfig;
import io.sextant.auth.AuthServer;
import io.sextant.gateway.Gateway;
import io.sextant.gateway.GatewayConfig;
import io.sextant.monitoring.MonitoringServer;
import io.sextant.notification.NotificationServer;
import io.sextant.platform.config.Env;
import io.sextant.platform.db.DbConfig;
import io.sextant.platform.db.EmbeddedPostgres;
import io.sextant.platform.server.SextantServer;
import io.sextant.storage.StorageServer;
import io.sextant.users.UsersServer;

/**
 * The whole mesh in one process, for a laptop: an embedded PostgreSQL (zonky's binaries, no install)
 * with one database per service, and the six services on 8000-8005 (or on free ports, for tests).
 * Data lives under the data directory and is found again on the next start.
 */
public final class LocalMesh implements AutoCloseable {

    /** The services in start order; the gateway comes last, when its backends listen. */
    static final List<String> BACKENDS = List.of("auth", "users", "notification", "storage", "monitoring");

    private final EmbeddedPostgres postgres;
    private final Map<String, SextantServer> servers;

    private LocalMesh(EmbeddedPostgres postgres, Map<String, SextantServer> servers) {
        this.postgres = postgres;
        this.servers = servers;
    }

    /**
     * Starts everything.
     *
     * @param dataDirectory where PostgreSQL's data and the generated local secrets live
     * @param basePort      8000 for the gateway and 8001-8005 for the services; 0 for free ports
     * @param overrides     extra settings for every service (e.g. ACCESS_TOKEN_TTL), over the environment
     */
    public static LocalMesh start(Path dataDirectory, int basePort, Map<String, String> overrides) {
        if (basePort > 0) {
            for (int i = 0; i <= BACKENDS.size(); i++) {
                requireFree(basePort + i, basePort);
            }
        }
        final Properties secrets = localSecrets(dataDirectory);
        final EmbeddedPostgres postgres = EmbeddedPostgres.start(dataDirectory.resolve("postgres"), 0);
        final Map<String, SextantServer> servers = new LinkedHashMap<>();
        try {
            final Map<String, String> common = new HashMap<>(overrides);
            common.put("AUTH_KEY_ENCRYPTION_KEY", secrets.getProperty("AUTH_KEY_ENCRYPTION_KEY"));
            final Map<String, String> targets = new HashMap<>();
            for (int i = 0; i < BACKENDS.size(); i++) {
                final String name = BACKENDS.get(i);
                final DbConfig db = postgres.database("sextant_" + name, 5);
                final Map<String, String> values = new HashMap<>(common);
                values.put("PORT", String.valueOf(basePort == 0 ? 0 : basePort + 1 + i));
                values.put("DB_URL", db.url());
                values.put("DB_USER", db.user());
                values.put("DB_PASSWORD", db.password());
                values.put("DB_POOL_SIZE", "5");
                if (servers.containsKey("auth")) {
                    values.put("AUTH_TARGET", "127.0.0.1:" + servers.get("auth").port());
                }
                final SextantServer server = newServer(name, Env.system().with(values)).start();
                servers.put(name, server);
                targets.put(name.toUpperCase() + "_TARGET", "127.0.0.1:" + server.port());
            }
            final Map<String, String> gateway = new HashMap<>(common);
            gateway.putAll(targets);
            gateway.put("PORT", String.valueOf(basePort));
            servers.put("gateway", Gateway.newServer(GatewayConfig.read(Env.system().with(gateway))).start());
        } catch (RuntimeException e) {
            new LocalMesh(postgres, servers).close();
            throw e;
        }
        return new LocalMesh(postgres, servers);
    }

    private static SextantServer newServer(String name, Env env) {
        final Function<Env, SextantServer> factory = switch (name) {
            case "auth" -> e -> AuthServer.newServer(AuthConfig.read(e));
            case "users" -> e -> UsersServer.newServer(UsersServer.readConfig(e));
            case "notification" -> e -> NotificationServer.newServer(NotificationServer.readConfig(e));
            case "storage" -> e -> StorageServer.newServer(StorageServer.readConfig(e));
            case "monitoring" -> e -> MonitoringServer.newServer(MonitoringServer.readConfig(e));
            default -> throw new IllegalArgumentException(name);
        };
        return factory.apply(env);
    }

    /** The port a service listens on. */
    public int port(String service) {
        return servers.get(service).port();
    }

    /** Stops one service (to see the mesh without it); the others keep running. */
    public void stop(String service) {
        final SextantServer server = servers.remove(service);
        if (server != null) {
            server.close();
        }
    }

    /** The services in start order, with their ports. */
    public Map<String, Integer> ports() {
        final Map<String, Integer> out = new LinkedHashMap<>();
        servers.forEach((name, server) -> out.put(name, server.port()));
        return out;
    }

    /**
     * Stops the gateway first (no new calls come in), then the services side by side (each lets its
     * in-flight calls finish), then PostgreSQL.
     */
    @Override
    public void close() {
        final SextantServer gateway = servers.remove("gateway");
        if (gateway != null) {
            gateway.close();
        }
        servers.values().parallelStream().forEach(SextantServer::close);
        servers.clear();
        postgres.close();
    }

    /**
     * Secrets that {@code local/} generates once and keeps beside its data (outside {@code local/}
     * no secret has a default): the key that encrypts auth's signing keys.
     */
    private static Properties localSecrets(Path dataDirectory) {
        final Path file = dataDirectory.resolve("secrets.properties");
        final Properties secrets = new Properties();
        try {
            Files.createDirectories(dataDirectory);
            if (Files.exists(file)) {
                try (InputStream in = Files.newInputStream(file)) {
                    secrets.load(in);
                }
            }
            if (secrets.getProperty("AUTH_KEY_ENCRYPTION_KEY") == null) {
                final byte[] key = new byte[32];
                new SecureRandom().nextBytes(key);
                secrets.setProperty("AUTH_KEY_ENCRYPTION_KEY", Base64.getEncoder().encodeToString(key));
                try (OutputStream out = Files.newOutputStream(file)) {
                    secrets.store(out, "Generated by sextant up for this machine only. Do not reuse elsewhere.");
                }
                try {
                    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
                } catch (UnsupportedOperationException e) {
                    // not a POSIX file system (Windows): the user's profile directory protects it
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read or write " + file + ": " + e.getMessage(), e);
        }
        return secrets;
    }

    private static void requireFree(int port, int basePort) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(port));
        } catch (IOException e) {
            throw new IllegalStateException("Port " + port + " is already in use (is another `./sextant up` running?)."
                                            + " Sextant needs ports " + basePort + "-" + (basePort + BACKENDS.size()) + ".");
        }
    }

}
