package io.sextant.notification.channel;

import java.time.Duration;
import java.util.Objects;

/**
 * How long a provider's HTTP calls may take.
 *
 * @param connect  to open a connection (TCP and TLS)
 * @param response the whole exchange, from sending the request to the last byte of the response
 */
public record HttpTimeouts(Duration connect, Duration response) {

    public static final HttpTimeouts DEFAULT = new HttpTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(10));

    public HttpTimeouts {
        Objects.requireNonNull(connect, "connect");
        Objects.requireNonNull(response, "response");
        if (connect.isNegative() || connect.isZero() || response.isNegative() || response.isZero()) {
            throw new IllegalArgumentException("timeouts must be positive: " + connect + ", " + response);
        }
    }
}
