package io.sextant.platform.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CommonConfigTest {

    private static CommonConfig read(Map<String, String> values) {
        final Env env = Env.of(values);
        final CommonConfig config = CommonConfig.read("users", 8002, env);
        env.check();
        return config;
    }

    private static ConfigException failure(Map<String, String> values) {
        try {
            read(values);
        } catch (ConfigException e) {
            return e;
        }
        throw new AssertionError("the configuration " + values + " was accepted");
    }

    @Test
    void an_empty_environment_gives_safe_defaults() {
        final CommonConfig config = read(Map.of());

        assertThat(config.serviceName()).isEqualTo("users");
        assertThat(config.port()).isEqualTo(8002);
        assertThat(config.db().url()).isEqualTo("jdbc:postgresql://localhost:5432/sextant_users");
        assertThat(config.db().user()).isEqualTo("sextant_users");
        assertThat(config.db().password()).as("no secret has a default").isEmpty();
        assertThat(config.db().poolSize()).isEqualTo(10);
        assertThat(config.authTarget()).isEqualTo("localhost:8001");
        assertThat(config.shutdownGrace()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.trustedProxies()).as("X-Forwarded-For is believed from nobody unless configured").isEmpty();
        assertThat(config.otlpEndpoint()).isNull();
    }

    @Test
    void blank_values_count_as_unset() {
        final CommonConfig config = read(Map.of("PORT", "  ", "DB_URL", ""));

        assertThat(config.port()).isEqualTo(8002);
        assertThat(config.db().url()).isEqualTo("jdbc:postgresql://localhost:5432/sextant_users");
    }

    @Test
    void explicit_values_are_used() {
        final CommonConfig config = read(Map.of(
                "PORT", "9100",
                "DB_URL", "jdbc:postgresql://db.internal:5433/people",
                "DB_USER", "people",
                "DB_PASSWORD", "s3cret",
                "DB_POOL_SIZE", "25",
                "AUTH_TARGET", "auth-1:8001, auth-2:8001",
                "SHUTDOWN_GRACE", "30s",
                "TRUSTED_PROXIES", "10.1.0.0/16, fd00::/8",
                "OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel-collector:4317"));

        assertThat(config.port()).isEqualTo(9100);
        assertThat(config.db().url()).isEqualTo("jdbc:postgresql://db.internal:5433/people");
        assertThat(config.db().user()).isEqualTo("people");
        assertThat(config.db().password()).isEqualTo("s3cret");
        assertThat(config.db().poolSize()).isEqualTo(25);
        assertThat(config.authTarget()).isEqualTo("auth-1:8001, auth-2:8001");
        assertThat(config.shutdownGrace()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.otlpEndpoint()).hasToString("http://otel-collector:4317");
    }

    @Test
    void the_database_password_is_never_printed() {
        final CommonConfig config = read(Map.of("DB_PASSWORD", "hunter2-secret"));

        assertThat(config.db().toString()).doesNotContain("hunter2-secret");
        assertThat(config.toString()).doesNotContain("hunter2-secret");
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
            "PORT             | abc",
            "PORT             | 70000",
            "PORT             | -1",
            "DB_URL           | mysql://localhost:3306/users",
            "DB_POOL_SIZE     | 0",
            "AUTH_TARGET      | nohostport",
            "AUTH_TARGET      | auth:notaport",
            "AUTH_TARGET      | auth:8001,broken",
            "SHUTDOWN_GRACE   | forever",
            "SHUTDOWN_GRACE   | 10 parsecs",
            "TRUSTED_PROXIES  | bad",
            "TRUSTED_PROXIES  | 10.0.0.0/33",
            "BIND_ADDRESS     | localhost.example",
            "BIND_ADDRESS     | 127.0.0.256",
            "OTEL_EXPORTER_OTLP_ENDPOINT | http://bad host:4317",
            "METRICS_PORT     | 70000",
            "METRICS_PORT     | 8002",
            "METRICS_ADDRESS  | metrics.example.com",
            "METRICS_ADDRESS  | 300.1.2.3",
    })
    void a_wrong_value_is_refused_naming_the_variable(String name, String value) {
        final ConfigException e = failure(Map.of(name, value));

        assertThat(e.problems()).hasSize(1);
        assertThat(e.problems().get(0)).startsWith(name);
        assertThat(e.getMessage()).contains(name);
    }

    @Test
    void metrics_are_on_the_service_port_unless_a_management_port_is_set() {
        assertThat(read(Map.of()).metricsPort()).isEqualTo(CommonConfig.METRICS_ON_SERVICE_PORT);
        final CommonConfig separate = read(Map.of("METRICS_PORT", "9102"));
        assertThat(separate.metricsPort()).isEqualTo(9102);
        assertThat(separate.metricsAddress()).isEqualTo("127.0.0.1");
        assertThat(read(Map.of("METRICS_PORT", "0", "METRICS_ADDRESS", "::")).metricsAddress()).isEqualTo("::");
        // a service whose port is public keeps them apart by default
        final Env env = Env.of(Map.of());
        assertThat(CommonConfig.read("gateway", 8000, "", 9000, env).metricsPort()).isEqualTo(9000);
    }

    @Test
    void every_wrong_variable_is_named_in_one_error() {
        final Map<String, String> values = new HashMap<>();
        values.put("PORT", "abc");
        values.put("DB_URL", "mysql://localhost:3306/users");
        values.put("AUTH_TARGET", "nohostport");
        values.put("SHUTDOWN_GRACE", "forever");
        values.put("TRUSTED_PROXIES", "bad");
        values.put("DB_USER", "fine");

        final ConfigException e = failure(values);

        assertThat(e.problems()).hasSize(5);
        assertThat(e.getMessage())
                .contains("PORT='abc'")
                .contains("DB_URL")
                .contains("mysql://localhost:3306/users")
                .contains("AUTH_TARGET")
                .contains("nohostport")
                .contains("SHUTDOWN_GRACE='forever'")
                .contains("TRUSTED_PROXIES")
                .doesNotContain("DB_USER");
    }

    @Test
    void a_port_out_of_range_says_what_is_allowed() {
        final ConfigException e = failure(Map.of("PORT", "70000"));

        assertThat(e.getMessage()).contains("PORT='70000'").contains("65535");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "500ms, PT0.5S",
            "30s,   PT30S",
            "15m,   PT15M",
            "24h,   PT24H",
            "30d,   PT720H",
            "PT5M,  PT5M",
            "pt5m,  PT5M",
            "0s,    PT0S",
    })
    void durations_parse_with_units_or_iso8601(String text, String expected) {
        final CommonConfig config = read(Map.of("SHUTDOWN_GRACE", text));

        assertThat(config.shutdownGrace()).isEqualTo(Duration.parse(expected));
    }

    @Test
    void a_service_adds_its_own_settings_to_the_same_check() {
        final Env env = Env.of(Map.of("PORT", "abc", "TOKEN_TTL", "soon", "ENABLE_SIGNUP", "maybe"));
        CommonConfig.read("auth", 8001, env);
        env.duration("TOKEN_TTL", Duration.ofMinutes(15));
        env.bool("ENABLE_SIGNUP", true);
        env.required("JWT_KEY_PASSWORD", "the password of the signing key store");

        assertThatThrownBy(env::check)
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).hasSize(4))
                .hasMessageContaining("PORT")
                .hasMessageContaining("TOKEN_TTL")
                .hasMessageContaining("ENABLE_SIGNUP")
                .hasMessageContaining("JWT_KEY_PASSWORD is not set");
    }

    @Test
    void booleans_accept_the_usual_spellings() {
        final Env env = Env.of(Map.of("A", "yes", "B", "OFF", "C", "1", "D", "false"));

        assertThat(env.bool("A", false)).isTrue();
        assertThat(env.bool("B", true)).isFalse();
        assertThat(env.bool("C", false)).isTrue();
        assertThat(env.bool("D", true)).isFalse();
        assertThat(env.bool("UNSET", true)).isTrue();
        env.check();
    }

    @Test
    void with_overrides_some_values() {
        final Env env = Env.of(Map.of("PORT", "1", "DB_USER", "a")).with(Map.of("PORT", "2"));

        assertThat(env.port("PORT", 0)).isEqualTo(2);
        assertThat(env.string("DB_USER", "x")).isEqualTo("a");
    }
}
