package io.sextant.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
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
 * with one database per service, and the six services on 8000-8005 (or on free ports, for tests);
 * the gateway's metrics on 9000 (base port + 1000), on loopback.
 * Data lives under the data directory and is found again on the next start.
 */
public final class LocalMesh implements AutoCloseable {

    /** The services in start order; the gateway comes last, when its backends listen. */
    static final List<String> BACKENDS = List.of("auth", "users", "notification", "storage", "monitoring");

    /** What the gateway of a local mesh does unlike a deployed one (each can still be set in the environment). */
    static final Map<String, String> LOCAL_GATEWAY_DEFAULTS = Map.of(
            "CORS_ALLOWED_ORIGINS", "http://localhost:*,http://127.0.0.1:*",
            "RATE_LIMIT_AUTH", "100/1m");

    /**
     * What the backends of a local mesh do unlike deployed ones (each can still be set in the
     * environment): only the gateway is the public door, so the backends listen on loopback, where
     * only this machine reaches them, and believe X-Forwarded-For only from the gateway, which calls
     * them from loopback and sends the client address it resolved.
     */
    static final Map<String, String> LOCAL_BACKEND_DEFAULTS = Map.of(
            "BIND_ADDRESS", "127.0.0.1",
            "TRUSTED_PROXIES", "127.0.0.1/32");

    /**
     * The services that call others as themselves, with the permissions auth gives their tokens
     * (auth's SERVICE_ACCOUNTS): each gets a secret generated on the first start and kept in
     * {@code secrets.properties} (SERVICE_SECRET_&lt;NAME&gt;), its SERVICE_SECRET, and auth the
     * secret's SHA-256. A service that starts calling as itself is added here.
     */
    static final Map<String, String> SERVICE_ACCOUNTS = Map.of("notification", "users.read", "storage", "users.read");

    /** The gateway's metrics port is the base port plus this: 9000 beside 8000-8005. */
    static final int METRICS_PORT_OFFSET = 1000;

    /** The first administrator of a local mesh; its password is generated (see {@link #admin()}). */
    static final String ADMIN_USERNAME = "admin";
    static final String ADMIN_EMAIL = "admin@sextant.local";

    private final DataDirectoryLock lock;
    private final EmbeddedPostgres postgres;
    /** Completes with PostgreSQL's pid when it ends while the mesh runs (see {@link #postgresLost()}). */
    private final CompletableFuture<Long> postgresLost = new CompletableFuture<>();
    private volatile boolean closing;
    private final Map<String, SextantServer> servers;
    /** Each backend's settings, to start it again after {@link #stop(String)}. */
    private final Map<String, Env> settings;
    private final AdminLogin admin;
    /** The local mail catcher the notification service sends to; null when SMTP_HOST names a real server. */
    private final LocalMail mail;

    private LocalMesh(DataDirectoryLock lock, EmbeddedPostgres postgres, Map<String, SextantServer> servers,
                      Map<String, Env> settings, AdminLogin admin, LocalMail mail) {
        this.lock = lock;
        this.postgres = postgres;
        this.mail = mail;
        postgres.exited().thenAccept(pid -> {
            if (!closing) {
                postgresLost.complete(pid);
            }
        });
        this.servers = servers;
        this.settings = settings;
        this.admin = admin;
    }

