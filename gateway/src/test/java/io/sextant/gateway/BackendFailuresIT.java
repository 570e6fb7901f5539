package io.sextant.gateway;

import static io.sextant.gateway.GatewayIT.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;

import io.sextant.gateway.backends.Backend;
import io.sextant.platform.server.SextantServer;

/** What clients of the gateway see when the services behind it are slow or down. */
class BackendFailuresIT {

    @Test
    void slowServiceIs504NamingIt() throws Exception {
        final SextantServer auth = TestMesh.startService("auth", new TestAuthService());
        final SextantServer gateway = TestMesh.startGateway(Map.of("auth", TestMesh.target(auth)),
                                                            Map.of("BACKEND_DEADLINE", "300ms"));
        try {
            final AggregatedHttpResponse response = client(gateway).blocking().execute(
                    RequestHeaders.builder(HttpMethod.POST, "/v1/auth/register").contentType(MediaType.JSON_UTF_8)
                                  .build(),
                    "{\"username\": \"slowpoke\", \"email\": \"slow@example.com\", \"password\": \"a long password\"}");

            final JsonNode body = assertError(response, 504, "BACKEND_TIMEOUT");
            assertThat(body.get("message").asText()).contains("auth");
            assertThat(body.at("/details/metadata/service").asText()).isEqualTo("auth");
        } finally {
            TestMesh.closeAll(gateway, auth);
        }
    }

    @Test
    void everyServiceDownIsUnhealthy503() throws Exception {
        final SextantServer gateway = TestMesh.startGateway(Map.of(), Map.of("HEALTH_TIMEOUT", "2s"));
        try {
            final AggregatedHttpResponse health = client(gateway).blocking().get("/health");

            assertThat(health.status().code()).isEqualTo(503);
            final JsonNode body = new ObjectMapper().readTree(health.contentUtf8());
            assertThat(body.get("status").asText()).isEqualTo("unhealthy");
            assertThat(body.get("gateway").asText()).isEqualTo("ok");
            body.get("services").forEach(service -> assertThat(service.asText()).isEqualTo("unhealthy"));
            assertThat(body.get("services")).hasSize(Backend.ALL.size());
            // the gateway itself is ready: a probe there does not take it down for its backends' outage
            assertThat(client(gateway).blocking().get("/health/ready").status().code()).isEqualTo(200);
        } finally {
            TestMesh.closeAll(gateway);
        }
    }

    @Test
    void everyServiceUpIsHealthy() throws Exception {
        final SextantServer[] services = Backend.ALL.stream()
                                                    .map(backend -> TestMesh.startService(backend.name()))
                                                    .toArray(SextantServer[]::new);
        final Map<String, String> targets = new HashMap<>();
        for (SextantServer service : services) {
            targets.put(service.name(), TestMesh.target(service));
        }
        final SextantServer gateway = TestMesh.startGateway(targets, Map.of());
        try {
            final AggregatedHttpResponse health = client(gateway).blocking().get("/health");

            assertThat(health.status().code()).isEqualTo(200);
            assertThat(new ObjectMapper().readTree(health.contentUtf8()).get("status").asText()).isEqualTo("healthy");
        } finally {
            TestMesh.closeAll(services);
            TestMesh.closeAll(gateway);
        }
    }

    private static WebClient client(SextantServer gateway) {
        return WebClient.builder("http://127.0.0.1:" + gateway.port()).responseTimeout(Duration.ofSeconds(10)).build();
    }
}
