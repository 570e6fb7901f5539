package io.sextant.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static io.sextant.platform.testing.GrpcErrors.badRequest;
import static io.sextant.platform.testing.GrpcErrors.errorInfo;
import static io.sextant.platform.testing.GrpcErrors.failure;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.auth0.jwt.JWT;
import com.auth0.jwt.interfaces.DecodedJWT;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.sextant.auth.v1.Account;
import io.sextant.auth.v1.AccountCreatedEvent;
import io.sextant.auth.v1.ApiKey;
import io.sextant.auth.v1.AuthServiceGrpc.AuthServiceBlockingStub;
import io.sextant.auth.v1.CreateAccountRequest;
import io.sextant.auth.v1.CreateApiKeyRequest;
import io.sextant.auth.v1.DisableAccountRequest;
import io.sextant.auth.v1.ExchangeApiKeyRequest;
import io.sextant.auth.v1.GetMeRequest;
import io.sextant.auth.v1.LoginRequest;
import io.sextant.auth.v1.RefreshTokenRequest;
import io.sextant.auth.v1.RegisterRequest;
import io.sextant.auth.v1.RevokeAccountAccessRequest;
import io.sextant.auth.v1.Token;
import io.sextant.auth.v1.ValidateTokenRequest;
import io.sextant.auth.v1.ValidateTokenResponse;
import io.sextant.platform.config.ConfigException;
import io.sextant.platform.config.Env;
import io.sextant.platform.db.DbConfig;
import io.sextant.platform.server.SextantServer;
import io.sextant.platform.testing.Poll;
import io.sextant.platform.testing.TestPostgres;

/**
 * Auth with the users service (a real gRPC test server in its place): grants in tokens, profiles
 * through the outbox, CreateAccount, DisableAccount and the bootstrap administrator.
 */
class AuthUsersIT {

    private static final String PASSWORD = "correct horse battery";
    private static final TestUsersServer USERS = new TestUsersServer();
    private static DbConfig db;
    private static SextantServer server;
    private static Jdbi jdbi;

    @BeforeAll
    static void start() {
        USERS.start();
        db = TestPostgres.newDatabase("auth_users");
        server = AuthServer.newServer(AuthServiceIT.config(db, USERS.target(), Map.of())).start();
        jdbi = Jdbi.create(db.url(), db.user(), db.password());
    }

    @AfterAll
    static void stop() {
        server.close();
        USERS.close();
    }

    private static AuthServiceBlockingStub anonymous() {
        return AuthServiceIT.stub(server.port(), null);
    }

    private static AuthServiceBlockingStub as(Token token) {
        return AuthServiceIT.stub(server.port(), token.getAccessToken());
    }