    /**
     * Starts everything.
     *
     * @param dataDirectory where PostgreSQL's data and the generated local secrets live
     * @param basePort      8000 for the gateway and 8001-8005 for the services; 0 for free ports
     * @param overrides     extra settings for every service (e.g. ACCESS_TOKEN_TTL), over the environment
     * @throws IllegalStateException when a mesh already runs on the data directory, a port is taken,
     *                               or PostgreSQL cannot start, saying what to do
     */
    public static LocalMesh start(Path dataDirectory, int basePort, Map<String, String> overrides) {
        // first: a second mesh on the same data is told so, before it trips over the first one's ports
        final DataDirectoryLock lock = DataDirectoryLock.acquire(dataDirectory);
        try {
            return start(lock, dataDirectory, basePort, overrides);
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    private static LocalMesh start(DataDirectoryLock lock, Path dataDirectory, int basePort, Map<String, String> overrides) {
        if (basePort > 0) {
            for (int i = 0; i <= BACKENDS.size(); i++) {
                requireFree(basePort + i, basePort);
            }
            if (!overrides.containsKey("METRICS_PORT") && System.getenv("METRICS_PORT") == null) {
                requireFree(basePort + METRICS_PORT_OFFSET, basePort);
            }
            if (!realSmtp(overrides)) {
                requireFree(basePort + LocalMail.SMTP_PORT_OFFSET, basePort);
            }
        }
        final int metricsPort = basePort > 0 ? basePort + METRICS_PORT_OFFSET : 0;
        // every service learns every target before any starts (auth calls users, users calls auth)
        final Map<String, Integer> ports = ports(basePort);
        final Map<String, String> targets = new HashMap<>();
        for (String name : BACKENDS) {
            targets.put(name.toUpperCase(Locale.ROOT) + "_TARGET", "127.0.0.1:" + ports.get(name));
        }
        final Properties secrets = localSecrets(dataDirectory);
        final AdminLogin admin = adminLogin(secrets, overrides);
        final EmbeddedPostgres postgres = EmbeddedPostgres.start(dataDirectory.resolve("postgres"), 0);
        final Map<String, SextantServer> servers = new LinkedHashMap<>();
        final Map<String, Env> settings = new HashMap<>();
        LocalMail mail = null;
        try {
            // e-mail goes to the mesh's own SMTP server, written to <data>/mail; SMTP_HOST sends it out instead
            if (!realSmtp(overrides)) {
                mail = LocalMail.start(dataDirectory.resolve("mail"),
                                       basePort > 0 ? basePort + LocalMail.SMTP_PORT_OFFSET : 0);
            }
            final Map<String, String> common = new HashMap<>(targets);
            common.putAll(overrides);
            common.put("AUTH_KEY_ENCRYPTION_KEY", secrets.getProperty("AUTH_KEY_ENCRYPTION_KEY"));
            for (String name : BACKENDS) {
                // notification's accepts and its delivery engine (workers, poller) share its pool
                final int pool = name.equals("notification") ? 10 : 5;
                final DbConfig db = postgres.database("sextant_" + name, pool);
                final Map<String, String> values = new HashMap<>(common);
                values.put("PORT", String.valueOf(ports.get(name)));
                values.put("DB_URL", db.url());
                values.put("DB_USER", db.user());
                values.put("DB_PASSWORD", db.password());
                values.put("DB_POOL_SIZE", String.valueOf(pool));
                putUnlessSet(values, LOCAL_BACKEND_DEFAULTS);
                // a METRICS_PORT in the environment is the gateway's: the backends keep /metrics on their port
                values.put("METRICS_PORT", "");
                if (name.equals("notification") && mail != null) {
                    values.put("SMTP_HOST", "127.0.0.1");
                    values.put("SMTP_PORT", String.valueOf(mail.smtpPort()));
                    values.put("SMTP_TLS", "none");
                    values.put("SMTP_FROM", "Sextant <no-reply@sextant.local>");
                }
                if (name.equals("notification")) {
                    // e-mails' one-click unsubscribe links point at the gateway, which serves them without sign-in
                    putUnlessSet(values, Map.of("UNSUBSCRIBE_URL", "http://localhost:" + ports.get("gateway")
                                                                   + "/v1/notifications:unsubscribe"));
                }
                if (name.equals("storage")) {
                    // the bytes of files live beside the mesh's other data
                    putUnlessSet(values, Map.of("STORAGE_DIR", dataDirectory.resolve("storage").toString(),
                                                "PUBLIC_URL", "http://localhost:" + ports.get("gateway")));
                }
                if (SERVICE_ACCOUNTS.containsKey(name)) {
                    values.put("SERVICE_SECRET", serviceSecret(secrets, name));
                    values.put("SERVICE_SECRET_FILE", "");
                }
                if (name.equals("auth")) {
                    values.putAll(serviceAccounts(secrets));
                }
                if (name.equals("auth") && admin.generated()) {
                    values.put("BOOTSTRAP_ADMIN_USERNAME", admin.username());
                    values.put("BOOTSTRAP_ADMIN_EMAIL", admin.email());
                    values.put("BOOTSTRAP_ADMIN_PASSWORD", admin.password());
                }
                settings.put(name, Env.system().with(values));
                servers.put(name, newServer(name, settings.get(name)).start());
            }
            final Map<String, String> gateway = new HashMap<>(common);
            gateway.put("PORT", String.valueOf(ports.get("gateway")));
            if (!gateway.containsKey("METRICS_PORT") && System.getenv("METRICS_PORT") == null) {
                gateway.put("METRICS_PORT", String.valueOf(metricsPort));
            }
            // local development: browser dev servers on any localhost port, and logins scripted often
            putUnlessSet(gateway, LOCAL_GATEWAY_DEFAULTS);
            servers.put("gateway", Gateway.newServer(GatewayConfig.read(Env.system().with(gateway))).start());
        } catch (RuntimeException e) {
            new LocalMesh(null, postgres, servers, settings, admin, mail).close();
            throw e;
        }
        return new LocalMesh(lock, postgres, servers, settings, admin, mail);
    }

    /** Whether SMTP_HOST (in the overrides or the environment) names a real mail server for notification. */
    private static boolean realSmtp(Map<String, String> overrides) {
        return overrides.containsKey("SMTP_HOST") || System.getenv("SMTP_HOST") != null;
    }

    /** Where the local mail server writes what it receives, one .eml file per recipient; empty with SMTP_HOST. */
    public Optional<Path> mailDirectory() {
        return Optional.ofNullable(mail).map(LocalMail::directory);
    }

    /** The local mail server's SMTP port; empty with SMTP_HOST. */
    public OptionalInt smtpPort() {
        return mail == null ? OptionalInt.empty() : OptionalInt.of(mail.smtpPort());
    }

    /** Adds the local defaults that neither the overrides (already in values) nor the environment set. */
    private static void putUnlessSet(Map<String, String> values, Map<String, String> defaults) {
        for (Map.Entry<String, String> local : defaults.entrySet()) {
            if (!values.containsKey(local.getKey()) && System.getenv(local.getKey()) == null) {
                values.put(local.getKey(), local.getValue());
            }
        }
    }

    /**
     * The administrator's login: {@code admin} with a password generated on the first run and kept
     * in {@code secrets.properties}, unless BOOTSTRAP_ADMIN_* are set (in the environment or the
     * overrides), which then decide.
     *
     * @param generated whether it is local/'s own (and so known here, to be printed)
     */
    public record AdminLogin(String username, String email, String password, boolean generated) {
        @Override
        public String toString() {
            return "AdminLogin[" + username + "]";
        }
    }

    /** The bootstrap administrator of this mesh. */
    public AdminLogin admin() {
        return admin;
    }

    private static AdminLogin adminLogin(Properties secrets, Map<String, String> overrides) {
        for (String name : List.of("BOOTSTRAP_ADMIN_USERNAME", "BOOTSTRAP_ADMIN_EMAIL", "BOOTSTRAP_ADMIN_PASSWORD")) {
            if (overrides.containsKey(name) || System.getenv(name) != null) {
                final Env env = Env.system().with(overrides);
                return new AdminLogin(env.string("BOOTSTRAP_ADMIN_USERNAME", ""), env.string("BOOTSTRAP_ADMIN_EMAIL", ""),
                                      "", false);
            }
        }
        return new AdminLogin(ADMIN_USERNAME, ADMIN_EMAIL, secrets.getProperty("BOOTSTRAP_ADMIN_PASSWORD"), true);
    }

    private static String serviceSecret(Properties secrets, String service) {
        return secrets.getProperty("SERVICE_SECRET_" + service.toUpperCase(Locale.ROOT).replace('-', '_'));
    }

    /** Auth's SERVICE_ACCOUNTS settings for {@link #SERVICE_ACCOUNTS}, with the SHA-256 of each one's local secret. */
    private static Map<String, String> serviceAccounts(Properties secrets) {
        final Map<String, String> settings = new HashMap<>();
        settings.put("SERVICE_ACCOUNTS", String.join(",", new TreeSet<>(SERVICE_ACCOUNTS.keySet())));
        SERVICE_ACCOUNTS.forEach((service, permissions) -> {
            final String prefix = "SERVICE_ACCOUNT_" + service.toUpperCase(Locale.ROOT).replace('-', '_');
            settings.put(prefix + "_SECRET_SHA256", sha256(serviceSecret(secrets, service)));
            settings.put(prefix + "_PERMISSIONS", permissions);
        });
        return settings;
    }

    private static String sha256(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The port of each service: fixed from basePort, or free ones found up front when basePort is 0. */
    private static Map<String, Integer> ports(int basePort) {
        final Map<String, Integer> ports = new LinkedHashMap<>();
        if (basePort > 0) {
            for (int i = 0; i < BACKENDS.size(); i++) {
                ports.put(BACKENDS.get(i), basePort + 1 + i);
            }
            ports.put("gateway", basePort);
            return ports;
        }
        // hold every socket until all are bound, so no port is handed out twice
        final List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (String name : BACKENDS) {
                sockets.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
                ports.put(name, sockets.get(sockets.size() - 1).getLocalPort());
            }
            sockets.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
            ports.put("gateway", sockets.get(sockets.size() - 1).getLocalPort());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot find free ports for the services: " + e.getMessage(), e);
        } finally {
            for (ServerSocket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException e) {
                    // it was only a probe
                }
            }
        }
        return ports;
    }

    private static SextantServer newServer(String name, Env env) {
        final Function<Env, SextantServer> factory = switch (name) {
            case "auth" -> e -> AuthServer.newServer(AuthConfig.read(e));
            case "users" -> e -> UsersServer.newServer(UsersServer.readConfig(e));
            case "notification" -> e -> NotificationServer.newServer(NotificationServer.readConfig(e));
            case "storage" -> e -> StorageServer.newServer(StorageServer.readConfig(e));
            case "monitoring" -> e -> MonitoringServer.SERVICE.newServer(MonitoringServer.SERVICE.readConfig(e));
            default -> throw new IllegalArgumentException(name);
        };
        return factory.apply(env);
    }

    /**
     * Completes, with its process id, when the embedded PostgreSQL ends while the mesh runs (killed,
     * crashed, stopped by hand): the services can then only answer errors. Never completes for a
     * mesh that {@link #close() closes} normally.
     */
    public CompletableFuture<Long> postgresLost() {
        return postgresLost;
    }

    /** The embedded PostgreSQL's process id. */
    public long postgresPid() {
        return postgres.pid();
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

    /** Starts a stopped backend again, on its port, with its settings and its data. */
    public void restart(String service) {
        if (servers.containsKey(service)) {
            throw new IllegalStateException(service + " is running");
        }
        final Env env = settings.get(service);
        if (env == null) {
            throw new IllegalArgumentException("no backend called " + service + "; expected one of " + BACKENDS);
        }
        servers.put(service, newServer(service, env).start());
    }

    /** The gateway's management port, which serves its {@code GET /metrics}. */
    public int gatewayMetricsPort() {
        return servers.get("gateway").metricsPort();
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
        closing = true;
        final SextantServer gateway = servers.remove("gateway");
        if (gateway != null) {
            gateway.close();
        }
        servers.values().parallelStream().forEach(SextantServer::close);
        servers.clear();
        if (mail != null) {
            mail.close();
        }
        try {
            postgres.close();
        } finally {
            if (lock != null) {
                lock.close();
            }
        }
    }

    /**
     * Secrets that {@code local/} generates once and keeps beside its data (outside {@code local/}
     * no secret has a default): the key that encrypts auth's signing keys, the password of the
     * local administrator, and the services' own secrets ({@link #SERVICE_ACCOUNTS}). The file is
     * the owner's alone (0600) from the moment it exists: written beside and moved into place.
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
            final SecureRandom random = new SecureRandom();
            boolean changed = false;
            if (secrets.getProperty("AUTH_KEY_ENCRYPTION_KEY") == null) {
                final byte[] key = new byte[32];
                random.nextBytes(key);
                secrets.setProperty("AUTH_KEY_ENCRYPTION_KEY", Base64.getEncoder().encodeToString(key));
                changed = true;
            }
            if (secrets.getProperty("BOOTSTRAP_ADMIN_PASSWORD") == null) {
                final byte[] password = new byte[18];
                random.nextBytes(password);
                secrets.setProperty("BOOTSTRAP_ADMIN_PASSWORD", Base64.getUrlEncoder().withoutPadding().encodeToString(password));
                changed = true;
            }
            for (String service : SERVICE_ACCOUNTS.keySet()) {
                if (serviceSecret(secrets, service) == null) {
                    final byte[] secret = new byte[32];
                    random.nextBytes(secret);
                    secrets.setProperty("SERVICE_SECRET_" + service.toUpperCase(Locale.ROOT).replace('-', '_'),
                                        "sxs_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
                    changed = true;
                }
            }
            if (changed) {
                final Path written = dataDirectory.resolve("secrets.properties.new");
                Files.deleteIfExists(written);
                try {
                    Files.createFile(written, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                } catch (UnsupportedOperationException e) {
                    // not a POSIX file system (Windows): the user's profile directory protects it
                    Files.createFile(written);
                }
                try (OutputStream out = Files.newOutputStream(written)) {
                    secrets.store(out, "Generated by sextant up for this machine only. Do not reuse elsewhere."
                                       + " BOOTSTRAP_ADMIN_PASSWORD is the password of the user 'admin';"
                                       + " SERVICE_SECRET_<NAME> the secret a service exchanges at auth for its token.");
                }
                Files.move(written, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
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
            throw new IllegalStateException("Port " + port + " is already in use by another program. Sextant needs ports "
                                            + basePort + "-" + (basePort + BACKENDS.size()) + " and " + (basePort + METRICS_PORT_OFFSET)
                                            + ": stop that program, or set SEXTANT_PORT to another base port (e.g. SEXTANT_PORT="
                                            + (basePort + 10000 <= 55000 ? basePort + 10000 : 20000) + ").");
        }
    }

}
