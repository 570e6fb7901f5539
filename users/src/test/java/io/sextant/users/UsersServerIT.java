package io.sextant.users;

import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.sextant.users.v1.UsersServiceGrpc;
import io.sextant.platform.config.Env;
import io.sextant.platform.db.DbConfig;
import io.sextant.platform.server.SextantServer;
import io.sextant.platform.testing.ServiceSmoke;
import io.sextant.platform.testing.TestPostgres;

/** The users service starts on its own database and serves its contract, saying plainly what is not built. */
class UsersServerIT {

    private static SextantServer server;

    @BeforeAll
    static void start() {
        final DbConfig db = TestPostgres.newDatabase("users");
        server = UsersServer.newServer(UsersServer.readConfig(Env.of(Map.of("PORT", "0", "DB_URL", db.url(),
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
        ServiceSmoke.assertNotBuiltYet(server, UsersServiceGrpc.getServiceDescriptor());
    }
}
