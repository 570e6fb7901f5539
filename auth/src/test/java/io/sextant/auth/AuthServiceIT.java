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

import com.google.rpc.BadRequest;

import com.linecorp.armeria.client.grpc.GrpcClients;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.sextant.auth.v1.ApiKey;
import io.sextant.auth.v1.AuthServiceGrpc.AuthServiceBlockingStub;
import io.sextant.auth.v1.ChangePasswordRequest;
import io.sextant.auth.v1.ConfirmPasswordResetRequest;
import io.sextant.auth.v1.CreateApiKeyRequest;
import io.sextant.auth.v1.DeleteApiKeyRequest;
import io.sextant.auth.v1.ExchangeApiKeyRequest;
import io.sextant.auth.v1.GetJwksRequest;
import io.sextant.auth.v1.GetMeRequest;
import io.sextant.auth.v1.ListApiKeysRequest;
import io.sextant.auth.v1.LoginRequest;
import io.sextant.auth.v1.LogoutRequest;
import io.sextant.auth.v1.RefreshTokenRequest;
import io.sextant.auth.v1.RegisterRequest;
import io.sextant.auth.v1.RegisterResponse;
import io.sextant.auth.v1.RequestPasswordResetRequest;
import io.sextant.auth.v1.RotateSigningKeyRequest;
import io.sextant.auth.v1.Token;
import io.sextant.auth.v1.TokenKind;
import io.sextant.auth.v1.ValidateTokenRequest;
import io.sextant.auth.v1.ValidateTokenResponse;
import io.sextant.platform.config.Env;
import io.sextant.platform.db.DbConfig;
import io.sextant.platform.identity.ServiceIdentity;
import io.sextant.platform.identity.ServiceSecret;
import io.sextant.platform.server.SextantServer;
import io.sextant.platform.testing.Poll;
import io.sextant.platform.testing.TestPostgres;

/** The auth service over real gRPC, on a real PostgreSQL. */
class AuthServiceIT {

    private static final String PASSWORD = "correct horse battery";
    private static DbConfig db;
    private static SextantServer server;
    private static Jdbi jdbi;
    /** The users service, as a test server answering every user with the role {@code user}. */
    private static final TestUsersServer USERS = new TestUsersServer();
    /** What the reset token sender "e-mailed", by address. */
    private static final Map<String, String> MAILBOX = new java.util.concurrent.ConcurrentHashMap<>();

    /** The secrets of the service accounts this auth declares (their SHA-256 in SERVICE_ACCOUNT_*_SECRET_SHA256). */
    private static final String MONITORING_SECRET = "sxs_monitoring-secret-of-forty-characters-0";
    private static final String MONITORING_NEXT_SECRET = "sxs_monitoring-secret-rotated-in-later-00001";
    private static final Map<String, String> SERVICE_ACCOUNTS = Map.of(
            "SERVICE_ACCOUNTS", "monitoring",
            "SERVICE_ACCOUNT_MONITORING_SECRET_SHA256", ServiceAccountsTest.sha256(MONITORING_SECRET) + " " + ServiceAccountsTest.sha256(MONITORING_NEXT_SECRET),
            "SERVICE_ACCOUNT_MONITORING_PERMISSIONS", "notifications.send,users.read");

    @BeforeAll
    static void start() {
        db = TestPostgres.newDatabase("auth");
        USERS.start();
        server = AuthServer.newServer(config(db, USERS.target(), SERVICE_ACCOUNTS), (requestId, request, token, expiresAt) -> MAILBOX.put(request.getEmail(), token))
                           .start();
        jdbi = Jdbi.create(db.url(), db.user(), db.password());
    }

    @AfterAll
    static void stop() {
        server.close();
        USERS.close();
    }

    static AuthConfig config(DbConfig db) {
        return config(db, USERS.target(), Map.of());
    }

    static AuthConfig config(DbConfig db, String usersTarget, Map<String, String> more) {
        final Map<String, String> values = new java.util.HashMap<>(Map.of(
                "PORT", "0",
                "DB_URL", db.url(), "DB_USER", db.user(),
                "AUTH_KEY_ENCRYPTION_KEY", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
                "LOGIN_MAX_FAILURES_PER_ACCOUNT", "3",
                "LOGIN_MAX_FAILURES_PER_CLIENT", "1000",
                "USERS_TARGET", usersTarget));
        values.putAll(more);
        return AuthConfig.read(Env.of(values));
    }

