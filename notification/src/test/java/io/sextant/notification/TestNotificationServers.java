package io.sextant.notification;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;

import io.sextant.notification.channel.Provider;
import io.sextant.platform.config.Env;
import io.sextant.platform.db.DbConfig;
import io.sextant.platform.identity.Authz;
import io.sextant.platform.identity.RevocationSet;
import io.sextant.platform.identity.TokenVerifier;
import io.sextant.platform.server.SextantServer;
import io.sextant.platform.testing.TestKeys;
import io.sextant.platform.testing.TestServers;
import io.sextant.users.v1.GetUserRequest;
import io.sextant.users.v1.GetUserResponse;
import io.sextant.users.v1.User;
import io.sextant.users.v1.UsersServiceGrpc;

/**
 * Notification servers as the ITs start them ({@link NotificationServer#newServer}, with a test key's
 * tokens), and what they talk to: a small real users service and GreenMail.
 */
final class TestNotificationServers {

    /** The notification service's own secret in tests (auth's stand-in, TestTokenExchange, takes it). */
    static final String SERVICE_SECRET = "sxs_the-notification-service-secret-in-tests-0001";

    private TestNotificationServers() {}

    /**
     * The settings every notification server needs besides the ones a test sets: its own secret, and
     * an auth that is never asked (a closed port) unless a test gives one (AUTH_TARGET).
     */
    static Map<String, String> identity() {
        return Map.of("AUTH_TARGET", "127.0.0.1:9", "SERVICE_SECRET", SERVICE_SECRET);
    }

    /**
     * The settings of a server on the database, resolving users with the users service on {@code usersPort}
     * and sending e-mail over plain SMTP to 127.0.0.1 (SMTP_PORT is the caller's to add).
     */
    static Map<String, String> settings(DbConfig database, int usersPort) {
        final Map<String, String> env = new HashMap<>(Map.of(
                "PORT", "0", "SHUTDOWN_GRACE", "500ms",
                "DB_URL", database.url(), "DB_USER", database.user(),
                "USERS_TARGET", "127.0.0.1:" + usersPort,
                "SMTP_HOST", "127.0.0.1", "SMTP_TLS", "none", "SMTP_FROM", "Sextant <no-reply@sextant.test>",
                "SMTP_TIMEOUT", "1s", "NOTIFICATION_LEASE", "5s"));
        if (!database.password().isEmpty()) {
            env.put("DB_PASSWORD", database.password());
        }
        env.putAll(identity());
        return env;
    }

    /** Starts a server with the settings, trusting tokens signed with {@code keys}. */
    static SextantServer start(Map<String, String> env, TestKeys keys) {
        return start(env, keys, Map.of());
    }

    /** As {@link #start(Map, TestKeys)}, with {@code providers} by channel over the configured ones. */
    static SextantServer start(Map<String, String> env, TestKeys keys, Map<String, Provider> providers) {
        final Clock clock = Clock.systemUTC();
        final TokenVerifier verifier = new TokenVerifier(kid -> kid.equals(keys.kid()) ? keys.publicKey() : null,
                                                         new RevocationSet(clock), clock);
        return NotificationServer.newServer(NotificationServer.readConfig(Env.of(env)), verifier, providers).start();
    }

    /** A loopback port nothing listens on right now. */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** GreenMail's SMTP server on a free loopback port, started. */
    static GreenMail greenMail() {
        final GreenMail mail = new GreenMail(new ServerSetup(freePort(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        mail.start();
        return mail;
    }

    /**
     * A users service, started, verifying tokens signed with {@code keys}, whose GetUser knows one user
     * ({@code users/{id}} with the e-mail address), lets only the user themself or a holder of
     * {@code users.read} read a user (as users does), and records the Authorization header of every
     * call in {@code authorizations}.
     */
    static SextantServer usersKnowing(String id, String email, List<String> authorizations, TestKeys keys) {
        final Clock clock = Clock.systemUTC();
        return SextantServer.builder(TestServers.config("users"))
                            .grpcService(new OneUser(id, email, authorizations))
                            .verifier(new TokenVerifier(kid -> kid.equals(keys.kid()) ? keys.publicKey() : null,
                                                        new RevocationSet(clock), clock))
                            .build()
                            .start();
    }

    private static final class OneUser extends UsersServiceGrpc.UsersServiceImplBase {

        private final String id;
        private final String email;
        private final List<String> authorizations;

        OneUser(String id, String email, List<String> authorizations) {
            this.id = id;
            this.email = email;
            this.authorizations = authorizations;
        }

        @Override
        public void getUser(GetUserRequest request, StreamObserver<GetUserResponse> response) {
            authorizations.add(ServiceRequestContext.current().request().headers()
                                                    .get(HttpHeaderNames.AUTHORIZATION, ""));
            Authz.requireSelfOrPermission(request.getName().substring("users/".length()), "users.read");
            if (!request.getName().equals("users/" + id)) {
                response.onError(Status.NOT_FOUND.withDescription("no such user").asRuntimeException());
                return;
            }
            response.onNext(GetUserResponse.newBuilder().setUser(User.newBuilder().setName(request.getName())
                                                                     .setId(id).setEmail(email)).build());
            response.onCompleted();
        }
    }
}
