package io.sextant.gateway.edge;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.sextant.platform.config.Env;
import io.sextant.platform.config.HeapBudget;
import io.sextant.platform.db.DbConfig;
import io.sextant.platform.grpc.GrpcLimits;
import io.sextant.platform.limits.RateLimit;

/**
 * What the gateway does at the edge, before a call goes to a backend:
 *
 * <table>
 *   <tr><td>RATE_LIMIT_USER</td><td>every route but the AUTH group, per user (else per client address):
 *       {@code <count>/<period>} or {@code off}; 600/1m</td></tr>
 *   <tr><td>RATE_LIMIT_AUTH</td><td>register, login, password reset, API key exchange, per client
 *       address; 10/1m</td></tr>
 *   <tr><td>RATE_LIMIT_STORE</td><td>{@code memory} (each replica on its own) or {@code postgres}
 *       (shared through RATE_LIMIT_DB_URL, _USER, _PASSWORD); memory</td></tr>
 *   <tr><td>CORS_ALLOWED_ORIGINS</td><td>origins browsers may call from, comma-separated; a {@code *}
 *       port matches any port ({@code http://localhost:*}); none by default</td></tr>
 *   <tr><td>MAX_REQUEST_BODY</td><td>bytes of a request body (413 above); 16 MiB</td></tr>
 *   <tr><td>MAX_HEADER_SIZE</td><td>bytes of the request headers (431 above); 16 KiB</td></tr>
 *   <tr><td>MAX_REQUESTS_IN_FLIGHT</td><td>requests the gateway holds at once; past it, 503
 *       GATEWAY_OVERLOADED with Retry-After at once ({@link RequestsInFlight}); the heap's maximum / 512 KiB
 *       (512 with the 256 MiB of {@code ./sextant up}), within 64-10,000</td></tr>
 *   <tr><td>TLS_CERT_FILE, TLS_KEY_FILE</td><td>a PEM certificate chain and its PKCS#8 key: then
 *       :PORT serves HTTPS (and HTTP/2 over TLS) only, with Strict-Transport-Security</td></tr>
 * </table>
 *
 * @param rateLimits    the limit of each route group that has one
 * @param rateLimitDb   the database of shared rate limits; null to keep them in memory
 */
public record EdgeConfig(Map<RouteGroup, RateLimit> rateLimits, DbConfig rateLimitDb, List<String> corsOrigins,
                         int maxRequestBody, int maxHeaderSize, int maxRequestsInFlight, Path tlsCertificate,
                         Path tlsKey) {

    /**
     * The heap a request in flight is allowed in the default of MAX_REQUESTS_IN_FLIGHT: a quarter of the heap
     * for them all (a request holds its server and client contexts, in the gateway and at the backend, about
     * 128 KiB together), so that the connections, the caches and the backends' own work keep the rest.
     */
    static final long DEFAULT_REQUEST_HEAP_BYTES = 512 * 1024;

    public EdgeConfig {
        rateLimits = Collections.unmodifiableMap(rateLimits.isEmpty() ? Map.of() : new EnumMap<>(rateLimits));
        corsOrigins = List.copyOf(corsOrigins);
    }

    public static EdgeConfig read(Env env) {
        final Map<RouteGroup, RateLimit> limits = new EnumMap<>(RouteGroup.class);
        final RateLimit user = RateLimit.read(env, "RATE_LIMIT_USER", "600/1m");
        if (user != null) {
            limits.put(RouteGroup.API, user);
        }
        final RateLimit auth = RateLimit.read(env, "RATE_LIMIT_AUTH", "10/1m");
        if (auth != null) {
            limits.put(RouteGroup.AUTH, auth);
        }
        DbConfig db = null;
        final String store = env.string("RATE_LIMIT_STORE", "memory").toLowerCase(Locale.ROOT);
        switch (store) {
            case "memory" -> { }
            case "postgres" -> db = new DbConfig(
                    env.required("RATE_LIMIT_DB_URL", "RATE_LIMIT_STORE=postgres keeps the limits in this database"
                                                      + " (jdbc:postgresql://host:5432/db)"),
                    env.string("RATE_LIMIT_DB_USER", "sextant"), env.string("RATE_LIMIT_DB_PASSWORD", ""),
                    env.integer("RATE_LIMIT_DB_POOL_SIZE", 8, 1, 100));
            default -> env.problem("RATE_LIMIT_STORE", "is '" + store + "'; expected memory or postgres");
        }
        final List<String> origins = new ArrayList<>();
        for (String origin : env.string("CORS_ALLOWED_ORIGINS", "").split(",")) {
            final String trimmed = origin.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            if (!trimmed.matches("https?://[^/?#*]+(:(\\d+|\\*))?")) {
                env.problem("CORS_ALLOWED_ORIGINS", "has '" + trimmed + "'; expected origins such as"
                                                    + " https://app.example.com or http://localhost:*");
            }
            origins.add(trimmed);
        }
        final int maxBody = env.integer("MAX_REQUEST_BODY", GrpcLimits.MAX_MESSAGE_BYTES, 1024, Integer.MAX_VALUE);
        final int maxHeaders = env.integer("MAX_HEADER_SIZE", 16 * 1024, 1024, 1024 * 1024);
        // a request holds a server and a client context, its headers, body and answer until it ends
        final int inFlight = env.integer("MAX_REQUESTS_IN_FLIGHT",
                                         HeapBudget.share(DEFAULT_REQUEST_HEAP_BYTES, 64, 10_000), 1, 1_000_000);
        final Path cert = file(env, "TLS_CERT_FILE");
        final Path key = file(env, "TLS_KEY_FILE");
        if ((cert == null) != (key == null)) {
            env.problem(cert == null ? "TLS_CERT_FILE" : "TLS_KEY_FILE",
                        "is not set, but " + (cert == null ? "TLS_KEY_FILE" : "TLS_CERT_FILE")
                        + " is: TLS needs both the certificate and its key");
        }
        return new EdgeConfig(limits, db, origins, maxBody, maxHeaders, inFlight, cert, key);
    }

    private static Path file(Env env, String name) {
        final String value = env.raw(name);
        if (value == null) {
            return null;
        }
        final Path path = Path.of(value);
        if (!Files.isReadable(path)) {
            env.problem(name, "is '" + value + "', which is not a readable file");
        }
        return path;
    }

    /** Whether :PORT serves TLS. */
    public boolean tls() {
        return tlsCertificate != null && tlsKey != null;
    }
}
