package io.sextant.gateway.streaming;

import java.time.Duration;

import io.sextant.platform.config.Env;

/**
 * The settings of streams over HTTP (Server-Sent Events, NDJSON, raw byte streams, uploads):
 *
 * <table>
 *   <tr><td>STREAM_HEARTBEAT</td><td>how long an event stream may be idle before the gateway writes a
 *       heartbeat (an SSE comment, an empty NDJSON line), so that proxies and clients see it alive; 15s</td></tr>
 *   <tr><td>STREAM_MAX_PER_CLIENT</td><td>the streams one client (one user, or one address without a
 *       token) may have open over HTTP at once; one more is 429 TOO_MANY_STREAMS; 8</td></tr>
 *   <tr><td>STREAM_MAX_LIFETIME</td><td>how long one stream may last; then it ends cleanly (SSE: an
 *       {@code end} event with reason {@code MAX_LIFETIME}) and the client reconnects; 1h</td></tr>
 *   <tr><td>TRANSFER_MAX_PER_CLIENT</td><td>the uploads and downloads of {@code (sextant.api.v1.http_bytes)}
 *       routes one client may have running at once, a bound of their own beside the event streams'; one
 *       more is 429 TOO_MANY_STREAMS; 64</td></tr>
 *   <tr><td>UPLOAD_MAX_BYTES</td><td>the largest request body of an upload route (a byte stream of
 *       {@code (sextant.api.v1.http_bytes)}), multipart framing included; past it 413; 1 GiB + 1 MiB</td></tr>
 * </table>
 */
public record StreamConfig(Duration heartbeat, int maxPerClient, Duration maxLifetime, long uploadMaxBytes,
                           int maxTransfersPerClient) {

    /** 1 GiB of file, and 1 MiB for a form's framing and parameters. */
    public static final long DEFAULT_UPLOAD_MAX_BYTES = (1L << 30) + (1L << 20);

    public static StreamConfig read(Env env) {
        final Duration heartbeat = positive(env, "STREAM_HEARTBEAT", Duration.ofSeconds(15));
        final int maxPerClient = env.integer("STREAM_MAX_PER_CLIENT", 8, 1, 10_000);
        final Duration maxLifetime = positive(env, "STREAM_MAX_LIFETIME", Duration.ofHours(1));
        return new StreamConfig(heartbeat, maxPerClient, maxLifetime, bytes(env, "UPLOAD_MAX_BYTES",
                                                                             DEFAULT_UPLOAD_MAX_BYTES),
                                env.integer("TRANSFER_MAX_PER_CLIENT", 64, 1, 10_000));
    }

    private static long bytes(Env env, String name, long defaultValue) {
        final String text = env.raw(name);
        if (text == null || text.isBlank()) {
            return defaultValue;
        }
        try {
            final long value = Long.parseLong(text.trim());
            if (value > 0) {
                return value;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        env.problem(name, "must be a number of bytes above 0, not '" + text + "'");
        return defaultValue;
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
