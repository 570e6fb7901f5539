package io.sextant.gateway.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.sextant.gateway.GatewayConfig;
import io.sextant.platform.config.ConfigException;
import io.sextant.platform.config.Env;

class StreamConfigTest {

    @Test
    void defaults() {
        final StreamConfig streams = GatewayConfig.read(Env.of(Map.of())).streams();
        assertThat(streams.heartbeat()).isEqualTo(Duration.ofSeconds(15));
        assertThat(streams.maxPerClient()).isEqualTo(8);
        assertThat(streams.maxLifetime()).isEqualTo(Duration.ofHours(1));
        assertThat(streams.uploadMaxBytes()).isEqualTo(1024L * 1024 * 1024 + 1024 * 1024);
        assertThat(streams.maxTransfersPerClient()).isEqualTo(64);
    }

    @Test
    void settings() {
        final StreamConfig streams = GatewayConfig.read(Env.of(Map.of(
                "STREAM_HEARTBEAT", "30s", "STREAM_MAX_PER_CLIENT", "2", "STREAM_MAX_LIFETIME", "24h",
                "UPLOAD_MAX_BYTES", "5368709120", "TRANSFER_MAX_PER_CLIENT", "3"))).streams();
        assertThat(streams).isEqualTo(new StreamConfig(Duration.ofSeconds(30), 2, Duration.ofHours(24), 5L << 30, 3));
    }

    @Test
    void badValuesAreNamed() {
        assertThatThrownBy(() -> GatewayConfig.read(Env.of(Map.of(
                "STREAM_HEARTBEAT", "0s", "STREAM_MAX_PER_CLIENT", "0", "STREAM_MAX_LIFETIME", "forever",
                "UPLOAD_MAX_BYTES", "1GB"))))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).satisfiesExactlyInAnyOrder(
                        problem -> assertThat(problem).startsWith("STREAM_HEARTBEAT").contains("longer than 0"),
                        problem -> assertThat(problem).startsWith("STREAM_MAX_PER_CLIENT").contains("between 1"),
                        problem -> assertThat(problem).startsWith("STREAM_MAX_LIFETIME").contains("forever"),
                        problem -> assertThat(problem).startsWith("UPLOAD_MAX_BYTES").contains("1GB")));
    }
}
