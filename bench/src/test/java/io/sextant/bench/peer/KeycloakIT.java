package io.sextant.bench.peer;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The real Keycloak, started as the benchmark starts it. Opt-in, because it needs Java 21+, the
 * 177 MB distribution (downloaded into the cache directory when missing) and two to three minutes
 * on two cores:
 * {@code ./mvnw -B -pl bench -am verify -Dit.test=KeycloakIT -Dsextant.bench.keycloak=true}
 * ({@code -Dsextant.bench.cache=DIR} moves the cache from {@code ~/.cache/sextant-bench}).
 */
@EnabledIfSystemProperty(named = "sextant.bench.keycloak", matches = "true")
class KeycloakIT {

    @Test
    void itServesTheThreeGrantsTheBenchmarkMeasures() throws Exception {
        final Path cache = Path.of(System.getProperty("sextant.bench.cache",
                                                      System.getProperty("user.home") + "/.cache/sextant-bench"));
        final HttpClient http = HttpClient.newHttpClient();
        final long pid;
        try (Keycloak keycloak = Keycloak.start(cache, Integer.getInteger("sextant.bench.keycloak.port", 20180))) {
            pid = keycloak.pid();
            assertThat(ProcessHandle.of(pid).orElseThrow().info().command().orElseThrow()).endsWith("/java");
            assertThat(keycloak.version()).isEqualTo(KeycloakDistribution.VERSION);
            assertThat(keycloak.passwordHashing()).matches("argon2id m=\\d+ KiB t=\\d+ p=\\d+");

            final Keycloak.Tokens tokens = keycloak.login();
            assertThat(post(http, keycloak.tokenUrl(), keycloak.passwordGrantBody()).statusCode()).isEqualTo(200);
            // rotation off: the same refresh token serves twice
            for (int refresh = 0; refresh < 2; refresh++) {
                final HttpResponse<String> refreshed = post(http, keycloak.tokenUrl(),
                                                            keycloak.refreshGrantBody(tokens.refreshToken()));
                assertThat(refreshed.statusCode()).as(refreshed.body()).isEqualTo(200);
                assertThat(refreshed.body()).contains("\"access_token\"");
            }
            final HttpResponse<String> userinfo = http.send(
                    HttpRequest.newBuilder(URI.create(keycloak.userinfoUrl()))
                               .header("authorization", "Bearer " + tokens.accessToken()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(userinfo.statusCode()).as(userinfo.body()).isEqualTo(200);
            assertThat(userinfo.body()).contains("\"preferred_username\":\"bench\"");
        }
        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).as("stopped by close()").isEmpty();
    }

    private static HttpResponse<String> post(HttpClient http, String url, String form) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                                    .header("content-type", "application/x-www-form-urlencoded")
                                    .POST(HttpRequest.BodyPublishers.ofString(form)).build(),
                         HttpResponse.BodyHandlers.ofString());
    }
}
