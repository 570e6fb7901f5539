package io.sextant.notification.channel;

/**
 * One way out for a channel's messages: an SMTP server, an SMS gateway's HTTP API, a push service,
 * a webhook endpoint. Providers are configured (with their credentials) from the environment;
 * several for one channel form a fallback chain, itself a provider.
 *
 * <p>{@link #deliver} blocks (it runs on the delivery engine's bounded worker pool), is bounded in
 * time by the provider's own timeouts, and reports every failure as an {@link Outcome}; it throws only
 * for a bug.
 */
public interface Provider {

    /** The provider's name in configuration, metrics and delivery attempts ({@code smtp}, {@code twilio}...). */
    String name();

    /** Delivers one message, or says why not and whether trying again (here or at another provider) may help. */
    Outcome deliver(Message message);
}
