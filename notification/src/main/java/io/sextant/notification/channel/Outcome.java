package io.sextant.notification.channel;

import java.time.Duration;

/** What became of one delivery attempt at one provider. */
public sealed interface Outcome {

    /** The provider's words for people: empty when sent. */
    String detail();

    /** The provider accepted the message; {@code providerId} is its id for it, if it gave one. */
    record Sent(String providerId) implements Outcome {
        @Override
        public String detail() {
            return "";
        }
    }

    /**
     * It failed, but may succeed later or at another provider (a timeout, a 5xx, a 429, a refused
     * connection). {@code retryAfter} is the provider's own hint, or null.
     */
    record Retryable(String detail, Duration retryAfter) implements Outcome {}

    /** It can never succeed as it is (an invalid address, a rejected token, a 4xx other than 408/429). */
    record Permanent(String detail) implements Outcome {}
}
