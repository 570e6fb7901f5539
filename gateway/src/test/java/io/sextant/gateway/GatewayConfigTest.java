package io.sextant.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.sextant.gateway.backends.Backend;
import io.sextant.platform.config.ConfigException;
import io.sextant.platform.config.Env;

class GatewayConfigTest {

    @Test
    void defaultsServeTheMeshOnLocalhost() {
        final GatewayConfig config = GatewayConfig.read(Env.of(Map.of()));

        assertThat(config.service().port()).isEqualTo(8000);
        // the public port has no metrics: they are on the management port, on loopback
        assertThat(config.service().metricsPort()).isEqualTo(GatewayConfig.DEFAULT_METRICS_PORT);
        assertThat(config.service().metricsAddress()).isEqualTo("127.0.0.1");
        assertThat(config.targets()).containsExactly(Map.entry("auth", "localhost:8001"),
                                                     Map.entry("users", "localhost:8002"),
                                                     Map.entry("notification", "localhost:8003"),
                                                     Map.entry("storage", "localhost:8004"),
                                                     Map.entry("monitoring", "localhost:8005"));
        assertThat(config.backendDeadline()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.deadlines()).hasSize(Backend.ALL.size()).allSatisfy(
                (service, deadline) -> assertThat(deadline).isEqualTo(Duration.ofSeconds(10)));
        assertThat(config.longestDeadline()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.retryAttempts()).isEqualTo(3);
        assertThat(config.circuitBreakerFailures()).isEqualTo(5);
        assertThat(config.circuitBreakerOpenFor()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.healthTimeout()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void readsEveryVariable() {
        final GatewayConfig config = GatewayConfig.read(Env.of(Map.of(
                "PORT", "9000", "USERS_TARGET", "users-0:8002,users-1:8002", "STORAGE_TARGET", "storage:9004",
                "AUTH_TARGET", "dns:///auth.sextant.svc.cluster.local:8001",
                "BACKEND_DEADLINE", "2500ms", "HEALTH_TIMEOUT", "PT0.5S")).with(
                Map.of("STORAGE_DEADLINE", "1m", "USERS_DEADLINE", "300ms", "RETRY_MAX_ATTEMPTS", "1",
                       "CIRCUIT_BREAKER_FAILURES", "20", "CIRCUIT_BREAKER_OPEN_FOR", "30s", "METRICS_PORT", "9100",
                       "METRICS_ADDRESS", "0.0.0.0")));

        assertThat(config.service().port()).isEqualTo(9000);
        assertThat(config.service().metricsPort()).isEqualTo(9100);
        assertThat(config.service().metricsAddress()).isEqualTo("0.0.0.0");
        assertThat(config.target(Backend.ALL.get(1))).isEqualTo("users-0:8002,users-1:8002");
        assertThat(config.targets().get("storage")).isEqualTo("storage:9004");
        assertThat(config.targets().get("auth")).isEqualTo("dns:///auth.sextant.svc.cluster.local:8001");
        assertThat(config.backendDeadline()).isEqualTo(Duration.ofMillis(2500));
        assertThat(config.deadlines()).containsExactly(Map.entry("auth", Duration.ofMillis(2500)),
                                                       Map.entry("users", Duration.ofMillis(300)),
                                                       Map.entry("notification", Duration.ofMillis(2500)),
                                                       Map.entry("storage", Duration.ofMinutes(1)),
                                                       Map.entry("monitoring", Duration.ofMillis(2500)));
        assertThat(config.deadline(Backend.ALL.get(1))).isEqualTo(Duration.ofMillis(300));
        assertThat(config.longestDeadline()).isEqualTo(Duration.ofMinutes(1));
        assertThat(config.retryAttempts()).isEqualTo(1);
        assertThat(config.circuitBreakerFailures()).isEqualTo(20);
        assertThat(config.circuitBreakerOpenFor()).isEqualTo(Duration.ofSeconds(30));
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
    void badResilienceSettingsAreNamed() {
        assertThatThrownBy(() -> GatewayConfig.read(Env.of(Map.of(
                "USERS_DEADLINE", "0s", "STORAGE_DEADLINE", "later", "RETRY_MAX_ATTEMPTS", "11",
                "CIRCUIT_BREAKER_FAILURES", "0", "CIRCUIT_BREAKER_OPEN_FOR", "0ms",
                "AUTH_TARGET", "dns:///:8001", "NOTIFICATION_TARGET", "dns:///a:1,b:2", "STORAGE_TARGET", "storage:1,"))))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).satisfiesExactlyInAnyOrder(
                        problem -> assertThat(problem).startsWith("AUTH_TARGET").contains("dns:///host:port"),
                        problem -> assertThat(problem).startsWith("NOTIFICATION_TARGET").contains("dns:///a:1,b:2"),
                        problem -> assertThat(problem).startsWith("STORAGE_TARGET").contains("''", "not host:port"),
                        problem -> assertThat(problem).startsWith("USERS_DEADLINE").contains("longer than 0"),
                        problem -> assertThat(problem).startsWith("STORAGE_DEADLINE").contains("later"),
                        problem -> assertThat(problem).startsWith("RETRY_MAX_ATTEMPTS").contains("between 1 and 10"),
                        problem -> assertThat(problem).startsWith("CIRCUIT_BREAKER_FAILURES").contains("between 1"),
                        problem -> assertThat(problem).startsWith("CIRCUIT_BREAKER_OPEN_FOR").contains("longer than 0")));
    }

    @Test
    void everyServiceHasItsOwnVariable() {
        assertThat(Backend.ALL).extracting(Backend::targetVariable)
                               .containsExactly("AUTH_TARGET", "USERS_TARGET", "NOTIFICATION_TARGET", "STORAGE_TARGET",
                                                "MONITORING_TARGET");
        assertThat(Backend.ALL).extracting(Backend::deadlineVariable)
                               .containsExactly("AUTH_DEADLINE", "USERS_DEADLINE", "NOTIFICATION_DEADLINE",
                                                "STORAGE_DEADLINE", "MONITORING_DEADLINE");
    }
}
