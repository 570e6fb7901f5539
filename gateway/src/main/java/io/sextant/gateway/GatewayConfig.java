package io.sextant.gateway;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import io.sextant.platform.config.Env;
import io.sextant.platform.config.ServiceConfig;

/**
 * The gateway's settings: the common ones of {@link ServiceConfig} (PORT defaults to 8000) and
 *
 * <table>
 *   <tr><td>AUTH_TARGET, USERS_TARGET, NOTIFICATION_TARGET, STORAGE_TARGET, MONITORING_TARGET</td>
 *       <td>{@code host:port[,host:port]} of each service; defaults localhost:8001 to localhost:8005</td></tr>
 *   <tr><td>BACKEND_DEADLINE</td><td>the deadline of every forwarded unary call (10s)</td></tr>
 *   <tr><td>HEALTH_TIMEOUT</td><td>how long {@code GET /health} waits for each service (1s)</td></tr>
 * </table>
 *
 * and the edge's settings ({@link EdgeConfig}: rate limits, CORS, size limits, TLS).
 *
 * @param targets the target of each {@link Backend}, by name
 */
public record GatewayConfig(ServiceConfig service, Map<String, String> targets, Duration backendDeadline,
                            Duration healthTimeout, EdgeConfig edge) {

    public GatewayConfig {
        targets = Collections.unmodifiableMap(new LinkedHashMap<>(targets));
    }

    /** Reads and checks the settings; a wrong one is a {@link io.sextant.platform.config.ConfigException} naming it. */
    public static GatewayConfig read(Env env) {
        // the gateway is the edge: it believes no X-Forwarded-For unless told which proxies are in front of it
        final ServiceConfig service = ServiceConfig.read("gateway", 8000, "", env);
        final Map<String, String> targets = new LinkedHashMap<>();
        for (Backend backend : Backend.ALL) {
            final String variable = backend.targetVariable();
            final String target = env.string(variable, "localhost:" + backend.defaultPort());
            if (!variable.equals("AUTH_TARGET")) { // ServiceConfig.read has checked that one
                ServiceConfig.checkHostPort(env, variable, target);
            }
            targets.put(backend.name(), target);
        }
        final Duration backendDeadline = positive(env, "BACKEND_DEADLINE", Duration.ofSeconds(10));
        final Duration healthTimeout = positive(env, "HEALTH_TIMEOUT", Duration.ofSeconds(1));
        final EdgeConfig edge = EdgeConfig.read(env);
        env.check();
        return new GatewayConfig(service, targets, backendDeadline, healthTimeout, edge);
    }

    /** The {@code host:port[,host:port]} of the backend. */
    public String target(Backend backend) {
        return targets.get(backend.name());
    }

    private static Duration positive(Env env, String name, Duration defaultValue) {
        final Duration value = env.duration(name, defaultValue);
        if (value.isZero()) {
            env.problem(name, "must be longer than 0");
            return defaultValue;
        }
        return value;
    }
}
