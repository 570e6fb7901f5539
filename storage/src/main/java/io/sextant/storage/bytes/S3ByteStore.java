package io.sextant.storage.bytes;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A {@link ByteStore} on any S3-compatible store (AWS S3, MinIO, Ceph RGW, R2, ...) through the AWS SDK v2's
 * synchronous client on the Apache 5 HTTP client. Committed bytes are the object {@code <prefix>files/<key>}.
 *
 * <p>A write keeps at most one part ({@link S3Settings#partSize()}) in memory, so the heap it needs is one
 * part per upload in flight. A write that stays under one part is a single PutObject at commit and leaves
 * nothing in the store before it. A longer one becomes a multipart upload under the final key when its first
 * part is full: each full part is sent from {@link Upload#write} (which blocks meanwhile), the last one at
 * commit, then CompleteMultipartUpload makes the object appear whole at once; abort is
 * AbortMultipartUpload.
 *
 * <p>How {@link #sweep} knows whose multipart upload is whose: S3 lists a multipart upload with its key, its
 * S3 upload id and when it was initiated, but with no metadata, and the key is the final one. So beside each
 * multipart upload the store keeps an empty marker object {@code <prefix>pending/<uploadId>/<S3 upload id,
 * base64url>}, written right after CreateMultipartUpload and removed at commit or abort. Sweeping lists the
 * markers and the multipart uploads under {@code <prefix>files/} and aborts each multipart upload that was
 * initiated more than the grace period ago and whose marker's upload id is not live, or that has no marker (a
 * crash between the two calls). A marker left behind by a crash after its upload ended is removed once older
 * than the grace period. Times are the store's, compared with this process's clock: keep the grace period
 * well above any clock skew.
 *
 * <p>The store is thread-safe; each {@link Upload} is used by one thread at a time.
 *
 * <p>Checksums are sent only where S3 requires them ({@code WHEN_REQUIRED}): several S3-compatible stores
 * refuse the SDK's newer default trailing checksums. Payloads are still signed (SigV4) and, over https,
 * protected by TLS.
 */
public final class S3ByteStore implements ByteStore {

    private static final Logger log = LoggerFactory.getLogger(S3ByteStore.class);
    private static final Pattern KEY = Pattern.compile("[a-z0-9][a-z0-9-]{0,99}");
    private static final Pattern UPLOAD_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]{0,99}");
    private static final Base64.Encoder MARKER_ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder MARKER_DECODER = Base64.getUrlDecoder();
    /** S3's most parts per multipart upload. */
    static final int MAX_PARTS = 10_000;

    private final S3Settings settings;
    private final S3Client s3;
    private final Clock clock;

    private S3ByteStore(S3Settings settings, S3Client s3, Clock clock) {
        this.settings = settings;
        this.s3 = s3;
        this.clock = clock;
    }

    /** A store with its own S3 client; {@link #close()} closes it. */
    public static S3ByteStore open(S3Settings settings) {
        return new S3ByteStore(settings, client(settings), Clock.systemUTC());
    }

    /** The SDK client these settings describe (for tools and tests that look at the bucket themselves). */
    public static S3Client client(S3Settings settings) {
        final AwsCredentialsProvider credentials = settings.accessKeyId() == null
                ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(AwsBasicCredentials.create(settings.accessKeyId(),
                                                                              settings.secretAccessKey()));
        final S3ClientBuilder builder = S3Client.builder()
                .region(Region.of(settings.region()))
                .credentialsProvider(credentials)
                .forcePathStyle(settings.pathStyle())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClientBuilder(Apache5HttpClient.builder()
                                           .connectionTimeout(Duration.ofSeconds(5))
                                           .socketTimeout(Duration.ofSeconds(60))
                                           .maxConnections(64));
        if (settings.endpoint() != null) {
            builder.endpointOverride(settings.endpoint());
        }
        return builder.build();
    }

    /**
     * Checks at start-up that the bucket is there and the credentials may use it (HeadBucket), so that a wrong
     * setting stops the service with a clear message instead of failing its first upload.
     */
    public void verify() throws IOException {
        call("check the bucket", null, () -> s3.headBucket(b -> b.bucket(settings.bucket())));
    }

    @Override
    public Upload begin(String key, String uploadId) {
        checkKey(key);
        if (uploadId == null || !UPLOAD_ID.matcher(uploadId).matches()) {
            throw new IllegalArgumentException("uploadId must be 1 to 100 letters, digits or '-': " + uploadId);
        }
        return new S3Upload(key, uploadId);
    }

    @Override
    public InputStream open(String key, long offset, long length) throws IOException {
        checkKey(key);
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("offset and length must not be negative: " + offset + ", " + length);
        }
        if (length == 0) {
            if (!exists(key)) {
                throw new NoSuchFileException(key);
            }
            return InputStream.nullInputStream();
        }
        final long last = length > Long.MAX_VALUE - offset ? Long.MAX_VALUE - 1 : offset + length - 1;
        try {
            return call("read", key, () -> s3.getObject(b -> b.bucket(settings.bucket()).key(objectKey(key))
                    .range("bytes=" + offset + "-" + last)));
        } catch (S3StoreException e) {
            if (e.status() == 416) { // the range starts at or after the end: nothing to read
                return InputStream.nullInputStream();
            }
            throw e;
        }
    }

    @Override
    public boolean exists(String key) throws IOException {
        checkKey(key);
        try {
            call("check", key, () -> s3.headObject(b -> b.bucket(settings.bucket()).key(objectKey(key))));
            return true;
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    @Override
    public void delete(String key) throws IOException {
        checkKey(key);
        call("delete", key, () -> s3.deleteObject(b -> b.bucket(settings.bucket()).key(objectKey(key))));
    }

    @Override
    public int sweep(Set<String> live, long graceSeconds) throws IOException {
        final Instant cutoff = clock.instant().minusSeconds(graceSeconds);
        final Map<String, Marker> markers = markers();
        final Set<String> pending = new HashSet<>();
        int removed = 0;
        final List<MultipartUpload> uploads = call("list multipart uploads", null, () -> {
            final List<MultipartUpload> all = new ArrayList<>();
            s3.listMultipartUploadsPaginator(b -> b.bucket(settings.bucket()).prefix(settings.prefix() + "files/"))
                    .uploads().forEach(all::add);
            return all;
        });
        for (MultipartUpload upload : uploads) {
            pending.add(upload.uploadId());
            final Marker marker = markers.get(upload.uploadId());
            if (marker != null && live.contains(marker.uploadId()) || upload.initiated().isAfter(cutoff)) {
                continue;
            }
            try {
                call("abort a stale multipart upload of", upload.key(),
                     () -> s3.abortMultipartUpload(b -> b.bucket(settings.bucket()).key(upload.key())
                             .uploadId(upload.uploadId())));
                removed++;
                log.info("Aborted the stale multipart upload of {} (upload {}, initiated {})", upload.key(),
                         marker == null ? "unknown" : marker.uploadId(), upload.initiated());
            } catch (NoSuchFileException e) {
                // ended meanwhile
            }
            if (marker != null) {
                deleteQuietly(marker.objectKey());
            }
        }
        for (Marker marker : markers.values()) {
            if (!pending.contains(marker.s3UploadId()) && !live.contains(marker.uploadId())
                && marker.lastModified().isBefore(cutoff)) {
                deleteQuietly(marker.objectKey());
            }
        }
        return removed;
    }

    @Override
    public String kind() {
        return "s3";
    }

    @Override
    public void close() {
        s3.close();
    }

    @Override
    public String toString() {
        return "S3ByteStore[" + settings + "]";
    }

    String objectKey(String key) {
        return settings.prefix() + "files/" + key;
    }

    private String markerPrefix() {
        return settings.prefix() + "pending/";
    }

    private String markerKey(String uploadId, String s3UploadId) {
        return markerPrefix() + uploadId + "/"
               + MARKER_ENCODER.encodeToString(s3UploadId.getBytes(StandardCharsets.UTF_8));
    }

    private Map<String, Marker> markers() throws IOException {
        final List<S3Object> objects = call("list pending uploads", null, () -> {
            final List<S3Object> all = new ArrayList<>();
            s3.listObjectsV2Paginator(b -> b.bucket(settings.bucket()).prefix(markerPrefix())).contents()
                    .forEach(all::add);
            return all;
        });
        final Map<String, Marker> markers = new HashMap<>();
        for (S3Object object : objects) {
            final String[] parts = object.key().substring(markerPrefix().length()).split("/", -1);
            if (parts.length != 2) {
                continue;
            }
            try {
                final String s3UploadId = new String(MARKER_DECODER.decode(parts[1]), StandardCharsets.UTF_8);
                markers.put(s3UploadId, new Marker(parts[0], s3UploadId, object.key(), object.lastModified()));
            } catch (IllegalArgumentException e) {
                log.warn("Ignoring {}: not a pending upload's marker", object.key());
            }
        }
        return markers;
    }

    private void deleteQuietly(String objectKey) {
        try {
            s3.deleteObject(b -> b.bucket(settings.bucket()).key(objectKey));
        } catch (SdkException e) {
            log.warn("Could not remove {} (the sweeper tries again): {}", objectKey, e.getMessage());
        }
    }

    private static void checkKey(String key) {
        if (key == null || !KEY.matcher(key).matches()) {
            throw new IllegalArgumentException("key must be 1 to 100 lower-case letters, digits or '-': " + key);
        }
    }

    /**
     * Runs one S3 call, turning the SDK's unchecked exceptions into IOExceptions that say what failed and what to
     * check: a missing object or upload is a {@link NoSuchFileException}, anything else an
     * {@link S3StoreException}.
     */
    private <T> T call(String what, String key, Supplier<T> request) throws IOException {
        final String subject = key == null ? "" : " " + key;
        try {
            return request.get();
        } catch (NoSuchKeyException | NoSuchUploadException e) {
            throw new NoSuchFileException(key == null ? "?" : key, null, e.awsErrorDetails().errorMessage());
        } catch (S3Exception e) {
            final String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
            if (e.statusCode() == 404 && key != null && !"NoSuchBucket".equals(code)) {
                throw new NoSuchFileException(key); // HEAD answers have no body to tell which
            }
            throw new S3StoreException(e.statusCode(), "S3 could not " + what + subject + " in " + settings.where()
                                                       + ": " + explain(e.statusCode(), code, e), e);
        } catch (SdkClientException e) {
            throw new S3StoreException(0, "S3 could not " + what + subject + ": " + settings.where()
                                          + " did not answer (check S3_ENDPOINT and the network): " + e.getMessage(), e);
        }
    }

    private static String explain(int status, String code, S3Exception e) {
        final String detail = (code == null ? "HTTP " + status : code + " (HTTP " + status + ")")
                              + (e.awsErrorDetails() == null || e.awsErrorDetails().errorMessage() == null
                                 ? "" : ": " + e.awsErrorDetails().errorMessage());
        if ("NoSuchBucket".equals(code) || code == null && status == 404) {
            return "the bucket does not exist (check S3_BUCKET): " + detail;
        }
        if ("InvalidAccessKeyId".equals(code) || "SignatureDoesNotMatch".equals(code)) {
            return "the credentials were refused (check S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY): " + detail;
        }
        if (status == 403) {
            return "access denied (check S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, their permissions on the bucket and"
                   + " S3_REGION): " + detail;
        }
        if ("AuthorizationHeaderMalformed".equals(code) || "PermanentRedirect".equals(code) || status == 301) {
            return "the bucket is in another region or needs another address (check S3_REGION, S3_ENDPOINT and"
                   + " S3_PATH_STYLE): " + detail;
        }
        return detail;
    }

    /** A pending write's marker: {@code <prefix>pending/<uploadId>/<S3 upload id, base64url>}. */
    private record Marker(String uploadId, String s3UploadId, String objectKey, Instant lastModified) {}

    /** One write: a buffer of at most one part, a multipart upload once the first part is full. */
    private final class S3Upload implements Upload {

        private final String key;
        private final String uploadId;
        private final List<CompletedPart> parts = new ArrayList<>();
        private byte[] buffer = new byte[0];
        private int buffered;
        private long size;
        private String s3UploadId;
        private boolean committed;
        private boolean ended;
        private boolean failed;

        S3Upload(String key, String uploadId) {
            this.key = key;
            this.uploadId = uploadId;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            Objects.checkFromIndexSize(offset, length, bytes.length);
            checkWritable();
            int at = offset;
            int left = length;
            while (left > 0) {
                if (buffered == settings.partSize()) {
                    sendPart();
                }
                final int n = Math.min(left, settings.partSize() - buffered);
                ensureRoom(buffered + n);
                System.arraycopy(bytes, at, buffer, buffered, n);
                buffered += n;
                size += n;
                at += n;
                left -= n;
            }
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public void commit() throws IOException {
            checkWritable();
            failed = true; // until it succeeds
            if (s3UploadId == null) {
                final int length = buffered;
                final byte[] bytes = buffer;
                call("store", key, () -> s3.putObject(b -> b.bucket(settings.bucket()).key(objectKey(key)),
                                                      body(bytes, length)));
            } else {
                if (buffered > 0) {
                    sendPart();
                    failed = true; // until it completes
                }
                call("complete the upload of", key, () -> s3.completeMultipartUpload(
                        b -> b.bucket(settings.bucket()).key(objectKey(key)).uploadId(s3UploadId)
                                .multipartUpload(m -> m.parts(parts))));
                deleteQuietly(markerKey(uploadId, s3UploadId));
            }
            failed = false;
            committed = true;
            ended = true;
            buffer = null;
        }

        @Override
        public void abort() {
            if (committed) {
                return;
            }
            ended = true;
            buffer = null;
            if (s3UploadId == null) {
                return;
            }
            try {
                call("abort the upload of", key, () -> s3.abortMultipartUpload(
                        b -> b.bucket(settings.bucket()).key(objectKey(key)).uploadId(s3UploadId)));
                deleteQuietly(markerKey(uploadId, s3UploadId));
            } catch (NoSuchFileException e) {
                deleteQuietly(markerKey(uploadId, s3UploadId)); // aborted already (twice, or by the sweeper)
            } catch (IOException e) {
                log.warn("Could not abort the multipart upload of {} (the sweeper will): {}", key, e.getMessage());
            }
            s3UploadId = null;
        }

        @Override
        public void close() {
            abort();
        }

        private void checkWritable() throws IOException {
            if (ended) {
                throw new IOException("the upload of " + key + " was already " + (committed ? "committed" : "aborted"));
            }
            if (failed) {
                throw new IOException("the upload of " + key + " failed earlier: abort it");
            }
        }

        /** Grows the buffer by doubling up to one part, so that small files never hold a whole part. */
        private void ensureRoom(int needed) {
            if (needed > buffer.length) {
                final long doubled = Math.max(8192L, 2L * buffer.length);
                final int grown = (int) Math.min(settings.partSize(), Math.max(needed, doubled));
                buffer = Arrays.copyOf(buffer, grown);
            }
        }

        private void sendPart() throws IOException {
            failed = true; // until the part is stored
            if (s3UploadId == null) {
                s3UploadId = call("start the upload of", key, () -> s3.createMultipartUpload(
                        b -> b.bucket(settings.bucket()).key(objectKey(key))
                                .contentType("application/octet-stream"))).uploadId();
                final String marker = markerKey(uploadId, s3UploadId);
                call("mark the pending upload of", key,
                     () -> s3.putObject(b -> b.bucket(settings.bucket()).key(marker), RequestBody.empty()));
            }
            final int partNumber = parts.size() + 1;
            if (partNumber > MAX_PARTS) {
                throw new IOException("the upload of " + key + " needs more than " + MAX_PARTS + " parts of "
                                      + ByteSize.format(settings.partSize()) + " (raise S3_PART_SIZE)");
            }
            final int length = buffered;
            final byte[] bytes = buffer;
            final String eTag = call("send part " + partNumber + " of", key, () -> s3.uploadPart(
                    b -> b.bucket(settings.bucket()).key(objectKey(key)).uploadId(s3UploadId).partNumber(partNumber)
                            .contentLength((long) length),
                    body(bytes, length))).eTag();
            parts.add(CompletedPart.builder().partNumber(partNumber).eTag(eTag).build());
            buffered = 0;
            failed = false;
        }

        private RequestBody body(byte[] bytes, int length) {
            return RequestBody.fromContentProvider(() -> new ByteArrayInputStream(bytes, 0, length), length,
                                                   "application/octet-stream");
        }
    }
}