    static AuthServiceBlockingStub stub(int port, String accessToken) {
        final var builder = GrpcClients.builder("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(10));
        if (accessToken != null) {
            builder.addHeader("authorization", "Bearer " + accessToken);
        }
        return builder.build(AuthServiceBlockingStub.class);
    }

    private static AuthServiceBlockingStub anonymous() {
        return stub(server.port(), null);
    }

    private static AuthServiceBlockingStub as(Token token) {
        return stub(server.port(), token.getAccessToken());
    }

    private static String newUsername() {
        return "u" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    private static Token registerAndLogin(String username) {
        anonymous().register(RegisterRequest.newBuilder().setUsername(username).setEmail(username + "@example.com")
                                            .setPassword(PASSWORD).build());
        return login(username, PASSWORD);
    }

    private static Token login(String username, String password) {
        return anonymous().login(LoginRequest.newBuilder().setUsername(username).setPassword(password).build()).getToken();
    }

    private static Token refresh(String refreshToken) {
        return anonymous().refreshToken(RefreshTokenRequest.newBuilder().setRefreshToken(refreshToken).build()).getToken();
    }

    @Test
    void aServiceAccountsSecretBuysATokenOfThatServiceWithExactlyItsPermissionsAndAWrongOneIsRefused() {
        for (String secret : List.of(MONITORING_SECRET, MONITORING_NEXT_SECRET)) {
            final Token token = anonymous().exchangeApiKey(ExchangeApiKeyRequest.newBuilder().setApiKey(secret).build())
                                           .getToken();
            assertThat(token.getRefreshToken()).isEmpty();
            assertThat(token.getExpiresIn()).isBetween(590L, 600L);
            final ValidateTokenResponse view = as(token).validateToken(ValidateTokenRequest.getDefaultInstance());
            assertThat(view.getKind()).isEqualTo(TokenKind.TOKEN_KIND_SERVICE);
            assertThat(view.getSubject()).isEqualTo("services/monitoring");
            assertThat(view.getPermissionsList()).containsExactly("notifications.send", "users.read");
            assertThat(view.getRolesList()).isEmpty();
        }

        final StatusRuntimeException wrong = failure(() -> anonymous().exchangeApiKey(
                ExchangeApiKeyRequest.newBuilder().setApiKey(MONITORING_SECRET + "x").build()));
        assertThat(wrong.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(errorInfo(wrong).getReason()).isEqualTo("API_KEY_INVALID");
    }

    @Test
    void thePlatformsServiceIdentityObtainsItsTokenFromAuth() {
        try (ServiceIdentity identity = ServiceIdentity.exchanging("monitoring", ServiceSecret.of(MONITORING_SECRET),
                                                                    "127.0.0.1:" + server.port(), java.time.Clock.systemUTC())) {
            final String authorization = identity.authorization().join();
            final ValidateTokenResponse view = stub(server.port(), authorization.substring("Bearer ".length()))
                    .validateToken(ValidateTokenRequest.getDefaultInstance());
            assertThat(view.getSubject()).isEqualTo(identity.subject()).isEqualTo("services/monitoring");
            assertThat(view.getPermissionsList()).containsExactly("notifications.send", "users.read");
            // cached
            assertThat(identity.authorization().join()).isEqualTo(authorization);
        }
        try (ServiceIdentity wrong = ServiceIdentity.exchanging("monitoring", ServiceSecret.of(MONITORING_SECRET + "x"),
                                                                 "127.0.0.1:" + server.port(), java.time.Clock.systemUTC())) {
            assertThatThrownBy(() -> wrong.authorization().join())
                    .hasCauseInstanceOf(io.sextant.platform.error.ServiceException.class)
                    .hasMessageContaining("auth refused the secret of services/monitoring");
        }
    }

    @Test
    void aNulByteIsInvalidArgumentNamingTheFieldNotAnInternalError() {
        final StatusRuntimeException loginWithNul = failure(() -> login("alice\u0000", PASSWORD));
        assertThat(loginWithNul.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(badRequest(loginWithNul).getFieldViolationsList())
                .extracting(v -> v.getField() + " " + v.getReason())
                .containsExactly("username string.no_nul");

        final Token owner = registerAndLogin(newUsername());
        final StatusRuntimeException keyWithNul = failure(() -> as(owner).createApiKey(CreateApiKeyRequest.newBuilder()
                .setApiKey(ApiKey.newBuilder().setDisplayName("billing\u0000worker")).build()));
        assertThat(keyWithNul.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(badRequest(keyWithNul).getFieldViolations(0).getField()).isEqualTo("api_key.display_name");
    }

    @Test
    void registerLoginMeValidateAndLoginByEmail() {
        final String username = newUsername();
        final Token token = registerAndLogin(username);
        assertThat(token.getTokenType()).isEqualTo("Bearer");
        assertThat(token.getExpiresIn()).isBetween(800L, 900L);
        assertThat(token.getRefreshToken()).startsWith("sxr_");

        final var me = as(token).getMe(GetMeRequest.getDefaultInstance()).getAccount();
        assertThat(me.getUsername()).isEqualTo(username);
        assertThat(me.getEmail()).isEqualTo(username + "@example.com");
        assertThat(me.getName()).isEqualTo("accounts/" + me.getId());
        assertThat(me.getRolesList()).containsExactly("user");

        final ValidateTokenResponse valid = as(token).validateToken(ValidateTokenRequest.getDefaultInstance());
        assertThat(valid.getSubject()).isEqualTo(me.getId());
        assertThat(valid.getKind()).isEqualTo(TokenKind.TOKEN_KIND_USER);
        assertThat(valid.getSessionId()).isNotEmpty();

        // by e-mail, in another case
        final Token byEmail = login(username.toUpperCase() + "@EXAMPLE.COM", PASSWORD);
        assertThat(as(byEmail).getMe(GetMeRequest.getDefaultInstance()).getAccount().getId()).isEqualTo(me.getId());
    }

    @Test
    void registrationDoesNotRevealTakenNames() {
        final String username = newUsername();
        final RegisterRequest first = RegisterRequest.newBuilder().setUsername(username)
                                                     .setEmail(username + "@example.com").setPassword(PASSWORD).build();
        final RegisterResponse created = anonymous().register(first);
        final RegisterResponse sameName = anonymous().register(first.toBuilder().setEmail("other-" + username + "@example.com")
                                                                    .setPassword("another password 1").build());
        final RegisterResponse sameEmail = anonymous().register(first.toBuilder().setUsername(newUsername())
                                                                     .setPassword("another password 2").build());
        assertThat(sameName).isEqualTo(created);
        assertThat(sameEmail).isEqualTo(created);
        // the first registration stands; the others created nothing
        assertThat(login(username, PASSWORD).getAccessToken()).isNotEmpty();
        assertThat(failure(() -> login(username, "another password 1")).getStatus().getCode())
                .isEqualTo(Status.Code.UNAUTHENTICATED);
    }

    @Test
    void badRegistrationInputNamesEachField() {
        final StatusRuntimeException e = failure(() -> anonymous().register(
                RegisterRequest.newBuilder().setUsername("x").setEmail("not-an-email").setPassword("short").build()));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        final List<String> fields = badRequest(e).getFieldViolationsList().stream()
                                                 .map(BadRequest.FieldViolation::getField).toList();
        assertThat(fields).containsExactlyInAnyOrder("username", "email", "password");
    }

    @Test
    void commonPasswordsAreRefused() {
        final String username = newUsername();
        final StatusRuntimeException e = failure(() -> anonymous().register(
                RegisterRequest.newBuilder().setUsername(username).setEmail(username + "@example.com")
                               .setPassword("Password123").build()));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(e.getStatus().getDescription()).contains("password").contains("common");
    }

    @Test
    void unknownUserWrongPasswordAndLockedAccountLookTheSame() {
        final String username = newUsername();
        registerAndLogin(username);
        final StatusRuntimeException unknown = failure(() -> login(newUsername(), PASSWORD));
        final StatusRuntimeException wrong = failure(() -> login(username, "wrong password!"));
        assertThat(unknown.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(wrong.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(unknown.getStatus().getDescription()).isEqualTo(wrong.getStatus().getDescription());
        assertThat(errorInfo(unknown)).isEqualTo(errorInfo(wrong));

        // three failures in the window lock the account (LOGIN_MAX_FAILURES_PER_ACCOUNT=3)
        failure(() -> login(username, "wrong password!"));
        failure(() -> login(username, "wrong password!"));
        final StatusRuntimeException locked = failure(() -> login(username, PASSWORD));
        assertThat(locked.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(locked.getStatus().getDescription()).isEqualTo(wrong.getStatus().getDescription());
        assertThat(errorInfo(locked)).isEqualTo(errorInfo(wrong));
    }

    @Test
    void refreshRotatesAndReuseEndsTheSession() {
        final Token first = registerAndLogin(newUsername());
        final Token second = refresh(first.getRefreshToken());
        assertThat(second.getRefreshToken()).isNotEqualTo(first.getRefreshToken());
        assertThat(as(second).validateToken(ValidateTokenRequest.getDefaultInstance()).getSubject()).isNotEmpty();

        final StatusRuntimeException replay = failure(() -> refresh(first.getRefreshToken()));
        assertThat(replay.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(errorInfo(replay).getReason()).isEqualTo("REFRESH_TOKEN_REUSED");
        // the whole family is gone: the newest refresh token and the session's access tokens too
        assertThat(errorInfo(failure(() -> refresh(second.getRefreshToken()))).getReason())
                .isEqualTo("REFRESH_TOKEN_INVALID");
        Poll.until(() -> assertRefused(second));
        assertThat(errorInfo(failure(() -> as(second).getMe(GetMeRequest.getDefaultInstance()))).getReason())
                .isEqualTo("TOKEN_REVOKED");
    }

    @Test
    void concurrentRefreshesWithOneTokenRotateItOnceAndEndTheSession() throws Exception {
        final Token first = registerAndLogin(newUsername());
        final int callers = 6;
        final java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(callers);
        final java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        final List<java.util.concurrent.Future<Object>> results = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < callers; i++) {
                results.add(pool.submit(() -> {
                    go.await();
                    try {
                        return refresh(first.getRefreshToken());
                    } catch (StatusRuntimeException e) {
                        return errorInfo(e).getReason();
                    }
                }));
            }
            go.countDown();
            final List<Object> answers = new java.util.ArrayList<>();
            for (var result : results) {
                answers.add(result.get(30, java.util.concurrent.TimeUnit.SECONDS));
            }
            final List<Token> rotated = answers.stream().filter(Token.class::isInstance).map(Token.class::cast).toList();
            assertThat(rotated).hasSize(1);
            // the first to find it used ends the session; those that come after find the session ended
            assertThat(answers).filteredOn(String.class::isInstance).hasSize(callers - 1)
                               .contains("REFRESH_TOKEN_REUSED")
                               .containsOnly("REFRESH_TOKEN_REUSED", "REFRESH_TOKEN_INVALID");
            // the reuse ended the session: the one rotated token is refused too
            assertThat(errorInfo(failure(() -> refresh(rotated.get(0).getRefreshToken()))).getReason())
                    .isEqualTo("REFRESH_TOKEN_INVALID");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anExpiredRefreshTokenIsRefusedAndNotUsedUp() {
        final Token token = registerAndLogin(newUsername());
        final byte[] hash = Secrets.hash(token.getRefreshToken());
        jdbi.useHandle(h -> h.createUpdate("UPDATE refresh_tokens SET expires_at = now() - interval '1 second'"
                                           + " WHERE token_hash = :h").bind("h", hash).execute());
        assertThat(errorInfo(failure(() -> refresh(token.getRefreshToken()))).getReason())
                .isEqualTo("REFRESH_TOKEN_INVALID");
        final long unusedAndAlone = jdbi.withHandle(h -> h.createQuery(
                "SELECT count(*) FROM refresh_tokens t JOIN refresh_tokens o ON o.session_id = t.session_id"
                + " WHERE t.token_hash = :h AND t.used_at IS NULL").bind("h", hash).mapTo(Long.class).one());
        assertThat(unusedAndAlone).as("not used, and no next token").isEqualTo(1L);
    }

    @Test
    void theNextRefreshTokenExpiresNoLaterThanItsSession() {
        final Token token = registerAndLogin(newUsername());
        final byte[] hash = Secrets.hash(token.getRefreshToken());
        jdbi.useHandle(h -> h.createUpdate("UPDATE sessions SET expires_at = date_trunc('second', now()) + interval '1 minute'"
                                           + " WHERE id = (SELECT session_id FROM refresh_tokens WHERE token_hash = :h)")
                             .bind("h", hash).execute());
        final Token next = refresh(token.getRefreshToken());
        final boolean withTheSession = jdbi.withHandle(h -> h.createQuery(
                "SELECT t.expires_at = s.expires_at FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id"
                + " WHERE t.token_hash = :h").bind("h", Secrets.hash(next.getRefreshToken())).mapTo(Boolean.class).one());
        assertThat(withTheSession).isTrue();
        assertThat(refresh(next.getRefreshToken()).getAccessToken()).isNotEmpty();
    }

    private static void assertRefused(Token token) {
        org.assertj.core.api.Assertions.assertThat(isRefused(token)).as("token refused").isTrue();
    }

    private static boolean isRefused(Token token) {
        try {
            as(token).validateToken(ValidateTokenRequest.getDefaultInstance());
            return false;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode() == Status.Code.UNAUTHENTICATED;
        }
    }

    @Test
    void logoutEndsTheSessionOnly() {
        final String username = newUsername();
        final Token session = registerAndLogin(username);
        final Token other = login(username, PASSWORD);
        as(session).logout(LogoutRequest.newBuilder().setRefreshToken(session.getRefreshToken()).build());
        Poll.until(() -> assertRefused(session));
        assertThat(errorInfo(failure(() -> refresh(session.getRefreshToken()))).getReason())
                .isEqualTo("REFRESH_TOKEN_INVALID");
        assertThat(isRefused(other)).isFalse();
        assertThat(refresh(other.getRefreshToken()).getAccessToken()).isNotEmpty();
    }

    @Test
    void changePasswordKeepsThisSessionAndEndsTheOthers() {
        final String username = newUsername();
        final Token current = registerAndLogin(username);
        final Token other = login(username, PASSWORD);
        final StatusRuntimeException wrong = failure(() -> as(current).changePassword(ChangePasswordRequest.newBuilder()
                .setCurrentPassword("not the password").setNewPassword("a new long passphrase").build()));
        assertThat(wrong.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);

        final var changed = as(current).changePassword(ChangePasswordRequest.newBuilder()
                .setCurrentPassword(PASSWORD).setNewPassword("a new long passphrase").build());
        assertThat(changed.getRevokedSessions()).isEqualTo(1);
        Poll.until(() -> assertRefused(other));
        assertThat(isRefused(current)).isFalse();
        assertThat(failure(() -> login(username, PASSWORD)).getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(login(username, "a new long passphrase").getAccessToken()).isNotEmpty();
    }

    @Test
    void apiKeysAreShownOnceExchangedAndRevocable() {
        final Token owner = registerAndLogin(newUsername());
        final ApiKey created = as(owner).createApiKey(CreateApiKeyRequest.newBuilder()
                .setApiKey(ApiKey.newBuilder().setDisplayName("billing worker")).build()).getApiKey();
        assertThat(created.getKey()).startsWith("sxk_");
        assertThat(created.getKey()).startsWith(created.getKeyPrefix());

        final var listed = as(owner).listApiKeys(ListApiKeysRequest.getDefaultInstance());
        assertThat(listed.getApiKeysList()).singleElement().satisfies(k -> {
            assertThat(k.getName()).isEqualTo(created.getName());
            assertThat(k.getKey()).isEmpty();
        });

        // a page token whose values were tampered with is bad input, not a server error
        final String ownerId = as(owner).getMe(GetMeRequest.getDefaultInstance()).getAccount().getId();
        final String forged = io.sextant.platform.db.PageToken.encode("api-keys:" + ownerId, List.of("yesterday", "nobody"));
        final StatusRuntimeException badPage = failure(() -> as(owner).listApiKeys(
                ListApiKeysRequest.newBuilder().setPageToken(forged).build()));
        assertThat(badPage.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(badRequest(badPage).getFieldViolations(0).getField()).isEqualTo("page_token");

        final Token service = anonymous().exchangeApiKey(
                ExchangeApiKeyRequest.newBuilder().setApiKey(created.getKey()).build()).getToken();
        assertThat(service.getRefreshToken()).isEmpty();
        final ValidateTokenResponse serviceView = as(service).validateToken(ValidateTokenRequest.getDefaultInstance());
        assertThat(serviceView.getKind()).isEqualTo(TokenKind.TOKEN_KIND_SERVICE);
        assertThat(serviceView.getSubject()).isEqualTo(created.getName());

        // scopes beyond the creator's own permissions are refused
        final StatusRuntimeException escalate = failure(() -> as(owner).createApiKey(CreateApiKeyRequest.newBuilder()
                .setApiKey(ApiKey.newBuilder().setDisplayName("root").addScopes("users.write")).build()));
        assertThat(escalate.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);

        // another user cannot see or delete it
        final Token stranger = registerAndLogin(newUsername());
        assertThat(failure(() -> as(stranger).deleteApiKey(DeleteApiKeyRequest.newBuilder().setName(created.getName()).build()))
                           .getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);

        as(owner).deleteApiKey(DeleteApiKeyRequest.newBuilder().setName(created.getName()).build());
        assertThat(errorInfo(failure(() -> anonymous().exchangeApiKey(
                ExchangeApiKeyRequest.newBuilder().setApiKey(created.getKey()).build()))).getReason())
                .isEqualTo("API_KEY_INVALID");
        Poll.until(() -> assertRefused(service));
    }

    @Test
    void jwksPublishesTheSigningKeyAndRotationNeedsPermission() {
        final var jwks = anonymous().getJwks(GetJwksRequest.getDefaultInstance());
        assertThat(jwks.getKeysList()).isNotEmpty().allSatisfy(k -> {
            assertThat(k.getKty()).isEqualTo("RSA");
            assertThat(k.getAlg()).isEqualTo("RS256");
            assertThat(k.getKid()).isNotEmpty();
        });
        final Token user = registerAndLogin(newUsername());
        assertThat(failure(() -> as(user).rotateSigningKey(RotateSigningKeyRequest.getDefaultInstance()))
                           .getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(failure(() -> anonymous().getMe(GetMeRequest.getDefaultInstance())).getStatus().getCode())
                .isEqualTo(Status.Code.UNAUTHENTICATED);
    }

    @Test
    void passwordResetWithTheMailedTokenEndsEverySession() {
        final String username = newUsername();
        final Token before = registerAndLogin(username);
        anonymous().requestPasswordReset(RequestPasswordResetRequest.newBuilder().setEmail(username + "@example.com").build());
        // an address without an account gets the same (empty) answer
        anonymous().requestPasswordReset(RequestPasswordResetRequest.newBuilder().setEmail(newUsername() + "@example.com").build());

        // the request travels through the outbox without a token; the token is minted at delivery
        final String email = username + "@example.com";
        Poll.until(() -> assertThat(MAILBOX).containsKey(email));
        final String resetToken = MAILBOX.get(email);
        final long tokensAtRest = jdbi.withHandle(h -> h.createQuery(
                "SELECT count(*) FROM outbox WHERE position(convert_to(:token, 'UTF8') in payload) > 0")
                                                       .bind("token", resetToken).mapTo(Long.class).one());
        assertThat(tokensAtRest).isZero();

        anonymous().confirmPasswordReset(ConfirmPasswordResetRequest.newBuilder()
                .setResetToken(resetToken).setNewPassword("reset to this passphrase").build());
        assertThat(login(username, "reset to this passphrase").getAccessToken()).isNotEmpty();
        Poll.until(() -> assertRefused(before));
        // single use
        assertThat(failure(() -> anonymous().confirmPasswordReset(ConfirmPasswordResetRequest.newBuilder()
                .setResetToken(resetToken).setNewPassword("yet another passphrase").build()))
                           .getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    }

    @Test
    void registrationWritesTheAccountCreatedEvent() {
        final String username = newUsername();
        registerAndLogin(username);
        final long events = jdbi.withHandle(h -> h.createQuery(
                "SELECT count(*) FROM outbox WHERE topic = 'auth.account_created'").mapTo(Long.class).one());
        assertThat(events).isPositive();
        // delivered to users (ProvisionUser) as auth itself
        Poll.until(() -> assertThat(USERS.provisioned.values()).anySatisfy(
                p -> assertThat(p.request().getUsername()).isEqualTo(username)));
    }

    @Test
    void keysAndSessionsSurviveARestart() {
        final DbConfig own = TestPostgres.newDatabase("auth_restart");
        final String username = newUsername();
        final Token token;
        final String kid;
        try (SextantServer first = AuthServer.newServer(config(own)).start()) {
            stub(first.port(), null).register(RegisterRequest.newBuilder().setUsername(username)
                                                             .setEmail(username + "@example.com").setPassword(PASSWORD).build());
            token = stub(first.port(), null).login(LoginRequest.newBuilder().setUsername(username).setPassword(PASSWORD).build())
                                            .getToken();
            kid = stub(first.port(), null).getJwks(GetJwksRequest.getDefaultInstance()).getKeys(0).getKid();
        }
        try (SextantServer second = AuthServer.newServer(config(own)).start()) {
            assertThat(stub(second.port(), null).getJwks(GetJwksRequest.getDefaultInstance()).getKeys(0).getKid()).isEqualTo(kid);
            assertThat(stub(second.port(), token.getAccessToken()).getMe(GetMeRequest.getDefaultInstance())
                                                                  .getAccount().getUsername()).isEqualTo(username);
            assertThat(stub(second.port(), null).refreshToken(RefreshTokenRequest.newBuilder()
                    .setRefreshToken(token.getRefreshToken()).build()).getToken().getAccessToken()).isNotEmpty();
        }
    }

    @Test
    void bcryptHashesFromImportsVerifyAndAreRehashed() {
        final String username = newUsername();
        final String bcrypt = PasswordHasher.bcrypt(PASSWORD);
        jdbi.useHandle(h -> h.createUpdate("INSERT INTO accounts (id, username, username_key, email, email_key, password_hash)"
                                           + " VALUES (:id, :u, lower(:u), :e, lower(:e), :h)")
                             .bind("id", UUID.randomUUID()).bind("u", username).bind("e", username + "@example.com")
                             .bind("h", bcrypt).execute());
        assertThat(login(username, PASSWORD).getAccessToken()).isNotEmpty();
        final String stored = jdbi.withHandle(h -> h.createQuery("SELECT password_hash FROM accounts WHERE username = :u")
                                                    .bind("u", username).mapTo(String.class).one());
        assertThat(stored).startsWith("$argon2id$");
        assertThat(login(username, PASSWORD).getAccessToken()).isNotEmpty();
    }

    @Test
    void aRevocationThatCommitsAfterALaterOneIsNotMissed() throws Exception {
        final Token early = registerAndLogin(newUsername());
        final Token late = registerAndLogin(newUsername());
        final String earlyJti = com.auth0.jwt.JWT.decode(early.getAccessToken()).getId();
        final String lateJti = com.auth0.jwt.JWT.decode(late.getAccessToken()).getId();
        final String insert = "INSERT INTO revocations (kind, target, expires_at) VALUES ('token', :jti, now() + interval '1 hour')";
        try (var slow = jdbi.open()) {
            // the slow transaction takes the smaller id but commits second
            slow.begin();
            slow.createUpdate(insert).bind("jti", earlyJti).execute();
            jdbi.useHandle(h -> h.createUpdate(insert).bind("jti", lateJti).execute());
            Poll.until(() -> assertRefused(late));
            slow.commit();
        }
        Poll.until(() -> assertRefused(early));
    }

    @Test
    void missingKeyEncryptionKeyIsAClearStartupError() {
        assertThatThrownBy(() -> AuthConfig.read(Env.of(Map.of("ACCESS_TOKEN_TTL", "forever"))))
                .hasMessageContaining("AUTH_KEY_ENCRYPTION_KEY")
                .hasMessageContaining("ACCESS_TOKEN_TTL");
    }
}
