package io.sextant.storage;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

import io.sextant.platform.config.CommonConfig;
import io.sextant.platform.config.Env;
import io.sextant.platform.config.Targets;
import io.sextant.platform.identity.ServiceSecret;
import io.sextant.storage.bytes.S3Settings;
import io.sextant.storage.thumbs.ThumbnailSettings;

/**
 * The storage service's settings: the common ones, plus
 * <table>
 *   <tr><td>STORAGE_BACKEND</td><td>local: where the bytes live ({@code local}: STORAGE_DIR; {@code s3})</td></tr>
 *   <tr><td>STORAGE_DIR</td><td>{@code <SEXTANT_DATA or .sextant>/storage}: the directory of the local backend</td></tr>
 *   <tr><td>STORAGE_MAX_FILE_BYTES</td><td>1073741824 (1 GiB): the largest file; more is RESOURCE_EXHAUSTED FILE_TOO_LARGE</td></tr>
 *   <tr><td>STORAGE_QUOTA_BYTES</td><td>10737418240 (10 GiB): the bytes an owner may store unless overridden</td></tr>
 *   <tr><td>STORAGE_QUOTA_FILES</td><td>100000: the files an owner may store unless overridden</td></tr>
 *   <tr><td>STORAGE_PENDING_GRACE</td><td>1h: how old an unfinished upload is when the sweeper removes it</td></tr>
 *   <tr><td>STORAGE_SWEEP_INTERVAL</td><td>5m: how often the sweeper runs</td></tr>
 *   <tr><td>STORAGE_CHECK_INTERVAL</td><td>6h: how often every file's bytes are checked to exist</td></tr>
 *   <tr><td>PUBLIC_URL</td><td>http://localhost:8000: the gateway's public URL, the start of share links</td></tr>
 *   <tr><td>USERS_TARGET</td><td>localhost:8002: the users service, to check that a grantee exists</td></tr>
 *   <tr><td>USERS_DEADLINE</td><td>2s: the deadline of each call to users</td></tr>
 *   <tr><td>SERVICE_SECRET or SERVICE_SECRET_FILE</td><td>required: the service's own secret, exchanged at auth
 *       for the token of {@code services/storage} (holding {@code users.read})</td></tr>
 * </table>
 * and, with STORAGE_BACKEND=s3, the S3_* settings of {@link S3Settings}; THUMBNAIL_MAX_BYTES and
 * THUMBNAIL_MAX_PIXELS are {@link ThumbnailSettings}.
 *
 * @param s3 the bucket with STORAGE_BACKEND=s3, else null
 */
public record StorageConfig(CommonConfig common, String backend, Path directory, long maxFileBytes, long quotaBytes,
                            long quotaFiles, Duration pendingGrace, Duration sweepInterval, Duration checkInterval,
                            String publicUrl, String usersTarget, Duration usersDeadline, ServiceSecret secret,
                            S3Settings s3, ThumbnailSettings thumbnails) {

    public static final int DEFAULT_PORT = 8004;

    /** Reads the settings; every wrong variable is named at once. */
    public static StorageConfig read(Env env) {
        final CommonConfig common = CommonConfig.read("storage", DEFAULT_PORT, env);
        final String backend = env.string("STORAGE_BACKEND", "local");
        if (!backend.equals("local") && !backend.equals("s3")) {
            env.problem("STORAGE_BACKEND", "is '" + backend + "'; expected local or s3");
        }
        final String data = env.string("SEXTANT_DATA", ".sextant");
        final Path directory = Path.of(env.string("STORAGE_DIR", Path.of(data, "storage").toString()));
        final long maxFileBytes = positive(env, "STORAGE_MAX_FILE_BYTES", 1L << 30);
        final long quotaBytes = positive(env, "STORAGE_QUOTA_BYTES", 10L << 30);
        final long quotaFiles = positive(env, "STORAGE_QUOTA_FILES", 100_000);
        final Duration grace = between(env, "STORAGE_PENDING_GRACE", Duration.ofHours(1), Duration.ofSeconds(1),
                                       Duration.ofDays(7));
        final Duration sweep = between(env, "STORAGE_SWEEP_INTERVAL", Duration.ofMinutes(5), Duration.ofMillis(100),
                                       Duration.ofDays(1));
        final Duration check = between(env, "STORAGE_CHECK_INTERVAL", Duration.ofHours(6), Duration.ofMillis(100),
                                       Duration.ofDays(30));
        final String publicUrl = stripSlash(env.string("PUBLIC_URL", "http://localhost:8000"));
        try {
            final URI uri = new URI(publicUrl);
            if (uri.getScheme() == null || !uri.getScheme().matches("https?") || uri.getHost() == null
                || uri.getQuery() != null || uri.getFragment() != null) {
                env.problem("PUBLIC_URL", "is '" + publicUrl + "'; expected an http(s) URL such as https://api.example.com");
            }
        } catch (java.net.URISyntaxException e) {
            env.problem("PUBLIC_URL", "is not a URL: " + e.getMessage());
        }
        final String usersTarget = env.string("USERS_TARGET", "localhost:8002");
        Targets.check(env, "USERS_TARGET", usersTarget);
        final Duration usersDeadline = between(env, "USERS_DEADLINE", Duration.ofSeconds(2), Duration.ofMillis(100),
                                               Duration.ofMinutes(1));
        final ServiceSecret secret = ServiceSecret.read(env, "storage");
        final S3Settings s3 = backend.equals("s3") ? S3Settings.read(env) : null;
        final ThumbnailSettings thumbnails = ThumbnailSettings.read(env);
        env.check();
        return new StorageConfig(common, backend, directory, maxFileBytes, quotaBytes, quotaFiles, grace, sweep, check,
                                 publicUrl, usersTarget, usersDeadline, secret, s3, thumbnails);
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    private static long positive(Env env, String name, long defaultValue) {
        final String text = env.raw(name);
        if (text == null) {
            return defaultValue;
        }
        try {
            final long value = Long.parseLong(text);
            if (value >= 1) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        env.problem(name, "is '" + text + "'; expected a whole number of at least 1");
        return defaultValue;
    }

    private static Duration between(Env env, String name, Duration defaultValue, Duration min, Duration max) {
        final Duration value = env.duration(name, defaultValue);
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            env.problem(name, "must be between " + min + " and " + max);
        }
        return value;
    }
}
