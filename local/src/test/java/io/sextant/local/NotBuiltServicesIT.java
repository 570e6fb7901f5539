package io.sextant.local;

import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.sextant.monitoring.MonitoringServer;
import io.sextant.platform.config.Env;
import io.sextant.platform.db.DbConfig;
import io.sextant.platform.server.NotBuiltService;
import io.sextant.platform.server.SextantServer;
import io.sextant.platform.testing.ServiceSmoke;
import io.sextant.platform.testing.TestPostgres;

/**
 * The contract every service whose RPCs are not built yet keeps, run for each of them as its main
 * wires it: it starts on its own database, serves health, readiness, metrics and docs, and answers
 * every RPC of its contract with NOT_BUILT_YET. A service leaves this list when its issue builds it.
 */
class NotBuiltServicesIT {

    static Stream<Named<NotBuiltService>> services() {
        return Stream.of(MonitoringServer.SERVICE)
                     .map(service -> Named.of(service.name(), service));
    }

    @ParameterizedTest
    @MethodSource("services")
    void startsOnItsDatabaseAndSaysPlainlyWhatIsNotBuilt(NotBuiltService service) {
        final DbConfig db = TestPostgres.newDatabase(service.name());
        final Env env = Env.of(Map.of("PORT", "0", "DB_URL", db.url(), "DB_USER", db.user()));
        try (SextantServer server = service.newServer(service.readConfig(env)).start()) {
            ServiceSmoke.assertOperable(server);
            ServiceSmoke.assertNotBuiltYet(server, service.descriptor());
        }
    }
}
