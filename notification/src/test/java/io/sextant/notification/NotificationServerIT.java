package io.sextant.notification;

import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.sextant.notification.v1.NotificationServiceGrpc;
import io.sextant.platform.config.Env;
import io.sextant.platform.db.DbConfig;
import io.sextant.platform.server.SextantServer;
import io.sextant.platform.testing.ServiceSmoke;
import io.sextant.platform.testing.TestPostgres;

/** The notification service starts on its own database and serves its contract, saying plainly what is not built. */
class NotificationServerIT {

    private static SextantServer server;

    @BeforeAll
    static void start() {
        final DbConfig db = TestPostgres.newDatabase("notification");
        server = NotificationServer.newServer(NotificationServer.readConfig(Env.of(Map.of("PORT", "0", "DB_URL", db.url(),
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
        ServiceSmoke.assertNotBuiltYet(server, NotificationServiceGrpc.getServiceDescriptor());
    }
}
