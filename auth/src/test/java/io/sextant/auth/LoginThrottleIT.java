package io.sextant.auth;

import static io.sextant.platform.testing.GrpcErrors.errorInfo;
import static io.sextant.platform.testing.GrpcErrors.failure;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.linecorp.armeria.client.grpc.GrpcClients;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.sextant.auth.v1.AuthServiceGrpc.AuthServiceBlockingStub;
import io.sextant.auth.v1.ConfirmPasswordResetRequest;
import io.sextant.auth.v1.LoginRequest;
import io.sextant.auth.v1.RegisterRequest;
import io.sextant.auth.v1.RequestPasswordResetRequest;
import io.sextant.auth.v1.Token;
import io.sextant.platform.server.SextantServer;
import io.sextant.platform.testing.Poll;
import io.sextant.platform.testing.TestPostgres;

/**
 * The brute-force limits of login as an attacker meets them, over real gRPC on a real PostgreSQL:
 * who may set the client address they count, and that guessing cannot lock an owner out.
 */
class LoginThrottleIT {

    private static final String PASSWORD = "correct horse battery";
    private static final TestUsersServer USERS = new TestUsersServer();
    private static final Map<String, String> MAILBOX = new ConcurrentHashMap<>();
    /** Auth as a backend reached directly: TRUSTED_PROXIES left at its default. */
    private static SextantServer direct;
    /** Auth behind a proxy on loopback (TRUSTED_PROXIES=127.0.0.1/32): tests choose the client address. */
    private static SextantServer behindProxy;

    @BeforeAll
    static void start() {
        USERS.start();
        direct = AuthServer.newServer(AuthServiceIT.config(TestPostgres.newDatabase("auth"), USERS.target(), Map.of(
                "LOGIN_MAX_FAILURES_PER_CLIENT", "3"))).start();
        behindProxy = AuthServer.newServer(AuthServiceIT.config(TestPostgres.newDatabase("auth"), USERS.target(), Map.of(
                "TRUSTED_PROXIES", "127.0.0.1/32",
                "LOGIN_MAX_FAILURES_PER_ACCOUNT", "3",
                "LOGIN_MAX_FAILURES_PER_ACCOUNT_TOTAL", "8",
                "LOGIN_MAX_FAILURES_PER_CLIENT", "1000")),
                                           (requestId, request, token, expiresAt) -> MAILBOX.put(request.getEmail(), token)).start();
    }

    @AfterAll
    static void stop() {
        direct.close();
        behindProxy.close();
        USERS.close();
    }

    /** A client of the server whose calls say they come from the address, through X-Forwarded-For. */
    private static AuthServiceBlockingStub from(SextantServer server, String address) {
        return GrpcClients.builder("http://127.0.0.1:" + server.port())
                          .responseTimeout(Duration.ofSeconds(10))
                          .addHeader("x-forwarded-for", address)
                          .build(AuthServiceBlockingStub.class);
    }

    private static Token login(SextantServer server, String address, String username, String password) {
        return from(server, address).login(LoginRequest.newBuilder().setUsername(username).setPassword(password).build())
                                    .getToken();
    }

    private static String register(SextantServer server) {
        final String username = "u" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        from(server, "192.0.2.1").register(RegisterRequest.newBuilder().setUsername(username)
                                                          .setEmail(username + "@example.com")
                                                          .setPassword(PASSWORD).build());
        return username;
    }

    @Test
    void aDirectCallerCannotChooseTheAddressTheThrottleCounts() {
        // LOGIN_MAX_FAILURES_PER_CLIENT=3: the fourth failure from one peer is refused, whatever it claims
        for (int i = 1; i <= 3; i++) {
            final String claimed = "198.51.100." + i;
            assertThat(failure(() -> login(direct, claimed, "nobody-" + claimed, "wrong password!")).getStatus().getCode())
                    .isEqualTo(Status.Code.UNAUTHENTICATED);
        }
        final StatusRuntimeException refused = failure(() -> login(direct, "198.51.100.4", "nobody-else", "wrong password!"));
        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(errorInfo(refused).getReason()).isEqualTo("TOO_MANY_FAILED_LOGINS");
    }

    @Test
    void anAttackerCannotLockTheOwnerOutFromAnotherAddress() {
        final String owner = register(behindProxy);
        final String attacker = "203.0.113.10";
        final StatusRuntimeException wrong = failure(() -> login(behindProxy, attacker, owner, "wrong password!"));
        failure(() -> login(behindProxy, attacker, owner, "wrong password!"));
        failure(() -> login(behindProxy, attacker, owner, "wrong password!"));

        // LOGIN_MAX_FAILURES_PER_ACCOUNT=3: the attacker's address is stopped, even with the right password,
        // and it cannot tell: the answer is that of a wrong password
        final StatusRuntimeException stopped = failure(() -> login(behindProxy, attacker, owner, PASSWORD));
        assertThat(stopped.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(stopped.getStatus().getDescription()).isEqualTo(wrong.getStatus().getDescription());
        assertThat(errorInfo(stopped)).isEqualTo(errorInfo(wrong));

        // the owner, from an address that never logged in before, is not
        assertThat(login(behindProxy, "198.51.100.20", owner, PASSWORD).getAccessToken()).isNotEmpty();
        // and the owner's success does not give the attacker new guesses
        assertThat(errorInfo(failure(() -> login(behindProxy, attacker, owner, PASSWORD)))).isEqualTo(errorInfo(wrong));
    }

    @Test
    void guessingFromManyAddressesLocksOnlyUnfamiliarAddressesOut() {
        final String owner = register(behindProxy);
        final String home = "198.51.100.30";
        login(behindProxy, home, owner, PASSWORD);
        final StatusRuntimeException wrong = failure(() -> login(behindProxy, "203.0.113.30", owner, "wrong password!"));
        // nine failures (three per address, under the per-address limit) pass LOGIN_MAX_FAILURES_PER_ACCOUNT_TOTAL=8
        for (String attacker : new String[] {"203.0.113.31", "203.0.113.32"}) {
            for (int i = 0; i < 3; i++) {
                failure(() -> login(behindProxy, attacker, owner, "wrong password!"));
            }
        }
        failure(() -> login(behindProxy, "203.0.113.30", owner, "wrong password!"));
        failure(() -> login(behindProxy, "203.0.113.30", owner, "wrong password!"));

        // an address that never logged in to the account is refused, with the answer of a wrong password
        final String travelling = "198.51.100.31";
        final StatusRuntimeException refused = failure(() -> login(behindProxy, travelling, owner, PASSWORD));
        assertThat(refused.getStatus().getDescription()).isEqualTo(wrong.getStatus().getDescription());
        assertThat(errorInfo(refused)).isEqualTo(errorInfo(wrong));
        // the owner's usual address still logs in
        assertThat(login(behindProxy, home, owner, PASSWORD).getAccessToken()).isNotEmpty();

        // and a password reset confirmed from the new address (the owner proved the mailbox) lets it in
        final String email = owner + "@example.com";
        from(behindProxy, travelling).requestPasswordReset(RequestPasswordResetRequest.newBuilder().setEmail(email).build());
        Poll.until(() -> assertThat(MAILBOX).containsKey(email));
        from(behindProxy, travelling).confirmPasswordReset(ConfirmPasswordResetRequest.newBuilder()
                .setResetToken(MAILBOX.get(email)).setNewPassword("reset to this passphrase").build());
        assertThat(login(behindProxy, travelling, owner, "reset to this passphrase").getAccessToken()).isNotEmpty();
    }
}
