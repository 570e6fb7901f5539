package io.sextant.platform.config;

import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;

import com.google.common.net.InetAddresses;

import io.sextant.platform.db.DbConfig;

/**
 * What every service reads from its environment. A service adds its own settings by reading the
 * same {@link Env} before calling {@link Env#check()}.
 *
 * <table>
 *   <tr><td>PORT</td><td>the one port for gRPC, health, docs and (unless METRICS_PORT says otherwise) metrics</td></tr>
 *   <tr><td>BIND_ADDRESS</td><td>the IP address to listen on (127.0.0.1: this machine only); default every interface,
 *       where a cluster's sidecar and the pod network reach the service</td></tr>
 *   <tr><td>METRICS_PORT</td><td>the management port that serves {@code GET /metrics} instead of PORT
 *       (0: any free port); unset: metrics on PORT, except for the gateway, whose PORT is public and whose
 *       metrics are on 9000 by default</td></tr>
 *   <tr><td>METRICS_ADDRESS</td><td>the IP address the management port binds to; 127.0.0.1 (set 0.0.0.0
 *       for a Prometheus outside the host or pod)</td></tr>
 *   <tr><td>DB_URL, DB_USER, DB_PASSWORD, DB_POOL_SIZE</td><td>the service's own PostgreSQL database</td></tr>
 *   <tr><td>AUTH_TARGET</td><td>where the auth service is (JWKS and revocations): {@code host:port},
 *       {@code host:port,host:port,...} or {@code dns:///host:port} ({@link Targets})</td></tr>
 *   <tr><td>SHUTDOWN_GRACE</td><td>how long in-flight calls may finish on shutdown</td></tr>
 *   <tr><td>TRUSTED_PROXIES</td><td>CIDRs whose X-Forwarded-For is believed; default none (the peer is the client)</td></tr>
 *   <tr><td>OTEL_EXPORTER_OTLP_ENDPOINT</td><td>where spans go, if anywhere</td></tr>
 * </table>
 */
public record CommonConfig(
        String serviceName,
        int port,
        InetAddress bindAddress,
        DbConfig db,
        String authTarget,
        Duration shutdownGrace,
        String trustedProxies,
        URI otlpEndpoint,
        int metricsPort,
        String metricsAddress,
        Env env) {

    /** {@link #metricsPort()} when {@code GET /metrics} is served on PORT, beside the API. */
    public static final int METRICS_ON_SERVICE_PORT = -1;

    /**
     * Reads the common settings of the named service; the default port is the service's own, and
     * TRUSTED_PROXIES defaults to nobody: anyone who can reach a service directly could otherwise
     * write any client address into X-Forwarded-For and so rotate past the per-address limits.
     * Where a proxy (the gateway) calls the service, its address is configured.
     */
    public static CommonConfig read(String serviceName, int defaultPort, Env env) {
        return read(serviceName, defaultPort, "", env);
    }

    /** As {@link #read(String, int, Env)}, with another default for TRUSTED_PROXIES ("" trusts nobody). */
    public static CommonConfig read(String serviceName, int defaultPort, String defaultTrustedProxies, Env env) {
        return read(serviceName, defaultPort, defaultTrustedProxies, METRICS_ON_SERVICE_PORT, env);
    }

    /**
     * As {@link #read(String, int, String, Env)}, with a default for METRICS_PORT: a service whose PORT
     * is public (the gateway) keeps its metrics on a management port of their own.
     */
    public static CommonConfig read(String serviceName, int defaultPort, String defaultTrustedProxies,
                                     int defaultMetricsPort, Env env) {
        final int port = env.port("PORT", defaultPort);
        final String bind = env.string("BIND_ADDRESS", "");
        InetAddress bindAddress = null;
        if (!bind.isEmpty()) {
            if (InetAddresses.isInetAddress(bind)) {
                bindAddress = InetAddresses.forString(bind);
            } else {
                env.problem("BIND_ADDRESS", "has '" + bind + "', which is not an IP address such as 127.0.0.1 or ::1");
            }
        }
        final int metricsPort = env.port("METRICS_PORT", defaultMetricsPort);
        if (metricsPort > 0 && metricsPort == port) {
            env.problem("METRICS_PORT", "is " + metricsPort + (env.raw("METRICS_PORT") == null ? " (its default)" : "")
                                        + ", the same as PORT: set METRICS_PORT to a port of its own");
        }
        final String metricsAddress = env.string("METRICS_ADDRESS", "127.0.0.1");
        if (!isIpAddress(metricsAddress)) {
            env.problem("METRICS_ADDRESS", "is '" + metricsAddress + "', which is not an IP address such as 127.0.0.1,"
                                           + " ::1 or 0.0.0.0");
        }
        final String defaultDb = "sextant_" + serviceName.toLowerCase(Locale.ROOT);
        final DbConfig db = new DbConfig(
                env.string("DB_URL", "jdbc:postgresql://localhost:5432/" + defaultDb),
                env.string("DB_USER", defaultDb),
                env.string("DB_PASSWORD", ""),
                env.integer("DB_POOL_SIZE", 10, 1, 200));
        if (!db.url().startsWith("jdbc:postgresql:")) {
            env.problem("DB_URL", "must be a PostgreSQL JDBC URL (jdbc:postgresql://host:port/database), was '"
                                  + db.url() + "'");
        }
        final String authTarget = env.string("AUTH_TARGET", "localhost:8001");
        Targets.check(env, "AUTH_TARGET", authTarget);
        final Duration grace = env.duration("SHUTDOWN_GRACE", Duration.ofSeconds(10));
        final String trusted = env.string("TRUSTED_PROXIES", defaultTrustedProxies);
        for (String cidr : trusted.split(",")) {
            if (!cidr.isBlank() && !isCidr(cidr.trim())) {
                env.problem("TRUSTED_PROXIES", "has '" + cidr.trim() + "', which is not a CIDR such as 10.0.0.0/8");
            }
        }
        final URI otlp = env.uri("OTEL_EXPORTER_OTLP_ENDPOINT", null);
        return new CommonConfig(serviceName, port, bindAddress, db, authTarget, grace, trusted, otlp, metricsPort,
                                 metricsAddress, env);
    }

    /** An IPv4 or IPv6 literal (never a name: checking it must not resolve anything). */
    private static boolean isIpAddress(String text) {
        if (!text.matches("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*")) {
            return false;
        }
        try {
            InetAddress.getByName(text);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private static boolean isCidr(String cidr) {
        final int slash = cidr.indexOf('/');
        if (slash < 0) {
            return false;
        }
        try {
            final InetAddress address = InetAddress.getByName(cidr.substring(0, slash));
            final int bits = Integer.parseInt(cidr.substring(slash + 1));
            return bits >= 0 && bits <= address.getAddress().length * 8;
        } catch (Exception e) {
            return false;
        }
    }
}
