package io.sextant.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.sextant.platform.config.ConfigException;
import io.sextant.platform.config.Env;

class GatewayConfigTest {

    @Test
    void defaultsServeTheMeshOnLocalhost() {
        final GatewayConfig config = GatewayConfig.read(Env.of(Map.of()));

        assertThat(config.service().port()).isEqualTo(8000);
        assertThat(config.targets()).containsExactly(Map.entry("auth", "localhost:8001"),
                                                     Map.entry("users", "localhost:8002"),
                                                     Map.entry("notification", "localhost:8003"),
                                                     Map.entry("storage", "localhost:8004"),
                                                     Map.entry("monitoring", "localhost:8005"));
        assertThat(config.backendDeadline()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.healthTimeout()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void readsEveryVariable() {
        final GatewayConfig config = GatewayConfig.read(Env.of(Map.of(
                "PORT", "9000", "USERS_TARGET", "users-0:8002,users-1:8002", "STORAGE_TARGET", "storage:9004",
                "BACKEND_DEADLINE", "2500ms", "HEALTH_TIMEOUT", "PT0.5S")));

        assertThat(config.service().port()).isEqualTo(9000);
        assertThat(config.target(Backend.ALL.get(1))).isEqualTo("users-0:8002,users-1:8002");
        assertThat(config.targets().get("storage")).isEqualTo("storage:9004");
        assertThat(config.backendDeadline()).isEqualTo(Duration.ofMillis(2500));
        assertThat(config.healthTimeout()).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void badValuesAreOneStartUpErrorNamingEachVariable() {
        assertThatThrownBy(() -> GatewayConfig.read(Env.of(Map.of(
                "AUTH_TARGET", "auth", "NOTIFICATION_TARGET", "notification:99999", "MONITORING_TARGET", "host:8005,:1",
                "BACKEND_DEADLINE", "soon", "HEALTH_TIMEOUT", "0s"))))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).satisfiesExactlyInAnyOrder(
                        problem -> assertThat(problem).startsWith("AUTH_TARGET").contains("'auth'"),
                        problem -> assertThat(problem).startsWith("NOTIFICATION_TARGET").contains("notification:99999"),
                        problem -> assertThat(problem).startsWith("MONITORING_TARGET").contains("':1'"),
                        problem -> assertThat(problem).startsWith("BACKEND_DEADLINE").contains("soon"),
                        problem -> assertThat(problem).startsWith("HEALTH_TIMEOUT").contains("longer than 0")));
    }

    @Test
    void everyServiceHasItsOwnVariable() {
        assertThat(Backend.ALL).extracting(Backend::targetVariable)
                               .containsExactly("AUTH_TARGET", "USERS_TARGET", "NOTIFICATION_TARGET", "STORAGE_TARGET",
                                                "MONITORING_TARGET");
    }
}
