package io.sextant.storage;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.sextant.platform.config.ConfigException;
import io.sextant.platform.config.Env;
import io.sextant.storage.bytes.S3MockServer;

/**
 * {@link StorageServiceIT}'s cases with STORAGE_BACKEND=s3: the service started as in production, its
 * S3_* settings naming a real S3-compatible server (S3Mock, a child process) and a prefix of its own.
 */
class S3StorageServiceIT extends StorageServiceIT {

    @Override
    protected Map<String, String> backend() {
        return s3Settings();
    }

    /** The settings of a storage service on the shared S3Mock, under a fresh prefix, 5 MiB parts. */
    static Map<String, String> s3Settings() {
        final S3MockServer s3 = S3MockServer.shared();
        return Map.of("STORAGE_BACKEND", "s3", "S3_ENDPOINT", s3.endpoint().toString(), "S3_BUCKET", S3MockServer.BUCKET,
                      "S3_ACCESS_KEY_ID", "test-key-id", "S3_SECRET_ACCESS_KEY", "test-secret",
                      "S3_PREFIX", "storage-it-" + UUID.randomUUID(), "S3_PART_SIZE", "5MiB");
    }

    @Test
    void aMissingOrWrongBucketStopsTheStartNamingTheSetting() {
        final Map<String, String> noBucket = new HashMap<>(storage.settings);
        noBucket.remove("S3_BUCKET");
        noBucket.put("S3_PART_SIZE", "1MiB");
        assertThatThrownBy(() -> StorageServer.readConfig(Env.of(noBucket))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("S3_BUCKET").hasMessageContaining("S3_PART_SIZE");

        final Map<String, String> wrongBucket = new HashMap<>(storage.settings);
        wrongBucket.put("S3_BUCKET", "no-such-bucket");
        assertThatThrownBy(() -> StorageServer.newServer(StorageServer.readConfig(Env.of(wrongBucket))))
                .hasMessageContaining("STORAGE_BACKEND=s3").hasMessageContaining("check S3_BUCKET");
    }
}
