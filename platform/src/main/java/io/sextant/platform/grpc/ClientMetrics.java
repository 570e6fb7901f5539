package io.sextant.platform.grpc;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.prometheus.client.Collector;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.CounterMetricFamily;
import io.prometheus.client.GaugeMetricFamily;

/**
 * The metrics of the {@link ServiceClient}s of one server, in its registry, each labelled
 * {@code caller} (the server's service) and {@code target}:
 *
 * <ul>
 *   <li>{@code sextant_circuit_breaker_state}: 0 closed, 1 half-open, 2 open;</li>
 *   <li>{@code sextant_circuit_breaker_opened_total}: how often the breaker opened;</li>
 *   <li>{@code sextant_client_concurrency_limit}, {@code sextant_client_calls_in_flight}: the
 *       admission bound now and the unary calls it counts;</li>
 *   <li>{@code sextant_client_calls_refused_total}: calls refused at once, past the bound.</li>
 * </ul>
 *
 * Read when scraped, from the clients themselves: nothing is counted twice or per call here.
 */
public final class ClientMetrics extends Collector {

    /** One collector per registry (a registry takes each metric name once); the registries are the servers'. */
    private static final Map<CollectorRegistry, ClientMetrics> BY_REGISTRY = new WeakHashMap<>();

    private record Client(String caller, String target, TargetCircuitBreaker breaker, TargetAdmission admission) {}

    private final List<Client> clients = new CopyOnWriteArrayList<>();

    private ClientMetrics() {}

    /** The collector of the registry, registered in it the first time. */
    public static ClientMetrics of(CollectorRegistry registry) {
        synchronized (BY_REGISTRY) {
            return BY_REGISTRY.computeIfAbsent(registry, r -> new ClientMetrics().register(r));
        }
    }

    void add(String caller, String target, TargetCircuitBreaker breaker, TargetAdmission admission) {
        clients.add(new Client(caller, target, breaker, admission));
    }

    @Override
    public List<MetricFamilySamples> collect() {
        final List<String> labels = List.of("caller", "target");
        final GaugeMetricFamily state = new GaugeMetricFamily(
                "sextant_circuit_breaker_state", "The circuit breaker of the target: 0 closed, 1 half-open, 2 open",
                labels);
        final CounterMetricFamily opened = new CounterMetricFamily(
                "sextant_circuit_breaker_opened", "Times the circuit breaker of the target opened", labels);
        final GaugeMetricFamily limit = new GaugeMetricFamily(
                "sextant_client_concurrency_limit", "The bound on unary calls in flight to the target now", labels);
        final GaugeMetricFamily inFlight = new GaugeMetricFamily(
                "sextant_client_calls_in_flight", "Unary calls in flight to the target", labels);
        final CounterMetricFamily refused = new CounterMetricFamily(
                "sextant_client_calls_refused", "Calls refused at once: the bound on calls in flight was reached",
                labels);
        for (Client client : clients) {
            final List<String> values = List.of(client.caller(), client.target());
            state.addMetric(values, client.breaker().stateValue());
            opened.addMetric(values, client.breaker().openedCount());
            limit.addMetric(values, client.admission().limit());
            inFlight.addMetric(values, client.admission().inFlight());
            refused.addMetric(values, client.admission().refused());
        }
        return new ArrayList<>(List.of(state, opened, limit, inFlight, refused));
    }
}
