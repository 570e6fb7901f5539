package io.sextant.storage.bytes;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.regex.Pattern;

import io.sextant.platform.config.Env;

/**
 * Where {@link S3ByteStore} keeps the bytes: any S3-compatible store. Secrets are never quoted in a problem.
 *
 * <table>
 *   <tr><td>S3_ENDPOINT</td><td>the store's http(s) URL; unset: AWS S3 of S3_REGION</td></tr>
 *   <tr><td>S3_REGION</td><td>default us-east-1 (what most S3-compatible stores expect)</td></tr>
 *   <tr><td>S3_BUCKET</td><td>required: the bucket, which must exist</td></tr>
 *   <tr><td>S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY</td><td>both or neither; neither: the AWS SDK's default
 *       credentials (environment, profile, web identity, container or instance role)</td></tr>
 *   <tr><td>S3_PATH_STYLE</td><td>{@code http://host/bucket/key} rather than {@code http://bucket.host/key};
 *       default true when S3_ENDPOINT is set, else false</td></tr>
 *   <tr><td>S3_PREFIX</td><td>a folder for everything in the bucket ({@code sextant/}); default none</td></tr>
 *   <tr><td>S3_PART_SIZE</td><td>the multipart part size, 5MiB to 512MiB, default 8MiB: each upload in
 *       flight holds one part in memory</td></tr>
 * </table>
 *
 * @param endpoint null for AWS itself
 * @param accessKeyId null with {@code secretAccessKey}: the SDK's default credentials
 * @param prefix empty or ending with '/'
 */
public record S3Settings(URI endpoint, String region, String bucket, String accessKeyId, String secretAccessKey,
                         boolean pathStyle, String prefix, int partSize) {

    /** S3's smallest part (but the last). */
    public static final int MIN_PART_SIZE = (int) (5 * ByteSize.MIB);
    public static final int DEFAULT_PART_SIZE = (int) (8 * ByteSize.MIB);
    public static final int MAX_PART_SIZE = (int) (512 * ByteSize.MIB);
    public static final String DEFAULT_REGION = "us-east-1";

    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html (dots allowed, path style then)
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final Pattern REGION = Pattern.compile("[a-z0-9-]{1,32}");
    private static final Pattern PREFIX = Pattern.compile("([A-Za-z0-9._-]+/)*");

    public S3Settings {
        if (bucket == null || region == null || prefix == null) {
            throw new IllegalArgumentException("bucket, region and prefix are required");
        }
        if ((accessKeyId == null) != (secretAccessKey == null)) {
            throw new IllegalArgumentException("an access key id needs its secret, and the other way round");
        }
        if (partSize < MIN_PART_SIZE || partSize > MAX_PART_SIZE) {
            throw new IllegalArgumentException("partSize " + partSize + " is outside 5MiB..512MiB");
        }
        if (!PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException("prefix '" + prefix + "' is not empty or folders ending with '/'");
        }
    }

    /** Reads the settings, recording each wrong one in the Env; the caller calls {@link Env#check()}. */
    public static S3Settings read(Env env) {
        final URI endpoint = endpoint(env);
        String region = env.string("S3_REGION", DEFAULT_REGION).toLowerCase(Locale.ROOT);
        if (!REGION.matcher(region).matches()) {
            env.problem("S3_REGION", "is '" + region + "', which is not a region name such as eu-central-1");
            region = DEFAULT_REGION;
        }
        String bucket = env.required("S3_BUCKET", "the bucket that keeps the files' bytes");
        if (!bucket.isEmpty() && !BUCKET.matcher(bucket).matches()) {
            env.problem("S3_BUCKET", "is '" + bucket + "', which is not a bucket name (3 to 63 lower-case letters,"
                                     + " digits, '.' or '-')");
        }
        if (!BUCKET.matcher(bucket).matches()) {
            bucket = "invalid";
        }
        String keyId = env.raw("S3_ACCESS_KEY_ID");
        String secret = env.raw("S3_SECRET_ACCESS_KEY");
        if ((keyId == null) != (secret == null)) {
            env.problem(keyId == null ? "S3_ACCESS_KEY_ID" : "S3_SECRET_ACCESS_KEY",
                        "is not set, but " + (keyId == null ? "S3_SECRET_ACCESS_KEY" : "S3_ACCESS_KEY_ID")
                        + " is: set both, or neither for the SDK's default credentials");
            keyId = null;
            secret = null;
        }
        final boolean pathStyle = env.bool("S3_PATH_STYLE", endpoint != null);
        String prefix = env.string("S3_PREFIX", "");
        while (prefix.startsWith("/")) {
            prefix = prefix.substring(1);
        }
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
            prefix = prefix + "/";
        }
        if (!PREFIX.matcher(prefix).matches()) {
            env.problem("S3_PREFIX", "is '" + prefix + "': use folder names of letters, digits, '.', '_' or '-'"
                                     + " separated by '/'");
            prefix = "";
        }
        final long partSize = ByteSize.read(env, "S3_PART_SIZE", DEFAULT_PART_SIZE, MIN_PART_SIZE, MAX_PART_SIZE);
        return new S3Settings(endpoint, region, bucket, keyId, secret, pathStyle, prefix, (int) partSize);
    }

    private static URI endpoint(Env env) {
        final String text = env.raw("S3_ENDPOINT");
        if (text == null) {
            return null;
        }
        try {
            final URI uri = new URI(text);
            final String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null
                && uri.getRawQuery() == null && uri.getRawFragment() == null && uri.getRawUserInfo() == null) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        env.problem("S3_ENDPOINT", "is '" + text + "', which is not an http(s) URL such as http://localhost:9000");
        return null;
    }

    /** The store's address for messages: the endpoint, or AWS S3 and the region. */
    public String where() {
        return (endpoint == null ? "AWS S3 (" + region + ")" : endpoint.toString()) + ", bucket " + bucket;
    }

    @Override
    public String toString() { // never the secret
        return "S3Settings[" + where() + ", accessKeyId=" + accessKeyId + ", pathStyle=" + pathStyle + ", prefix="
               + prefix + ", partSize=" + ByteSize.format(partSize) + "]";
    }
}
