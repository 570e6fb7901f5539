package io.sextant.gateway.streaming;

import java.time.Duration;

import io.sextant.platform.config.Env;

/**
 * The settings of server streams over HTTP (Server-Sent Events, NDJSON, raw byte streams):
 *
 * <table>
 *   <tr><td>STREAM_HEARTBEAT</td><td>how long an event stream may be idle before the gateway writes a
 *       heartbeat (an SSE comment, an empty NDJSON line), so that proxies and clients see it alive; 15s</td></tr>
 *   <tr><td>STREAM_MAX_PER_CLIENT</td><td>the streams one client (one user, or one address without a
 *       token) may have open over HTTP at once; one more is 429 TOO_MANY_STREAMS; 8</td></tr>
 *   <tr><td>STREAM_MAX_LIFETIME</td><td>how long one stream may last; then it ends cleanly (SSE: an
 *       {@code end} event with reason {@code MAX_LIFETIME}) and the client reconnects; 1h</td></tr>
 * </table>
 */
public record StreamConfig(Duration heartbeat, int maxPerClient, Duration maxLifetime) {

    public static StreamConfig read(Env env) {
        final Duration heartbeat = positive(env, "STREAM_HEARTBEAT", Duration.ofSeconds(15));
        final int maxPerClient = env.integer("STREAM_MAX_PER_CLIENT", 8, 1, 10_000);
        final Duration maxLifetime = positive(env, "STREAM_MAX_LIFETIME", Duration.ofHours(1));
        return new StreamConfig(heartbeat, maxPerClient, maxLifetime);
    }

    private static Duration positive(Env env, String name, Duration defaultValue) {
        final Duration value = env.duration(name, defaultValue);
        if (value.isZero() || value.isNegative()) {
            env.problem(name, "must be longer than 0");
            return defaultValue;
        }
        return value;
    }
}
