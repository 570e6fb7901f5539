package io.sextant.gateway;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.sextant.gateway.backends.Backend;
import io.sextant.gateway.edge.EdgeConfig;
import io.sextant.gateway.streaming.StreamConfig;
import io.sextant.platform.config.Env;
import io.sextant.platform.config.CommonConfig;
import io.sextant.platform.config.Targets;
import io.sextant.platform.grpc.ConcurrencyLimit;
import io.sextant.platform.grpc.TargetEndpoints;

/**
 * The gateway's settings: the common ones of {@link CommonConfig} (PORT defaults to 8000; METRICS_PORT,
 * the management port of {@code GET /metrics}, to 9000 on METRICS_ADDRESS 127.0.0.1: :PORT is public) and
 *
 * <table>
 *   <tr><td>AUTH_TARGET, USERS_TARGET, NOTIFICATION_TARGET, STORAGE_TARGET, MONITORING_TARGET</td>
 *       <td>where each service is: {@code host:port}, {@code host:port,host:port,...} or
 *       {@code dns:///host:port} ({@link TargetEndpoints}); defaults localhost:8001 to localhost:8005</td></tr>
 *   <tr><td>BACKEND_DEADLINE</td><td>the deadline of every forwarded unary call (10s)</td></tr>
 *   <tr><td>AUTH_DEADLINE, USERS_DEADLINE, ...</td><td>the deadline of one service's unary calls
 *       (BACKEND_DEADLINE)</td></tr>
 *   <tr><td>RETRY_MAX_ATTEMPTS</td><td>attempts a retried call may take in all (3; 1 turns retries off)</td></tr>
 *   <tr><td>CIRCUIT_BREAKER_FAILURES</td><td>calls to a service failing in a row that open its breaker (5)</td></tr>
 *   <tr><td>CIRCUIT_BREAKER_OPEN_FOR</td><td>how long an open breaker turns calls away before a trial (10s)</td></tr>
 *   <tr><td>BACKEND_CONCURRENCY_MAX</td><td>the most unary calls in flight to one service (1000); one
 *       more is answered 503 BACKEND_OVERLOADED with a Retry-After at once</td></tr>
 *   <tr><td>BACKEND_CONCURRENCY_MIN</td><td>the least the adaptive bound falls to while the service's
 *       latency grows (64; equal to the max: a fixed bound)</td></tr>
 *   <tr><td>HEALTH_TIMEOUT</td><td>how long {@code GET /health} waits for each service (1s)</td></tr>
 * </table>
 *
 * and the edge's settings ({@link EdgeConfig}: rate limits, CORS, size limits, TLS) and those of
 * server streams over HTTP ({@link StreamConfig}: heartbeat, streams per client, lifetime).
 *
 * @param backends  the services behind the gateway ({@link Backend#ALL}; tests add their own)
 * @param targets   the target of each {@link Backend}, by name
 * @param deadlines the deadline of each {@link Backend}'s unary calls, by name
 */
public record GatewayConfig(CommonConfig service, List<Backend> backends, Map<String, String> targets,
                            Duration backendDeadline, Map<String, Duration> deadlines, int retryAttempts,
                            int circuitBreakerFailures, Duration circuitBreakerOpenFor,
                            ConcurrencyLimit backendConcurrency, Duration healthTimeout, EdgeConfig edge,
                            StreamConfig streams) {

    /** The management port of the gateway's {@code GET /metrics}: not 8000-8005, where the mesh is. */
    public static final int DEFAULT_METRICS_PORT = 9000;

    public GatewayConfig {
        backends = List.copyOf(backends);
        targets = Collections.unmodifiableMap(new LinkedHashMap<>(targets));
        deadlines = Collections.unmodifiableMap(new LinkedHashMap<>(deadlines));
    }

    /** Reads and checks the settings; a wrong one is a {@link io.sextant.platform.config.ConfigException} naming it. */
    public static GatewayConfig read(Env env) {
        return read(env, Backend.ALL);
    }

    /**
     * Reads and checks the settings of a gateway in front of the given services (each one's
     * {@code <NAME>_TARGET} and {@code <NAME>_DEADLINE}): {@link Backend#ALL}, or in tests a stand-in's API too.
     */
    public static GatewayConfig read(Env env, List<Backend> backends) {
        // the gateway is the edge: it believes no X-Forwarded-For unless told which proxies are in front of it
        final CommonConfig service = CommonConfig.read("gateway", 8000, "", DEFAULT_METRICS_PORT, env);
        final Duration backendDeadline = positive(env, "BACKEND_DEADLINE", Duration.ofSeconds(10));
        final Map<String, String> targets = new LinkedHashMap<>();
        final Map<String, Duration> deadlines = new LinkedHashMap<>();
        for (Backend backend : backends) {
            final String variable = backend.targetVariable();
            final String target = env.string(variable, "localhost:" + backend.defaultPort());
            // CommonConfig.read has checked AUTH_TARGET already
            if (!variable.equals("AUTH_TARGET")) {
                Targets.check(env, variable, target);
            }
            targets.put(backend.name(), target);
            deadlines.put(backend.name(), positive(env, backend.deadlineVariable(), backendDeadline));
        }
        final int retryAttempts = env.integer("RETRY_MAX_ATTEMPTS", 3, 1, 10);
        final int breakerFailures = env.integer("CIRCUIT_BREAKER_FAILURES", 5, 1, 1_000_000);
        final Duration breakerOpenFor = positive(env, "CIRCUIT_BREAKER_OPEN_FOR", Duration.ofSeconds(10));
        final ConcurrencyLimit concurrency = ConcurrencyLimit.read(env, "BACKEND_CONCURRENCY",
                                                                   ConcurrencyLimit.DEFAULT_CLIENT);
        final Duration healthTimeout = positive(env, "HEALTH_TIMEOUT", Duration.ofSeconds(1));
        final EdgeConfig edge = EdgeConfig.read(env);
        final StreamConfig streams = StreamConfig.read(env);
        env.check();
        return new GatewayConfig(service, backends, targets, backendDeadline, deadlines, retryAttempts,
                                 breakerFailures, breakerOpenFor, concurrency, healthTimeout, edge, streams);
    }

    /** Where the backend is: {@code host:port[,host:port]} or {@code dns:///host:port}. */
    public String target(Backend backend) {
        return targets.get(backend.name());
    }

    /** The deadline of the backend's unary calls. */
    public Duration deadline(Backend backend) {
        return deadlines.get(backend.name());
    }

    /** The longest deadline of any backend: the server's request timeout must be longer. */
    public Duration longestDeadline() {
        return deadlines.values().stream().max(Duration::compareTo).orElse(backendDeadline);
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
