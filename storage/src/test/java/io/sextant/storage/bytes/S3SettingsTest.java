package io.sextant.storage.bytes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.sextant.platform.config.ConfigException;
import io.sextant.platform.config.Env;

class S3SettingsTest {

    @Test
    void defaultsForAnS3CompatibleEndpoint() {
        final Env env = Env.of(Map.of("S3_ENDPOINT", "http://localhost:9000", "S3_BUCKET", "files",
                                      "S3_ACCESS_KEY_ID", "minio", "S3_SECRET_ACCESS_KEY", "minio-secret"));
        final S3Settings settings = S3Settings.read(env);
        env.check();
        assertThat(settings).isEqualTo(new S3Settings(URI.create("http://localhost:9000"), "us-east-1", "files",
                                                      "minio", "minio-secret", true, "", 8 * 1024 * 1024));
        assertThat(settings.toString()).doesNotContain("minio-secret");
    }

    @Test
    void awsWithDefaultCredentialsAPrefixAndAPartSize() {
        final Env env = Env.of(Map.of("S3_REGION", "eu-central-1", "S3_BUCKET", "acme-files",
                                      "S3_PREFIX", "/sextant/prod", "S3_PART_SIZE", "16MiB"));
        final S3Settings settings = S3Settings.read(env);
        env.check();
        assertThat(settings.endpoint()).isNull();
        assertThat(settings.pathStyle()).isFalse();
        assertThat(settings.accessKeyId()).isNull();
        assertThat(settings.prefix()).isEqualTo("sextant/prod/");
        assertThat(settings.partSize()).isEqualTo(16 * 1024 * 1024);
    }

    @Test
    void everyWrongSettingIsNamed() {
        final Env env = Env.of(Map.of("S3_ENDPOINT", "ftp://x", "S3_BUCKET", "Bad_Bucket",
                                      "S3_SECRET_ACCESS_KEY", "do-not-print", "S3_PATH_STYLE", "maybe",
                                      "S3_PREFIX", "a b/", "S3_PART_SIZE", "4MiB", "S3_REGION", "EU CENTRAL"));
        S3Settings.read(env);
        assertThatThrownBy(env::check).isInstanceOf(ConfigException.class)
                .hasMessageContaining("S3_ENDPOINT").hasMessageContaining("S3_BUCKET")
                .hasMessageContaining("S3_ACCESS_KEY_ID is not set").hasMessageContaining("S3_PATH_STYLE")
                .hasMessageContaining("S3_PREFIX").hasMessageContaining("S3_PART_SIZE")
                .hasMessageContaining("S3_REGION").message().doesNotContain("do-not-print");
    }

    @Test
    void theBucketIsRequired() {
        final Env env = Env.of(Map.of());
        S3Settings.read(env);
        assertThatThrownBy(env::check).hasMessageContaining("S3_BUCKET is not set");
    }

    @Test
    void sizesTakeBinaryUnits() {
        assertThat(ByteSize.parse("8388608")).isEqualTo(8 * ByteSize.MIB);
        assertThat(ByteSize.parse("8MiB")).isEqualTo(8 * ByteSize.MIB);
        assertThat(ByteSize.parse("512k")).isEqualTo(512 * ByteSize.KIB);
        assertThat(ByteSize.parse("1 GiB")).isEqualTo(ByteSize.GIB);
        assertThatThrownBy(() -> ByteSize.parse("8MB")).isInstanceOf(IllegalArgumentException.class);
        assertThat(ByteSize.format(50 * ByteSize.MIB)).isEqualTo("50MiB");
    }
}
