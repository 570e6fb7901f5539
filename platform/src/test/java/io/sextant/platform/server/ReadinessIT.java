package io.sextant.platform.server;

import static io.sextant.platform.testing.TestServers.get;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.sextant.platform.config.CommonConfig;
import io.sextant.platform.db.Database;
import io.sextant.platform.testing.Poll;
import io.sextant.platform.testing.TestPostgres;
import io.sextant.platform.testing.TestServers;

/** What an orchestrator's probes see when a service loses its database. */
class ReadinessIT {

    @Test
    void without_its_database_a_service_is_alive_but_not_ready() {
        final CommonConfig config = TestServers.config("users");
        final SextantServer.Builder builder = SextantServer.builder(config);
        final Database database = Database.open("users", TestPostgres.newDatabase("readiness"), builder.registry());
        try (SextantServer server = builder.database(database).build().start()) {
            final int port = server.port();
            final HealthGrpc.HealthBlockingStub health = TestServers.grpc(port).build(HealthGrpc.HealthBlockingStub.class);
            assertThat(get(port, "/health/ready").statusCode()).isEqualTo(200);
            Poll.until(() -> assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
                    .isEqualTo(ServingStatus.SERVING));

            database.close();

            final HttpResponse<String> ready = get(port, "/health/ready");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).contains("\"status\":\"not_ready\"").contains("\"database\":\"down\"");
            assertThat(get(port, "/health").statusCode()).as("liveness must not restart a pod over its database")
                                                         .isEqualTo(200);
            Poll.until(() -> assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
                    .isEqualTo(ServingStatus.NOT_SERVING));
        }
    }
}
