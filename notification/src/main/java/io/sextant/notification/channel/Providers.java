package io.sextant.notification.channel;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.prometheus.client.CollectorRegistry;
import io.sextant.platform.config.Env;

/**
 * The configured providers of the HTTP channels, by channel name: {@value #SMS}, {@value #PUSH} and
 * {@value #WEBHOOK}. Each is a {@link ProviderChain}: SMS and push with cooldowns, the webhook channel
 * without (see {@link WebhookProvider}). A channel without providers is absent from the map. The chains
 * hold HTTP clients: {@link #close(Map)} them on shutdown.
 */
public final class Providers {

    public static final String SMS = "sms";
    public static final String PUSH = "push";
    public static final String WEBHOOK = "webhook";

    private static final Logger LOG = LoggerFactory.getLogger(Providers.class);

    private Providers() {}

    /** Reads {@link ProvidersConfig} from the environment, fails with a ConfigException naming each wrong variable, and opens them. */
    public static Map<String, Provider> read(Env env) {
        return read(env, null);
    }

    /** As {@link #read(Env)}, with metrics in the server's registry. */
    public static Map<String, Provider> read(Env env, CollectorRegistry registry) {
        final ProvidersConfig config = ProvidersConfig.read(env);
        env.check();
        return open(config, registry);
    }

    /**
     * Opens the providers of settings already read (and checked).
     *
     * @param registry where their metrics go ({@link ProviderMetrics}); null for none
     */
    public static Map<String, Provider> open(ProvidersConfig config, CollectorRegistry registry) {
        final Map<String, Provider> channels = new LinkedHashMap<>();
        if (!config.sms().isEmpty()) {
            final List<Provider> sms = new ArrayList<>();
            config.sms().forEach(settings -> sms.add(new TwilioSmsProvider(settings)));
            channels.put(SMS, new ProviderChain(SMS, sms, config.cooldown()));
        }
        if (!config.push().isEmpty()) {
            final List<Provider> push = new ArrayList<>();
            config.push().forEach(settings -> push.add(new FcmPushProvider(settings)));
            channels.put(PUSH, new ProviderChain(PUSH, push, config.cooldown()));
        }
        if (config.webhook() != null) {
            channels.put(WEBHOOK, new ProviderChain(WEBHOOK, List.of(new WebhookProvider(config.webhook())), null));
        }
        if (registry != null) {
            final ProviderMetrics metrics = ProviderMetrics.of(registry);
            channels.values().forEach(chain -> metrics.add((ProviderChain) chain));
        }
        for (String channel : List.of(SMS, PUSH, WEBHOOK)) {
            final Provider provider = channels.get(channel);
            LOG.info("{} channel: {}", channel, provider == null ? "off (no provider configured)"
                    : "providers " + provider.name());
        }
        return Collections.unmodifiableMap(channels);
    }

    /** Closes the providers' HTTP clients. */
    public static void close(Map<String, Provider> providers) {
        for (Provider provider : providers.values()) {
            if (provider instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    LOG.warn("closing provider {} failed", provider.name(), e);
                }
            }
        }
    }
}
