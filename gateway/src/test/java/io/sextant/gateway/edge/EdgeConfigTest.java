package io.sextant.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.sextant.gateway.GatewayConfig;
import io.sextant.platform.config.ConfigException;
import io.sextant.platform.config.Env;
import io.sextant.platform.limits.RateLimit;

class EdgeConfigTest {

    @Test
    void defaultsLimitUsersAndLoginsInMemoryWithNoCorsAndNoTls() {
        final EdgeConfig edge = EdgeConfig.read(Env.of(Map.of()));

        assertThat(edge.rateLimits()).containsExactlyInAnyOrderEntriesOf(Map.of(
                RouteGroup.API, new RateLimit(600, Duration.ofMinutes(1)),
                RouteGroup.AUTH, new RateLimit(10, Duration.ofMinutes(1))));
        assertThat(edge.rateLimitDb()).isNull();
        assertThat(edge.corsOrigins()).isEmpty();
        assertThat(edge.maxRequestBody()).isEqualTo(16 * 1024 * 1024);
        assertThat(edge.maxHeaderSize()).isEqualTo(16 * 1024);
        assertThat(edge.tls()).isFalse();
    }

    @Test
    void readsEveryVariable() {
        final EdgeConfig edge = EdgeConfig.read(Env.of(Map.of(
                "RATE_LIMIT_USER", "50/1s", "RATE_LIMIT_AUTH", "off", "RATE_LIMIT_STORE", "postgres",
                "RATE_LIMIT_DB_URL", "jdbc:postgresql://db:5432/gateway", "RATE_LIMIT_DB_USER", "gw",
                "CORS_ALLOWED_ORIGINS", "https://app.example.com, http://localhost:*",
                "MAX_REQUEST_BODY", "1048576", "MAX_HEADER_SIZE", "8192")));

        assertThat(edge.rateLimits()).containsExactly(Map.entry(RouteGroup.API, new RateLimit(50, Duration.ofSeconds(1))));
        assertThat(edge.rateLimitDb().url()).isEqualTo("jdbc:postgresql://db:5432/gateway");
        assertThat(edge.rateLimitDb().user()).isEqualTo("gw");
        assertThat(edge.corsOrigins()).containsExactly("https://app.example.com", "http://localhost:*");
        assertThat(edge.maxRequestBody()).isEqualTo(1_048_576);
        assertThat(edge.maxHeaderSize()).isEqualTo(8192);
    }

    @Test
    void badValuesNameTheirVariables() {
        assertThatThrownBy(() -> GatewayConfig.read(Env.of(Map.of(
                "RATE_LIMIT_USER", "lots", "RATE_LIMIT_AUTH", "0/1m", "RATE_LIMIT_STORE", "redis",
                "CORS_ALLOWED_ORIGINS", "*", "TLS_CERT_FILE", "/no/such/cert.pem"))))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).satisfiesExactlyInAnyOrder(
                        problem -> assertThat(problem).startsWith("RATE_LIMIT_USER").contains("'lots'", "600/1m"),
                        problem -> assertThat(problem).startsWith("RATE_LIMIT_AUTH").contains("'0/1m'"),
                        problem -> assertThat(problem).startsWith("RATE_LIMIT_STORE").contains("memory or postgres"),
                        problem -> assertThat(problem).startsWith("CORS_ALLOWED_ORIGINS").contains("'*'"),
                        problem -> assertThat(problem).startsWith("TLS_CERT_FILE").contains("not a readable file"),
                        problem -> assertThat(problem).startsWith("TLS_KEY_FILE").contains("needs both")));
        assertThatThrownBy(() -> GatewayConfig.read(Env.of(Map.of("RATE_LIMIT_STORE", "postgres"))))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement()
                        .satisfies(problem -> assertThat(problem).startsWith("RATE_LIMIT_DB_URL")));
    }

    @Test
    void corsOriginsMatchExactlyOrAnyPortOfAWildcard() {
        final var allowed = Cors.allowed(List.of("http://localhost:*", "https://app.example.com"));
        assertThat(allowed).accepts("http://localhost:5173", "http://localhost:80", "https://app.example.com",
                                    "HTTPS://APP.EXAMPLE.COM");
        assertThat(allowed).rejects("http://localhost", "https://localhost:5173", "http://localhost:5173.evil.example",
                                    "http://localhost.evil.example:80", "https://app.example.com.evil", "null", "");
    }

    @Test
    void everyLoginLikeRouteIsInTheAuthGroup() {
        assertThat(RouteGroup.of("sextant.auth.v1.AuthService/Login")).isEqualTo(RouteGroup.AUTH);
        assertThat(RouteGroup.of("sextant.auth.v1.AuthService/Register")).isEqualTo(RouteGroup.AUTH);
        assertThat(RouteGroup.of("sextant.auth.v1.AuthService/RequestPasswordReset")).isEqualTo(RouteGroup.AUTH);
        assertThat(RouteGroup.of("sextant.auth.v1.AuthService/RefreshToken")).isEqualTo(RouteGroup.API);
        assertThat(RouteGroup.of("sextant.users.v1.UsersService/ListUsers")).isEqualTo(RouteGroup.API);
    }
}
