package io.sextant.storage;

import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.sextant.storage.v1.StorageServiceGrpc;
import io.sextant.platform.config.Env;
import io.sextant.platform.db.DbConfig;
import io.sextant.platform.server.SextantServer;
import io.sextant.platform.testing.ServiceSmoke;
import io.sextant.platform.testing.TestPostgres;

/** The storage service starts on its own database and serves its contract, saying plainly what is not built. */
class StorageServerIT {

    private static SextantServer server;

    @BeforeAll
    static void start() {
        final DbConfig db = TestPostgres.newDatabase("storage");
        server = StorageServer.newServer(StorageServer.readConfig(Env.of(Map.of("PORT", "0", "DB_URL", db.url(),
                                                                              "DB_USER", db.user())))).start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void servesHealthReadinessMetricsAndDocs() throws Exception {
        ServiceSmoke.assertOperable(server);
    }

    @Test
    void everyRpcSaysItIsNotBuiltYet() {
        ServiceSmoke.assertNotBuiltYet(server, StorageServiceGrpc.getServiceDescriptor());
    }
}
