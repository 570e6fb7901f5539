package io.sextant.notification.channel;

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
 * The delivery providers' metrics, in a server's registry, labelled {@code channel} and {@code provider}:
 *
 * <ul>
 *   <li>{@code sextant_notification_provider_attempts_total} (and label {@code outcome}: {@code sent},
 *       {@code retryable}, {@code permanent}): messages handed to the provider;</li>
 *   <li>{@code sextant_notification_provider_skipped_total}: messages that passed it by while it cooled down;</li>
 *   <li>{@code sextant_notification_provider_cooldowns_total}: how often it was put on a cooldown;</li>
 *   <li>{@code sextant_notification_provider_cooling}: 1 while it cools down, else 0.</li>
 * </ul>
 *
 * Read from the chains when scraped: nothing is counted here.
 */
public final class ProviderMetrics extends Collector {

    /** One collector per registry (a registry takes each metric name once). */
    private static final Map<CollectorRegistry, ProviderMetrics> BY_REGISTRY = new WeakHashMap<>();

    private final List<ProviderChain> chains = new CopyOnWriteArrayList<>();

    private ProviderMetrics() {}

    /** The collector of the registry, registered in it the first time. */
    public static ProviderMetrics of(CollectorRegistry registry) {
        synchronized (BY_REGISTRY) {
            return BY_REGISTRY.computeIfAbsent(registry, r -> new ProviderMetrics().register(r));
        }
    }

    public void add(ProviderChain chain) {
        chains.add(chain);
    }

    @Override
    public List<MetricFamilySamples> collect() {
        final List<String> labels = List.of("channel", "provider");
        final CounterMetricFamily attempts = new CounterMetricFamily(
                "sextant_notification_provider_attempts", "Messages handed to the provider, by outcome",
                List.of("channel", "provider", "outcome"));
        final CounterMetricFamily skipped = new CounterMetricFamily(
                "sextant_notification_provider_skipped", "Messages that passed the provider by while it cooled down",
                labels);
        final CounterMetricFamily cooldowns = new CounterMetricFamily(
                "sextant_notification_provider_cooldowns", "Times the provider was put on a cooldown", labels);
        final GaugeMetricFamily cooling = new GaugeMetricFamily(
                "sextant_notification_provider_cooling", "1 while the provider cools down after a failure, else 0",
                labels);
        for (ProviderChain chain : chains) {
            for (ProviderChain.ProviderStats stats : chain.stats()) {
                final String channel = chain.channel();
                final String provider = stats.provider();
                attempts.addMetric(List.of(channel, provider, "sent"), stats.sent());
                attempts.addMetric(List.of(channel, provider, "retryable"), stats.retryable());
                attempts.addMetric(List.of(channel, provider, "permanent"), stats.permanent());
                skipped.addMetric(List.of(channel, provider), stats.skipped());
                cooldowns.addMetric(List.of(channel, provider), stats.cooldowns());
                cooling.addMetric(List.of(channel, provider), stats.cooling() ? 1 : 0);
            }
        }
        return new ArrayList<>(List.of(attempts, skipped, cooldowns, cooling));
    }
}
