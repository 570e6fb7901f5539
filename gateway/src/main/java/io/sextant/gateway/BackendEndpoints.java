package io.sextant.gateway;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.endpoint.EndpointGroup;
import com.linecorp.armeria.client.endpoint.dns.DnsAddressEndpointGroup;
import com.linecorp.armeria.client.endpoint.healthcheck.HealthCheckedEndpointGroup;

/**
 * Where the calls to a backend go, from its {@code <SERVICE>_TARGET}:
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
final class BackendEndpoints {

    static final String DNS_SCHEME = "dns:///";
    static final String READINESS_PATH = "/health/ready";
    static final Duration CHECK_INTERVAL = Duration.ofSeconds(2);
    static final Duration INITIAL_SELECTION_TIMEOUT = Duration.ofSeconds(2);
    static final Duration SELECTION_TIMEOUT = Duration.ofMillis(200);

    private BackendEndpoints() {}

    /** What is wrong with the target, for a start-up error, or null when it is well formed. */
    static String problem(String target) {
        if (target.startsWith(DNS_SCHEME)) {
            final String hostPort = target.substring(DNS_SCHEME.length());
            if (hostPort.contains(",") || !isHostPort(hostPort)) {
                return "has '" + target + "', which is not dns:///host:port";
            }
            return null;
        }
        for (String part : target.split(",", -1)) {
            if (!isHostPort(part.trim())) {
                return "has '" + part.trim() + "', which is not host:port (nor dns:///host:port)";
            }
        }
        return null;
    }

    /** The endpoint group of a target that {@link #problem} accepted; to be closed with the gateway. */
    static EndpointGroup of(String target) {
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
                                         // When no endpoint is ready, a call fails (503, or a retry) after a
                                         // short wait, not after Armeria's default of seconds: waiting longer
                                         // than a health check's round trip only holds the caller. At start
                                         // up the first checks get a little longer.
                                         .selectionTimeout(INITIAL_SELECTION_TIMEOUT, SELECTION_TIMEOUT)
                                         .build();
    }

    private static boolean isHostPort(String hostPort) {
        final int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            return false;
        }
        try {
            final int port = Integer.parseInt(hostPort.substring(colon + 1));
            final Endpoint endpoint = Endpoint.parse(hostPort);
            return port > 0 && port < 65536 && endpoint.hasPort() && !endpoint.host().isBlank();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
