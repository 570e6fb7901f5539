package io.sextant.platform.grpc;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.endpoint.EndpointGroup;
import com.linecorp.armeria.client.endpoint.dns.DnsAddressEndpointGroup;
import com.linecorp.armeria.client.endpoint.healthcheck.HealthCheckedEndpointGroup;

import io.sextant.platform.config.Targets;

/**
 * Where the calls to another service go, from its {@code <SERVICE>_TARGET} ({@link Targets}
 * checks its form at start):
 *
 * <ul>
 *   <li>{@code host:port}: one endpoint, used as it is. With nothing to choose between, a health
 *       check could only hold calls back; the circuit breaker covers its outage.</li>
 *   <li>{@code host:port,host:port,...}: these endpoints, each health-checked.</li>
 *   <li>{@code dns:///host:port}: every address the name resolves to (re-resolved as the records'
 *       TTL says, as a headless Kubernetes service publishes its pods), each health-checked.</li>
 * </ul>
 *
 * <p>Health-checked means {@code GET /health/ready} on the endpoint every {@link #CHECK_INTERVAL};
 * calls go, round robin, only to the endpoints that answered 200 last. Readiness rather than
 * {@code /health} (liveness): an instance that is alive but cannot reach its database fails every
 * call, so it must get none, while a liveness probe would still call it healthy.
 */
public final class TargetEndpoints {

    public static final String DNS_SCHEME = Targets.DNS_SCHEME;
    static final String READINESS_PATH = "/health/ready";
    static final Duration CHECK_INTERVAL = Duration.ofSeconds(2);
    static final Duration INITIAL_SELECTION_TIMEOUT = Duration.ofSeconds(2);
    static final Duration SELECTION_TIMEOUT = Duration.ofMillis(200);

    private TargetEndpoints() {}

    /** What is wrong with the target, for a start-up error, or null when it is well formed. */
    public static String problem(String target) {
        return Targets.problem(target);
    }

    /**
     * The endpoint group of a target that {@link #problem} accepted; to be closed with its client.
     *
     * @throws IllegalArgumentException when the target is not one of the forms above
     */
    public static EndpointGroup of(String target) {
        final String problem = problem(target);
        if (problem != null) {
            throw new IllegalArgumentException("The target " + problem);
        }
        if (target.startsWith(DNS_SCHEME)) {
            final Endpoint name = Endpoint.parse(target.substring(DNS_SCHEME.length()));
            return healthChecked(DnsAddressEndpointGroup.builder(name.host()).port(name.port()).build());
        }
        final List<Endpoint> endpoints = new ArrayList<>();
        for (String part : target.split(",")) {
            endpoints.add(Endpoint.parse(part.trim()));
        }
        return endpoints.size() == 1 ? endpoints.get(0) : healthChecked(EndpointGroup.of(endpoints));
    }

    private static EndpointGroup healthChecked(EndpointGroup delegate) {
        return HealthCheckedEndpointGroup.builder(delegate, READINESS_PATH)
                                         .retryInterval(CHECK_INTERVAL)
                                         // When no endpoint is ready, a call fails (UNAVAILABLE, or a retry)
                                         // after a short wait, not after Armeria's default of seconds: waiting
                                         // longer than a health check's round trip only holds the caller. At
                                         // start up the first checks get a little longer.
                                         .selectionTimeout(INITIAL_SELECTION_TIMEOUT, SELECTION_TIMEOUT)
                                         .build();
    }
}
