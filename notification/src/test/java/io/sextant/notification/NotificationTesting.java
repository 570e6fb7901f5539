package io.sextant.notification;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.sextant.notification.channel.Provider;
import io.sextant.notification.v1.NotificationServiceGrpc.NotificationServiceBlockingStub;
import io.sextant.platform.db.DbConfig;
import io.sextant.platform.server.SextantServer;
import io.sextant.platform.testing.TestKeys;
import io.sextant.platform.testing.TestServers;

/**
 * A notification server for a test: on its own port, on a test database, verifying tokens signed
 * with the test's key, polling its queue often; and stubs that call it with such tokens.
 */
final class NotificationTesting {

    private final TestKeys keys;

    NotificationTesting(String name) {
        this.keys = TestKeys.generate(name);
    }

    /**
     * A started server on {@code db}: IN_APP recipients as they are (the users service at a closed
     * port is never asked), {@code overrides} over these settings.
     */
    SextantServer start(DbConfig db, Map<String, String> overrides) {
        return start(db, overrides, Map.of());
    }

    /** As {@link #start(DbConfig, Map)}, with {@code providers} by channel over the configured ones. */
    SextantServer start(DbConfig db, Map<String, String> overrides, Map<String, Provider> providers) {
        final Map<String, String> env = new HashMap<>(Map.of(
                "PORT", "0", "SHUTDOWN_GRACE", "500ms", "DB_URL", db.url(), "DB_USER", db.user(),
                "USERS_TARGET", "127.0.0.1:9", "NOTIFICATION_POLL_INTERVAL", "50ms"));
        if (!db.password().isEmpty()) {
            env.put("DB_PASSWORD", db.password());
        }
        env.putAll(TestNotificationServers.identity());
        env.putAll(overrides);
        return TestNotificationServers.start(env, keys, providers);
    }

    /** A user token of {@code subject} with the permissions. */
    String token(String subject, String... permissions) {
        return keys.sign(keys.userToken(subject).withClaim("permissions", List.of(permissions)));
    }

    /** A service token (no user) with the permissions. */
    String serviceToken(String subject, String... permissions) {
        return keys.sign(keys.userToken(subject).withClaim("kind", "service")
                             .withClaim("permissions", List.of(permissions)));
    }

    static NotificationServiceBlockingStub stub(SextantServer server, String token) {
        return TestServers.grpc(server.port()).addHeader("authorization", "Bearer " + token)
                          .build(NotificationServiceBlockingStub.class);
    }

    /** A stub without a token. */
    static NotificationServiceBlockingStub anonymous(SextantServer server) {
        return TestServers.grpc(server.port()).build(NotificationServiceBlockingStub.class);
    }
}
