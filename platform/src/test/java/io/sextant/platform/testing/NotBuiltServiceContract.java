package io.sextant.platform.testing;

import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.grpc.ServiceDescriptor;
import io.sextant.platform.config.Env;
import io.sextant.platform.db.DbConfig;
import io.sextant.platform.server.SextantServer;

/**
 * What a service whose RPCs are not built yet must already do: start on its own database, serve
 * health, readiness, metrics and docs, and answer every RPC of its contract with NOT_BUILT_YET.
 * A service's test extends this with its server factory and descriptor.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class NotBuiltServiceContract {

    private SextantServer server;

    /** Builds the service's server from this environment (PORT=0, its own fresh database). */
    protected abstract SextantServer newServer(Env env);

    protected abstract ServiceDescriptor contract();

    protected abstract String serviceName();

    @BeforeAll
    void start() {
        final DbConfig db = TestPostgres.newDatabase(serviceName());
        server = newServer(Env.of(Map.of("PORT", "0", "DB_URL", db.url(), "DB_USER", db.user()))).start();
    }

    @AfterAll
    void stop() {
        server.close();
    }

    @Test
    void servesHealthReadinessMetricsAndDocs() {
        ServiceSmoke.assertOperable(server);
    }

    @Test
    void everyRpcSaysItIsNotBuiltYet() {
        ServiceSmoke.assertNotBuiltYet(server, contract());
    }
}
