package io.sextant.storage;

import java.util.Map;

import io.sextant.platform.config.Env;
import io.sextant.storage.bytes.S3ByteStore;
import io.sextant.storage.bytes.S3Settings;

import software.amazon.awssdk.services.s3.S3Client;

/** {@link CrashIT}'s kills with STORAGE_BACKEND=s3: a killed upload leaves a multipart upload, which the sweeper aborts. */
class S3CrashIT extends CrashIT {

    @Override
    protected Map<String, String> backend() {
        return S3StorageServiceIT.s3Settings();
    }

    @Override
    protected String pendingGrace() {
        return "20s"; // S3Mock takes seconds for the killed upload's first part
    }

    /** The parts of the multipart uploads under the service's prefix (the bytes S3 holds for pending writes). */
    @Override
    protected long pendingBytes() {
        final S3Settings settings = S3Settings.read(Env.of(storage.settings));
        try (S3Client s3 = S3ByteStore.client(settings)) {
            return s3.listMultipartUploads(b -> b.bucket(settings.bucket()).prefix(settings.prefix())).uploads().stream()
                     .mapToLong(upload -> s3.listParts(b -> b.bucket(settings.bucket()).key(upload.key())
                                                              .uploadId(upload.uploadId()))
                                            .parts().stream().mapToLong(part -> part.size()).sum())
                     .sum();
        }
    }
}
