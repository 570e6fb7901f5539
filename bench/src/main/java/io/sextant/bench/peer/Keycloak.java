package io.sextant.bench.peer;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Keycloak, the reference the mesh's auth paths are compared with, started by the benchmark in the
 * same run: {@code kc.sh start-dev} of the distribution from Maven Central on 127.0.0.1, with a
 * database of its own per run, then a realm {@code bench} with a public client {@code bench} (direct
 * access grants on) and one user, all through the admin REST API. Everything else is Keycloak's
 * default, JVM options included ({@code kc.sh} sets {@code -Xms64m -Xmx512m} and G1 outside a
 * container): refresh tokens are not rotated, and passwords are hashed as Keycloak chooses, which
 * {@link #passwordHashing()} reads back from the stored credential rather than assuming.
 *
 * <p>Dev mode, because that is the documented way to run Keycloak without TLS and an external
 * database; it caches nothing less than production mode does for these grants, and its embedded H2
 * is written only on login (sessions live in Infinispan).
 */
public final class Keycloak implements AutoCloseable {

    /** Java 21+ is required; Temurin 25 is installed beside the project's JDK 17 on its machines. */
    static final Path DEFAULT_JAVA_HOME = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64");
    /** A cold start on 2 busy cores took 162 s, most of it Quarkus' first augmentation. */
    private static final Duration START_TIMEOUT = Duration.ofMinutes(10);
    private static final String REALM = "bench";
    private static final String CLIENT = "bench";
    private static final String USERNAME = "bench";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    /** An access and a refresh token of the bench user. */
    public record Tokens(String accessToken, String refreshToken) {
    }

    private final Process process;
    private final Thread exitHook;
    private final Path runDir;
    private final String base;
    private final String password;
    private final HttpClient http;
    private final Duration startTime;
    private String version = "unknown";
    private String passwordHashing = "unknown";

    private Keycloak(Process process, Thread exitHook, Path runDir, String base, String password,
                     HttpClient http, Duration startTime) {
        this.process = process;
        this.exitHook = exitHook;
        this.runDir = runDir;
        this.base = base;
        this.password = password;
        this.http = http;
        this.startTime = startTime;
    }

    /**
     * Installs the distribution in {@code cacheDir} if missing (see {@link KeycloakDistribution}),
     * starts it on {@code 127.0.0.1:httpPort} with Java from {@code KEYCLOAK_JAVA_HOME} (else
     * {@link #DEFAULT_JAVA_HOME}), waits until it serves its master realm, and sets up the bench
     * realm, client and user. Its log goes to {@code cacheDir/runs/<run>/keycloak.log}.
     */
    public static Keycloak start(Path cacheDir, int httpPort) throws Exception {
        final Path home = KeycloakDistribution.install(cacheDir);
        final Path javaHome = Optional.ofNullable(System.getenv("KEYCLOAK_JAVA_HOME")).map(Path::of)
                                      .orElse(DEFAULT_JAVA_HOME);
        if (!Files.isExecutable(javaHome.resolve("bin/java"))) {
            throw new IllegalStateException("Keycloak needs Java 21+: no " + javaHome.resolve("bin/java")
                                             + " (set KEYCLOAK_JAVA_HOME)");
        }
        final Path runDir = Files.createDirectories(cacheDir.resolve("runs"))
                                 .resolve("run-" + Instant.now().toEpochMilli() + "-" + httpPort);
        Files.createDirectories(runDir);
        final Path log = runDir.resolve("keycloak.log");
        final String adminPassword = secret();
        final ProcessBuilder builder = new ProcessBuilder(
                "/bin/sh", home.resolve("bin/kc.sh").toString(), "start-dev",
                "--http-host=127.0.0.1", "--http-port=" + httpPort,
                // the dev-file database of kc.sh's default URL, but in this run's directory
                "--db-url=jdbc:h2:file:" + runDir.resolve("h2/keycloakdb") + ";NON_KEYWORDS=VALUE")
                .directory(runDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        final Map<String, String> env = builder.environment();
        // Keycloak's defaults, not whatever the calling shell carries
        env.keySet().removeIf(name -> name.startsWith("KC_") || name.startsWith("JAVA_OPTS")
                                      || name.equals("JAVA") || name.equals("JAVA_ADD_OPENS")
                                      || name.equals("KEYCLOAK_ADMIN") || name.equals("KEYCLOAK_ADMIN_PASSWORD"));
        env.put("JAVA_HOME", javaHome.toString());
        env.put("KC_BOOTSTRAP_ADMIN_USERNAME", "admin");
        env.put("KC_BOOTSTRAP_ADMIN_PASSWORD", adminPassword);

        final long started = System.nanoTime();
        final Process process = builder.start();
        final Thread exitHook = ChildProcess.stopOnExit(process, "keycloak");
        try {
            final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                                              .version(HttpClient.Version.HTTP_1_1).build();
            final String base = "http://127.0.0.1:" + httpPort;
            awaitReady(process, http, base, log);
            final Keycloak keycloak = new Keycloak(process, exitHook, runDir, base, secret(), http,
                                                   Duration.ofNanos(System.nanoTime() - started));
            keycloak.setUp(adminPassword);
            return keycloak;
        } catch (Exception | Error e) {
            ChildProcess.stop(process, exitHook);
            throw e;
        }
    }

    public String tokenUrl() {
        return base + "/realms/" + REALM + "/protocol/openid-connect/token";
    }

    public String userinfoUrl() {
        return base + "/realms/" + REALM + "/protocol/openid-connect/userinfo";
    }

    /**
     * A password grant of the bench user, form-encoded. Scope {@code openid}: without it Keycloak's
     * userinfo answers 403 to the token (it is an OpenID Connect endpoint).
     */
    public String passwordGrantBody() {
        return form(Map.of("grant_type", "password", "client_id", CLIENT, "username", USERNAME,
                           "password", password, "scope", "openid"));
    }

    /** A refresh grant, form-encoded; with rotation off (the default) the same token serves again and again. */
    public String refreshGrantBody(String refreshToken) {
        return form(Map.of("grant_type", "refresh_token", "client_id", CLIENT, "refresh_token", refreshToken));
    }

    /** A password grant: one Argon2 hash on Keycloak's side, and a session. */
    public Tokens login() throws IOException, InterruptedException {
        final JsonNode body = send(HttpRequest.newBuilder(URI.create(tokenUrl()))
                                              .header("content-type", "application/x-www-form-urlencoded")
                                              .POST(HttpRequest.BodyPublishers.ofString(passwordGrantBody())), 200);
        return new Tokens(text(body, "access_token"), text(body, "refresh_token"));
    }

    /** How the server hashed the bench user's password, read from the stored credential: e.g. "argon2id m=7168 KiB t=5 p=1". */
    public String passwordHashing() {
        return passwordHashing;
    }

    /** The Keycloak JVM (not the {@code kc.sh} shell around it), for its CPU time and RSS. */
    public long pid() {
        final ProcessHandle root = process.toHandle();
        if (isJava(root)) {
            return root.pid(); // kc.sh re-executed itself as the JVM after a first build
        }
        return root.descendants().filter(Keycloak::isJava).mapToLong(ProcessHandle::pid).findFirst()
                   .orElseThrow(() -> new IllegalStateException("Keycloak's JVM is not running"));
    }

    /** The server's own version, from its admin API. */
    public String version() {
        return version;
    }

    /** From starting {@code kc.sh} to the master realm answering (the bench realm's set-up excluded). */
    public Duration startTime() {
        return startTime;
    }

    public Path log() {
        return runDir.resolve("keycloak.log");
    }

    /**
     * Pauses Keycloak (SIGSTOP to its JVM and shell) while sections that do not measure it run, so
     * that its idle CPU does not weigh on them; {@code false} resumes it.
     */
    public void pause(boolean paused) {
        ChildProcess.pause(process, paused);
    }

    /** Stops the JVM and its shell, and deletes this run's database (the log stays). */
    @Override
    public void close() {
        ChildProcess.stop(process, exitHook);
        try {
            Directories.deleteTree(runDir.resolve("h2"));
        } catch (IOException e) {
            // a database left in the cache costs disk, not correctness: the next run has its own
        }
    }

    private static void awaitReady(Process process, HttpClient http, String base, Path log) throws Exception {
        final long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        final HttpRequest probe = HttpRequest.newBuilder(URI.create(base + "/realms/master"))
                                             .timeout(Duration.ofSeconds(5)).build();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Keycloak exited with " + process.exitValue() + " while starting; "
                                                + log + " ends with:\n" + ChildProcess.tail(log, 30));
            }
            try {
                if (http.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("Keycloak did not serve its master realm within " + START_TIMEOUT
                                        + "; " + log + " ends with:\n" + ChildProcess.tail(log, 30));
    }

    /** The realm, client and user, then what the server reports of itself and of the user's password. */
    private void setUp(String adminPassword) throws IOException, InterruptedException {
        final JsonNode admin = send(HttpRequest.newBuilder(URI.create(base + "/realms/master/protocol/openid-connect/token"))
                                               .header("content-type", "application/x-www-form-urlencoded")
                                               .POST(HttpRequest.BodyPublishers.ofString(form(Map.of(
                                                       "grant_type", "password", "client_id", "admin-cli",
                                                       "username", "admin", "password", adminPassword)))), 200);
        final String bearer = "Bearer " + text(admin, "access_token");
        post(bearer, "/admin/realms", Map.of("realm", REALM, "enabled", true));
        post(bearer, "/admin/realms/" + REALM + "/clients",
             Map.of("clientId", CLIENT, "publicClient", true, "directAccessGrantsEnabled", true,
                    "standardFlowEnabled", false));
        final Map<String, Object> user = new LinkedHashMap<>();
        user.put("username", USERNAME);
        user.put("email", USERNAME + "@bench.example.com");
        user.put("emailVerified", true);
        user.put("firstName", "Bench");
        user.put("lastName", "User");
        user.put("enabled", true);
        user.put("credentials", new Object[] {Map.of("type", "password", "value", password, "temporary", false)});
        final String location = post(bearer, "/admin/realms/" + REALM + "/users", user);
        final String userId = location.substring(location.lastIndexOf('/') + 1);

        final JsonNode credentials = send(HttpRequest.newBuilder(URI.create(
                base + "/admin/realms/" + REALM + "/users/" + userId + "/credentials"))
                                                     .header("authorization", bearer).GET(), 200);
        passwordHashing = describeHashing(credentials);
        final JsonNode info = send(HttpRequest.newBuilder(URI.create(base + "/admin/serverinfo"))
                                              .header("authorization", bearer).GET(), 200);
        version = info.path("systemInfo").path("version").asText("unknown");
    }

    /**
     * "argon2id m=7168 KiB t=5 p=1" from a password credential's {@code credentialData}
     * ({@code {"hashIterations":5,"algorithm":"argon2","additionalParameters":{"type":["id"],"memory":["7168"],...}}});
     * for other algorithms (pbkdf2-sha512, ...) the name and iterations.
     */
    static String describeHashing(JsonNode credentials) throws IOException {
        for (JsonNode credential : credentials) {
            if (!"password".equals(credential.path("type").asText())) {
                continue;
            }
            final JsonNode data = JSON.readTree(credential.path("credentialData").asText("{}"));
            final String algorithm = data.path("algorithm").asText("unknown");
            final JsonNode parameters = data.path("additionalParameters");
            final int iterations = data.path("hashIterations").asInt(-1);
            if (algorithm.equals("argon2")) {
                return "argon2" + first(parameters, "type").orElse("") + " m=" + first(parameters, "memory").orElse("?")
                       + " KiB t=" + iterations + " p=" + first(parameters, "parallelism").orElse("?");
            }
            return algorithm + " iterations=" + iterations
                   + (parameters.isEmpty() ? "" : " " + parameters);
        }
        throw new IllegalStateException("the bench user has no password credential: " + credentials);
    }

    private static Optional<String> first(JsonNode parameters, String name) {
        final JsonNode values = parameters.path(name);
        return values.isArray() && !values.isEmpty() ? Optional.of(values.get(0).asText()) : Optional.empty();
    }

    /** POSTs JSON, expects 201 Created, returns the Location of what was created. */
    private String post(String bearer, String path, Object body) throws IOException, InterruptedException {
        final HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                           .header("authorization", bearer).header("content-type", "application/json")
                           .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 201) {
            throw new IllegalStateException("POST " + path + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.headers().firstValue("location").orElse("");
    }

    private JsonNode send(HttpRequest.Builder request, int expected) throws IOException, InterruptedException {
        final HttpRequest built = request.timeout(Duration.ofSeconds(60)).build();
        final HttpResponse<String> response = http.send(built, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != expected) {
            throw new IllegalStateException(built.method() + " " + built.uri() + " answered "
                                            + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }

    private static String text(JsonNode node, String field) {
        final String value = node.path(field).asText("");
        if (value.isEmpty()) {
            throw new IllegalStateException("no " + field + " in " + node);
        }
        return value;
    }

    static String form(Map<String, String> fields) {
        return fields.entrySet().stream().sorted(Map.Entry.comparingByKey())
                     .map(field -> encode(field.getKey()) + "=" + encode(field.getValue()))
                     .collect(Collectors.joining("&"));
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static boolean isJava(ProcessHandle handle) {
        return handle.info().command().map(command -> command.endsWith("/java")).orElse(false);
    }

    private static String secret() {
        final byte[] bytes = new byte[12];
        RANDOM.nextBytes(bytes);
        return "bench-" + HexFormat.of().formatHex(bytes);
    }
}