    private static String newUsername() {
        return "u" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    private static void register(String username) {
        anonymous().register(RegisterRequest.newBuilder().setUsername(username).setEmail(username + "@example.com")
                                            .setPassword(PASSWORD).build());
    }

    private static Token login(String username) {
        return anonymous().login(LoginRequest.newBuilder().setUsername(username).setPassword(PASSWORD).build()).getToken();
    }

    private static Token refresh(Token token) {
        return anonymous().refreshToken(RefreshTokenRequest.newBuilder().setRefreshToken(token.getRefreshToken()).build())
                          .getToken();
    }

    private static String idOf(Token token) {
        return JWT.decode(token.getAccessToken()).getSubject();
    }

    private static ValidateTokenResponse view(Token token) {
        return as(token).validateToken(ValidateTokenRequest.getDefaultInstance());
    }

    /** A user to whom the users service grants {@code permissions}. */
    private static Token userWith(List<String> roles, List<String> permissions) {
        final String username = newUsername();
        register(username);
        USERS.grants.put(idOf(login(username)), TestUsersServer.grants(roles, permissions, true));
        return login(username);
    }

    @Test
    void registrationReachesProvisionUserAsAuthItself() {
        final String username = newUsername();
        register(username);
        final String id = idOf(login(username));
        Poll.until(() -> assertThat(USERS.provisioned).containsKey(id));
        final TestUsersServer.Provisioned call = USERS.provisioned.get(id);
        assertThat(call.request().getUsername()).isEqualTo(username);
        assertThat(call.request().getEmail()).isEqualTo(username + "@example.com");
        assertThat(call.request().getRoleIdsList()).isEmpty();

        // auth's own short-lived service token, with what users asks of it
        assertThat(call.authorization()).startsWith("Bearer ");
        final DecodedJWT serviceToken = JWT.decode(call.authorization().substring("Bearer ".length()));
        assertThat(serviceToken.getSubject()).isEqualTo("services/auth");
        assertThat(serviceToken.getClaim("permissions").asList(String.class)).containsExactly("users.read", "users.write", "notifications.send");
        assertThat(Duration.between(serviceToken.getIssuedAtAsInstant(), serviceToken.getExpiresAtAsInstant()))
                .isLessThanOrEqualTo(Duration.ofMinutes(5));
        // GetUserGrants at login came with it too, never with a user's token
        assertThat(USERS.grantCallers).isNotEmpty().allSatisfy(
                a -> assertThat(JWT.decode(a.substring("Bearer ".length())).getSubject()).isEqualTo("services/auth"));
    }

    @Test
    void loginCarriesTheGrantsOfUsersAndARoleChangeShowsInTheNextRefresh() {
        final String username = newUsername();
        register(username);
        final String id = idOf(login(username));
        USERS.grants.put(id, TestUsersServer.grants(List.of("editor", "user"), List.of("files.*", "users.read"), true));
        final Token token = login(username);
        assertThat(view(token).getRolesList()).containsExactly("editor", "user");
        assertThat(view(token).getPermissionsList()).containsExactly("files.*", "users.read");
        assertThat(as(token).getMe(GetMeRequest.getDefaultInstance()).getAccount().getRolesList())
                .containsExactly("editor", "user");

        USERS.grants.put(id, TestUsersServer.grants(List.of("admin"), List.of("*"), true));
        final Token refreshed = refresh(token);
        assertThat(view(refreshed).getRolesList()).containsExactly("admin");
        assertThat(view(refreshed).getPermissionsList()).containsExactly("*");
    }

    @Test
    void aDeactivatedUserIsRefusedLikeAWrongPassword() {
        final String username = newUsername();
        register(username);
        final Token token = login(username);
        USERS.grants.put(idOf(token), TestUsersServer.grants(List.of("user"), List.of(), false));

        final StatusRuntimeException inactive = failure(() -> login(username));
        final StatusRuntimeException wrong = failure(() -> anonymous().login(
                LoginRequest.newBuilder().setUsername(newUsername()).setPassword(PASSWORD).build()));
        assertThat(inactive.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(inactive.getStatus().getDescription()).isEqualTo(wrong.getStatus().getDescription());
        assertThat(errorInfo(inactive)).isEqualTo(errorInfo(wrong));
        assertThat(errorInfo(failure(() -> refresh(token))).getReason()).isEqualTo("REFRESH_TOKEN_INVALID");
    }

    @Test
    void whileUsersIsDownLoginGetsLeastPrivilegeAndTheProfileAppearsWhenUsersIsBack() {
        final String known = newUsername();
        register(known);
        USERS.grants.put(idOf(login(known)), TestUsersServer.grants(List.of("admin"), List.of("*"), true));
        final String newcomer = newUsername();
        USERS.stop();
        try {
            final Token fallback = login(known);
            assertThat(view(fallback).getRolesList()).containsExactly("user");
            assertThat(view(fallback).getPermissionsList()).isEmpty();

            // a registration while users is down is kept, and so is its login
            register(newcomer);
            final String id = idOf(login(newcomer));
            assertThat(USERS.provisioned).doesNotContainKey(id);
        } finally {
            USERS.start();
        }
        final String id = jdbi.withHandle(h -> h.createQuery("SELECT id::text FROM accounts WHERE username = :u")
                                                 .bind("u", newcomer).mapTo(String.class).one());
        Poll.until(Duration.ofSeconds(60), () -> assertThat(USERS.provisioned).containsKey(id));
        assertThat(USERS.provisioned.get(id).request().getUsername()).isEqualTo(newcomer);
        // and the grants of users count again
        Poll.until(() -> assertThat(view(login(known)).getPermissionsList()).containsExactly("*"));
    }

    @Test
    void createAccountNeedsUsersWrite() {
        final String username = newUsername();
        final CreateAccountRequest request = CreateAccountRequest.newBuilder()
                                                                 .setUsername(username)
                                                                 .setEmail(username + "@example.com")
                                                                 .setInitialPassword("an initial passphrase")
                                                                 .addRoleIds("editor")
                                                                 .build();
        assertThat(failure(() -> anonymous().createAccount(request)).getStatus().getCode())
                .isEqualTo(Status.Code.UNAUTHENTICATED);
        final Token plain = userWith(List.of("user"), List.of());
        assertThat(failure(() -> as(plain).createAccount(request)).getStatus().getCode())
                .isEqualTo(Status.Code.PERMISSION_DENIED);

        final Token writer = userWith(List.of("support"), List.of("users.write"));
        final Account created = as(writer).createAccount(request).getAccount();
        assertThat(created.getUsername()).isEqualTo(username);
        assertThat(created.getEmail()).isEqualTo(username + "@example.com");
        assertThat(created.getName()).isEqualTo("accounts/" + created.getId());
        assertThat(created.getRolesList()).containsExactly("editor");
        assertThat(anonymous().login(LoginRequest.newBuilder().setUsername(username)
                                                 .setPassword("an initial passphrase").build())
                              .getToken().getAccessToken()).isNotEmpty();
        // the event carries the roles, in the outbox and at users
        Poll.until(() -> assertThat(USERS.provisioned).containsKey(created.getId()));
        assertThat(USERS.provisioned.get(created.getId()).request().getRoleIdsList()).containsExactly("editor");

        final StatusRuntimeException sameName = failure(() -> as(writer).createAccount(
                request.toBuilder().setEmail("other-" + username + "@example.com").build()));
        assertThat(sameName.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
        assertThat(errorInfo(sameName).getReason()).isEqualTo("ACCOUNT_EXISTS");
        assertThat(sameName.getStatus().getDescription()).contains("username").contains(username);
        final StatusRuntimeException sameEmail = failure(() -> as(writer).createAccount(
                request.toBuilder().setUsername(newUsername()).build()));
        assertThat(sameEmail.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
        assertThat(sameEmail.getStatus().getDescription()).contains("e-mail");

        final StatusRuntimeException weak = failure(() -> as(writer).createAccount(
                request.toBuilder().setUsername(newUsername()).setEmail(newUsername() + "@example.com")
                       .setInitialPassword("password123").build()));
        assertThat(weak.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(badRequest(weak).getFieldViolations(0).getField()).isEqualTo("initial_password");
    }

    @Test
    void disableAccountEndsEveryTokenAndBlocksLogin() {
        final String username = newUsername();
        register(username);
        final Token first = login(username);
        final Token second = login(username);
        final String id = idOf(first);
        final DisableAccountRequest request = DisableAccountRequest.newBuilder().setAccountId(id).build();

        assertThat(failure(() -> anonymous().disableAccount(request)).getStatus().getCode())
                .isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(failure(() -> as(first).disableAccount(request)).getStatus().getCode())
                .isEqualTo(Status.Code.PERMISSION_DENIED);

        final Token writer = userWith(List.of("support"), List.of("users.write"));
        as(writer).disableAccount(request);
        Poll.until(Duration.ofSeconds(5), () -> {
            assertThat(errorInfo(failure(() -> view(first))).getReason()).isEqualTo("TOKEN_REVOKED");
            assertThat(errorInfo(failure(() -> view(second))).getReason()).isEqualTo("TOKEN_REVOKED");
        });
        assertThat(errorInfo(failure(() -> refresh(second))).getReason()).isEqualTo("REFRESH_TOKEN_INVALID");
        final StatusRuntimeException refused = failure(() -> login(username));
        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(errorInfo(refused).getReason()).isEqualTo("INVALID_CREDENTIALS");

        // idempotent; an unknown account is not found
        as(writer).disableAccount(request);
        assertThat(failure(() -> as(writer).disableAccount(DisableAccountRequest.newBuilder()
                .setAccountId(UUID.randomUUID().toString()).build())).getStatus().getCode())
                .isEqualTo(Status.Code.NOT_FOUND);
    }

    private static ApiKey newKey(Token owner, String... scopes) {
        return as(owner).createApiKey(CreateApiKeyRequest.newBuilder()
                                                         .setApiKey(ApiKey.newBuilder().setDisplayName("worker")
                                                                          .addAllScopes(List.of(scopes)))
                                                         .build()).getApiKey();
    }

    private static Token exchange(ApiKey key) {
        return anonymous().exchangeApiKey(ExchangeApiKeyRequest.newBuilder().setApiKey(key.getKey()).build()).getToken();
    }

    private static RevokeAccountAccessRequest revocation(String id, RevokeAccountAccessRequest.Reason reason) {
        return RevokeAccountAccessRequest.newBuilder().addAccountIds(id).setReason(reason).build();
    }

    @Test
    void anApiKeyYieldsOnlyWhatItsOwnerHoldsAtTheExchange() {
        final String username = newUsername();
        register(username);
        final String id = idOf(login(username));
        USERS.grants.put(id, TestUsersServer.grants(List.of("editor"), List.of("files.read", "users.read"), true));
        final ApiKey key = newKey(login(username), "users.read", "files.read");
        assertThat(view(exchange(key)).getPermissionsList()).containsExactly("files.read", "users.read");

        // the owner lost users.read: so has the key
        USERS.grants.put(id, TestUsersServer.grants(List.of("viewer"), List.of("files.read"), true));
        assertThat(view(exchange(key)).getPermissionsList()).containsExactly("files.read");
        // held through wildcards, the scopes come back, never more than the key's own
        USERS.grants.put(id, TestUsersServer.grants(List.of("admin"), List.of("*"), true));
        assertThat(view(exchange(key)).getPermissionsList()).containsExactly("files.read", "users.read");
        USERS.grants.put(id, TestUsersServer.grants(List.of("editor"), List.of("files.*"), true));
        assertThat(view(exchange(key)).getPermissionsList()).containsExactly("files.read");

        // a deactivated owner's key works no longer
        USERS.grants.put(id, TestUsersServer.grants(List.of("editor"), List.of("files.*"), false));
        assertThat(errorInfo(failure(() -> exchange(key))).getReason()).isEqualTo("API_KEY_INVALID");

        // when users cannot say what the owner holds, no token: not one with guessed rights
        USERS.grants.put(id, TestUsersServer.grants(List.of("editor"), List.of("files.*"), true));
        USERS.stop();
        try {
            final StatusRuntimeException unknown = failure(() -> exchange(key));
            assertThat(unknown.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(errorInfo(unknown).getReason()).isEqualTo("GRANTS_UNAVAILABLE");
        } finally {
            USERS.start();
        }
        assertThat(view(exchange(key)).getPermissionsList()).containsExactly("files.read");
    }

    @Test
    void aChangeOfGrantsEndsTheTokensAtOnceAndTheNextRefreshCarriesTheNewOnes() {
        final String username = newUsername();
        register(username);
        final String id = idOf(login(username));
        USERS.grants.put(id, TestUsersServer.grants(List.of("editor"), List.of("users.read"), true));
        final Token token = login(username);
        final ApiKey key = newKey(token, "users.read");
        final Token service = exchange(key);
        assertThat(view(token).getPermissionsList()).containsExactly("users.read");

        final RevokeAccountAccessRequest request = revocation(id, RevokeAccountAccessRequest.Reason.REASON_GRANTS_CHANGED);
        assertThat(failure(() -> anonymous().revokeAccountAccess(request)).getStatus().getCode())
                .isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(failure(() -> as(token).revokeAccountAccess(request)).getStatus().getCode())
                .isEqualTo(Status.Code.PERMISSION_DENIED);

        // users took the role away, then asks auth (a holder of roles.manage may, for a role change)
        USERS.grants.put(id, TestUsersServer.grants(List.of("user"), List.of(), true));
        final Token manager = userWith(List.of("role-admin"), List.of("roles.manage"));
        assertThat(as(manager).revokeAccountAccess(request).getAccounts()).isEqualTo(1);
        Poll.until(Duration.ofSeconds(2), () -> {
            assertThat(errorInfo(failure(() -> view(token))).getReason()).isEqualTo("TOKEN_REVOKED");
            assertThat(errorInfo(failure(() -> view(service))).getReason()).isEqualTo("TOKEN_REVOKED");
        });
        // the session and the key stay: refreshed at once (in the same second, too), the new token
        // works and says what the user holds now
        final Token refreshed = refresh(token);
        assertThat(view(refreshed).getPermissionsList()).isEmpty();
        assertThat(view(exchange(key)).getPermissionsList()).isEmpty();
        assertThat(view(login(username)).getRolesList()).containsExactly("user");

        // ending sessions and keys is for users.write alone
        final StatusRuntimeException deactivate = failure(() -> as(manager).revokeAccountAccess(
                revocation(id, RevokeAccountAccessRequest.Reason.REASON_DEACTIVATED)));
        assertThat(deactivate.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(view(refreshed).getSubject()).isEqualTo(id);
    }

    @Test
    void deactivationEndsSessionsTokensAndKeysAndReactivationRestoresLoginOnly() {
        final String username = newUsername();
        register(username);
        final Token token = login(username);
        final String id = idOf(token);
        final Token other = login(username);
        final ApiKey key = newKey(token);
        final Token service = exchange(key);

        USERS.grants.put(id, TestUsersServer.grants(List.of("user"), List.of(), false));
        final Token writer = userWith(List.of("support"), List.of("users.write"));
        as(writer).revokeAccountAccess(revocation(id, RevokeAccountAccessRequest.Reason.REASON_DEACTIVATED));
        Poll.until(Duration.ofSeconds(2), () -> {
            assertThat(errorInfo(failure(() -> view(token))).getReason()).isEqualTo("TOKEN_REVOKED");
            assertThat(errorInfo(failure(() -> view(other))).getReason()).isEqualTo("TOKEN_REVOKED");
            assertThat(errorInfo(failure(() -> view(service))).getReason()).isEqualTo("TOKEN_REVOKED");
        });
        assertThat(errorInfo(failure(() -> refresh(other))).getReason()).isEqualTo("REFRESH_TOKEN_INVALID");
        assertThat(errorInfo(failure(() -> exchange(key))).getReason()).isEqualTo("API_KEY_INVALID");
        assertThat(errorInfo(failure(() -> login(username))).getReason()).isEqualTo("INVALID_CREDENTIALS");

        // active again: login works; the sessions and the key that ended stay ended
        USERS.grants.put(id, TestUsersServer.grants(List.of("user"), List.of(), true));
        assertThat(view(login(username)).getSubject()).isEqualTo(id);
        assertThat(errorInfo(failure(() -> refresh(other))).getReason()).isEqualTo("REFRESH_TOKEN_INVALID");
        assertThat(errorInfo(failure(() -> exchange(key))).getReason()).isEqualTo("API_KEY_INVALID");
    }

    @Test
    void theBootstrapAdministratorIsCreatedOnce() throws Exception {
        final DbConfig own = TestPostgres.newDatabase("auth_bootstrap");
        final Map<String, String> admin = Map.of("BOOTSTRAP_ADMIN_USERNAME", "root-admin",
                                                 "BOOTSTRAP_ADMIN_EMAIL", "root@example.com",
                                                 "BOOTSTRAP_ADMIN_PASSWORD", "a bootstrap passphrase");
        final Jdbi ownJdbi = Jdbi.create(own.url(), own.user(), own.password());
        String id = null;
        for (int start = 0; start < 2; start++) {
            try (SextantServer auth = AuthServer.newServer(AuthServiceIT.config(own, USERS.target(), admin)).start()) {
                final Token token = AuthServiceIT.stub(auth.port(), null).login(LoginRequest.newBuilder()
                        .setUsername("root-admin").setPassword("a bootstrap passphrase").build()).getToken();
                id = JWT.decode(token.getAccessToken()).getSubject();
                final String provisioned = id;
                Poll.until(() -> assertThat(USERS.provisioned).containsKey(provisioned));
            }
        }
        assertThat(USERS.provisioned.get(id).request().getRoleIdsList()).containsExactly("admin");
        final long accounts = ownJdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM accounts").mapTo(Long.class).one());
        assertThat(accounts).isEqualTo(1L);
        final List<byte[]> events = ownJdbi.withHandle(h -> h.createQuery(
                "SELECT payload FROM outbox WHERE topic = 'auth.account_created'").mapTo(byte[].class).list());
        assertThat(events).hasSize(1);
        final AccountCreatedEvent event = com.google.protobuf.Any.parseFrom(events.get(0)).unpack(AccountCreatedEvent.class);
        assertThat(event.getRoleIdsList()).containsExactly("admin");
        assertThat(event.getUsername()).isEqualTo("root-admin");
        assertThat(event.getEmail()).isEqualTo("root@example.com");

        // another username with an address that is taken: a clear start-up error
        final Map<String, String> clash = Map.of("BOOTSTRAP_ADMIN_USERNAME", "second-admin",
                                                 "BOOTSTRAP_ADMIN_EMAIL", "ROOT@example.com",
                                                 "BOOTSTRAP_ADMIN_PASSWORD", "a bootstrap passphrase");
        assertThatThrownBy(() -> AuthServer.newServer(AuthServiceIT.config(own, USERS.target(), clash)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("BOOTSTRAP_ADMIN_EMAIL")
                .hasMessageContaining("already belongs to another account");
    }

    @Test
    void usersAndBootstrapSettingsAreValidated() {
        final Map<String, String> base = Map.of("AUTH_KEY_ENCRYPTION_KEY", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=");
        assertThatThrownBy(() -> AuthConfig.read(Env.of(base).with(Map.of("BOOTSTRAP_ADMIN_USERNAME", "admin"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("all three or none")
                .hasMessageContaining("BOOTSTRAP_ADMIN_EMAIL")
                .hasMessageContaining("BOOTSTRAP_ADMIN_PASSWORD");
        assertThatThrownBy(() -> AuthConfig.read(Env.of(base).with(Map.of(
                "BOOTSTRAP_ADMIN_USERNAME", "admin", "BOOTSTRAP_ADMIN_EMAIL", "admin@example.com",
                "BOOTSTRAP_ADMIN_PASSWORD", "password123"))))
                .hasMessageContaining("BOOTSTRAP_ADMIN_PASSWORD").hasMessageContaining("common");
        assertThatThrownBy(() -> AuthConfig.read(Env.of(base).with(Map.of(
                "BOOTSTRAP_ADMIN_USERNAME", "1admin", "BOOTSTRAP_ADMIN_EMAIL", "nowhere",
                "BOOTSTRAP_ADMIN_PASSWORD", "short"))))
                .hasMessageContaining("BOOTSTRAP_ADMIN_USERNAME")
                .hasMessageContaining("BOOTSTRAP_ADMIN_EMAIL")
                .hasMessageContaining("BOOTSTRAP_ADMIN_PASSWORD");
        assertThatThrownBy(() -> AuthConfig.read(Env.of(base).with(Map.of("USERS_TARGET", "no-port",
                                                                          "USERS_DEADLINE", "1ms"))))
                .hasMessageContaining("USERS_TARGET").hasMessageContaining("USERS_DEADLINE");
        final AuthConfig defaults = AuthConfig.read(Env.of(base));
        assertThat(defaults.usersTarget()).isEqualTo("localhost:8002");
        assertThat(defaults.usersDeadline()).isEqualTo(Duration.ofSeconds(2));
        assertThat(defaults.bootstrapAdmin()).isNull();
    }
}
