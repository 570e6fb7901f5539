package io.sextant.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.Status.Code;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.sextant.auth.db.AccountDao;
import io.sextant.auth.db.AccountRow;
import io.sextant.auth.db.ApiKeyDao;
import io.sextant.auth.db.ApiKeyRow;
import io.sextant.auth.db.PasswordResetDao;
import io.sextant.auth.db.RevocationDao;
import io.sextant.auth.db.SessionDao;
import io.sextant.auth.db.SessionRow;
import io.sextant.auth.v1.Account;
import io.sextant.auth.v1.AccountCreatedEvent;
import io.sextant.auth.v1.ApiKey;
import io.sextant.auth.v1.AuthServiceGrpc;
import io.sextant.auth.v1.ChangePasswordRequest;
import io.sextant.auth.v1.ChangePasswordResponse;
import io.sextant.auth.v1.ConfirmPasswordResetRequest;
import io.sextant.auth.v1.ConfirmPasswordResetResponse;
import io.sextant.auth.v1.CreateApiKeyRequest;
import io.sextant.auth.v1.CreateApiKeyResponse;
import io.sextant.auth.v1.CreateAccountRequest;
import io.sextant.auth.v1.CreateAccountResponse;
import io.sextant.auth.v1.DisableAccountRequest;
import io.sextant.auth.v1.DisableAccountResponse;
import io.sextant.auth.v1.DeleteApiKeyRequest;
import io.sextant.auth.v1.DeleteApiKeyResponse;
import io.sextant.auth.v1.ExchangeApiKeyRequest;
import io.sextant.auth.v1.ExchangeApiKeyResponse;
import io.sextant.auth.v1.GetJwksRequest;
import io.sextant.auth.v1.GetJwksResponse;
import io.sextant.auth.v1.GetMeRequest;
import io.sextant.auth.v1.GetMeResponse;
import io.sextant.auth.v1.ListApiKeysRequest;
import io.sextant.auth.v1.ListApiKeysResponse;
import io.sextant.auth.v1.LoginRequest;
import io.sextant.auth.v1.LoginResponse;
import io.sextant.auth.v1.LogoutRequest;
import io.sextant.auth.v1.LogoutResponse;
import io.sextant.auth.v1.PasswordResetRequestedEvent;
import io.sextant.auth.v1.RefreshTokenRequest;
import io.sextant.auth.v1.RefreshTokenResponse;
import io.sextant.auth.v1.RegisterRequest;
import io.sextant.auth.v1.RegisterResponse;
import io.sextant.auth.v1.RequestPasswordResetRequest;
import io.sextant.auth.v1.RequestPasswordResetResponse;
import io.sextant.auth.v1.RevokeAccountAccessRequest;
import io.sextant.auth.v1.RevokeAccountAccessResponse;
import io.sextant.auth.v1.RotateSigningKeyRequest;
import io.sextant.auth.v1.RotateSigningKeyResponse;
import io.sextant.auth.v1.TokenKind;
import io.sextant.auth.v1.ValidateTokenRequest;
import io.sextant.auth.v1.ValidateTokenResponse;
import io.sextant.auth.v1.WatchRevocationsRequest;
import io.sextant.auth.v1.WatchRevocationsResponse;
import io.sextant.platform.db.PageToken;
import io.sextant.platform.error.Errors;
import io.sextant.platform.error.ServiceException;
import io.sextant.platform.identity.Authz;
import io.sextant.platform.identity.Principal;
import io.sextant.platform.outbox.Outbox;
import io.sextant.platform.server.ClientAddress;

/** The auth service: credentials, tokens, sessions, revocation and API keys. */
final class AuthServiceImpl extends AuthServiceGrpc.AuthServiceImplBase {

    /** Outbox topics auth publishes. */
    static final String TOPIC_ACCOUNT_CREATED = "auth.account_created";
    static final String TOPIC_PASSWORD_RESET = "auth.password_reset_requested";

    static final String REGISTERED_MESSAGE =
            "Registration received. If the username and e-mail address were not taken, the account exists now: log in.";
    private static final String INVALID_CREDENTIALS = "invalid username or password";
    private static final int MAX_API_KEYS_PER_OWNER = 100;
    /** A password reset request takes at least this long, whether or not the address has an account. */
    private static final Duration RESET_REQUEST_FLOOR = Duration.ofMillis(300);
    private static final Duration REVOCATION_MARGIN = Duration.ofMinutes(1);

    private final AuthConfig config;
    private final Jdbi jdbi;
    private final Clock clock;
    private final PasswordHasher hasher;
    private final SigningKeys keys;
    private final TokenIssuer issuer;
    private final RevocationFeed feed;
    private final LoginThrottle throttle;
    private final Grants.Source grants;

    AuthServiceImpl(AuthConfig config, Jdbi jdbi, Clock clock, PasswordHasher hasher, SigningKeys keys,
                    TokenIssuer issuer, RevocationFeed feed, LoginThrottle throttle, Grants.Source grants) {
        this.config = config;
        this.jdbi = jdbi;
        this.clock = clock;
        this.hasher = hasher;
        this.keys = keys;
        this.issuer = issuer;
        this.feed = feed;
        this.throttle = throttle;
        this.grants = grants;
    }

    @Override
    public void register(RegisterRequest request, StreamObserver<RegisterResponse> response) {
        PasswordPolicy.check("password", request.getPassword(), request.getUsername(), request.getEmail());
        // hash first, whatever happens next, so that a taken name costs the same time as a free one
        final String hash = hasher.hash(request.getPassword());
        insertAccount(UUID.randomUUID(), request.getUsername(), request.getEmail(), hash, List.of());
        reply(response, RegisterResponse.newBuilder().setMessage(REGISTERED_MESSAGE).build());
    }

    @Override
    public void createAccount(CreateAccountRequest request, StreamObserver<CreateAccountResponse> response) {
        PasswordPolicy.check("initial_password", request.getInitialPassword(), request.getUsername(), request.getEmail());
        final AccountRow account = createAccount(request.getUsername(), request.getEmail(),
                                                 hasher.hash(request.getInitialPassword()), request.getRoleIdsList())
                .orElseThrow(() -> taken(request.getUsername(), request.getEmail()));
        reply(response, CreateAccountResponse.newBuilder()
                                             .setAccount(Account.newBuilder()
                                                                .setName("accounts/" + account.id())
                                                                .setId(account.id().toString())
                                                                .setUsername(account.username())
                                                                .setEmail(account.email())
                                                                .addAllRoles(request.getRoleIdsCount() == 0
                                                                             ? List.of("user")
                                                                             : request.getRoleIdsList().stream().sorted().toList())
                                                                .setCreateTime(RevocationFeed.timestamp(account.createdAt()))
                                                                .setPasswordChangeTime(RevocationFeed.timestamp(account.passwordChangedAt())))
                                             .build());
    }

    /**
     * Creates an account with the AccountCreatedEvent (carrying {@code roleIds}) in the same
     * transaction; empty when the username or e-mail address is taken. What CreateAccount and the
     * bootstrap administrator use.
     */
    Optional<AccountRow> createAccount(String username, String email, String passwordHash, List<String> roleIds) {
        final UUID id = UUID.randomUUID();
        if (!insertAccount(id, username, email, passwordHash, roleIds)) {
            return Optional.empty();
        }
        return jdbi.withExtension(AccountDao.class, dao -> dao.findById(id));
    }

    /** Whether an account has this username (case-insensitively). */
    boolean usernameTaken(String username) {
        return jdbi.withExtension(AccountDao.class, dao -> dao.findByLogin(username))
                   .filter(a -> a.username().equalsIgnoreCase(username)).isPresent();
    }

    private boolean insertAccount(UUID id, String username, String email, String hash, List<String> roleIds) {
        return jdbi.inTransaction(handle -> {
            final boolean created = handle.attach(AccountDao.class).insertIfAbsent(id, username, email, hash);
            if (created) {
                Outbox.append(handle, TOPIC_ACCOUNT_CREATED, AccountCreatedEvent.newBuilder()
                                                                                .setAccountId(id.toString())
                                                                                .setUsername(username)
                                                                                .setEmail(email)
                                                                                .setCreateTime(RevocationFeed.timestamp(clock.instant()))
                                                                                .addAllRoleIds(roleIds)
                                                                                .build());
            }
            return created;
        });
    }

    private ServiceException taken(String username, String email) {
        final boolean nameTaken = usernameTaken(username);
        final String message = nameTaken ? "the username '" + username + "' is already taken"
                                         : "the e-mail address '" + email + "' already belongs to an account";
        return Errors.of(Code.ALREADY_EXISTS, "ACCOUNT_EXISTS", message,
                         Map.of("field", nameTaken ? "username" : "email"));
    }

    @Override
    public void disableAccount(DisableAccountRequest request, StreamObserver<DisableAccountResponse> response) {
        final UUID id = UUID.fromString(request.getAccountId());
        final Instant now = clock.instant();
        final boolean exists = jdbi.inTransaction(handle -> {
            final AccountDao accounts = handle.attach(AccountDao.class);
            if (accounts.findById(id).isEmpty()) {
                return false;
            }
            // also when already disabled: the revocations are repeated, harmlessly
            accounts.disable(id);
            revokeOtherSessions(handle, id, null, "account disabled", now);
            // every token of the account issued until now, whatever its session
            revoke(handle, "subject", id.toString(), now, now.plus(config.longestTokenTtl()));
            // and the service tokens of its API keys
            for (UUID key : handle.attach(ApiKeyDao.class).revokeAllOf(id, now)) {
                revoke(handle, "subject", "api-keys/" + key, now, now.plus(config.serviceTokenTtl()));
            }
            return true;
        });
        if (!exists) {
            throw Errors.notFound("account", "accounts/" + id);
        }
        feed.pollNow();
        reply(response, DisableAccountResponse.getDefaultInstance());
    }

    @Override
    public void revokeAccountAccess(RevokeAccountAccessRequest request,
                                    StreamObserver<RevokeAccountAccessResponse> response) {
        final boolean deactivated = request.getReason() == RevokeAccountAccessRequest.Reason.REASON_DEACTIVATED;
        final Principal caller = Authz.requireAuthenticated();
        // a role's holders lose their tokens when a holder of roles.manage changes it; ending
        // sessions and keys is for users.write alone
        if (!caller.hasPermission("users.write") && (deactivated || !caller.hasPermission("roles.manage"))) {
            throw Errors.permissionDenied("PERMISSION_DENIED", deactivated
                    ? "this call needs the permission 'users.write'"
                    : "this call needs the permission 'users.write' or 'roles.manage'");
        }
        final List<UUID> ids = request.getAccountIdsList().stream().map(UUID::fromString).distinct().toList();
        final Instant now = clock.instant();
        final int existing = jdbi.inTransaction(handle -> {
            final AccountDao accounts = handle.attach(AccountDao.class);
            final ApiKeyDao keys = handle.attach(ApiKeyDao.class);
            int found = 0;
            for (UUID id : ids) {
                if (accounts.findById(id).isEmpty()) {
                    continue;
                }
                found++;
                revoke(handle, "subject", id.toString(), now, now.plus(config.accessTokenTtl()));
                final List<UUID> keyIds;
                if (deactivated) {
                    revokeOtherSessions(handle, id, null, "account deactivated", now);
                    keyIds = keys.revokeAllOf(id, now);
                } else {
                    keyIds = keys.activeIdsOf(id);
                }
                for (UUID key : keyIds) {
                    revoke(handle, "subject", "api-keys/" + key, now, now.plus(config.serviceTokenTtl()));
                }
            }
            return found;
        });
        feed.pollNow();
        reply(response, RevokeAccountAccessResponse.newBuilder().setAccounts(existing).build());
    }

    @Override
    public void login(LoginRequest request, StreamObserver<LoginResponse> response) {
        final String address = ClientAddress.current();
        throttle.attemptFromClient(address);
        final Optional<AccountRow> found = jdbi.withExtension(AccountDao.class, dao -> dao.findByLogin(request.getUsername()));
        final String accountKey = LoginThrottle.accountKey(
                found.map(a -> a.id().toString()).orElse(request.getUsername().toLowerCase(Locale.ROOT)));
        final boolean locked = throttle.attemptOnAccount(accountKey, address);
        // always verify, so an unknown user, a locked account and a wrong password cost the same
        final boolean passwordOk = hasher.verify(request.getPassword(), found.map(AccountRow::passwordHash).orElse(null));
        if (found.isEmpty() || !passwordOk || locked || found.get().disabled()) {
            throw Errors.unauthenticated("INVALID_CREDENTIALS", INVALID_CREDENTIALS);
        }
        final AccountRow account = found.get();
        // read before users is asked: a change of the grants committed after this moment revokes the token
        final Instant grantsAt = clock.instant();
        final Grants granted = grants.of(account.id());
        if (!granted.active()) {
            // deactivated in users: exactly the answer of a wrong password
            throw Errors.unauthenticated("INVALID_CREDENTIALS", INVALID_CREDENTIALS);
        }
        throttle.succeeded(accountKey, address);
        if (hasher.needsRehash(account.passwordHash())) {
            final String rehashed = hasher.hash(request.getPassword());
            jdbi.useExtension(AccountDao.class, dao -> dao.rehash(account.id(), rehashed));
        }
        final UUID sessionId = UUID.randomUUID();
        final String refreshToken = Secrets.newSecret("sxr_");
        final Instant now = clock.instant();
        jdbi.useTransaction(handle -> {
            final SessionDao sessions = handle.attach(SessionDao.class);
            sessions.insertSession(sessionId, account.id(), now.plus(config.sessionMaxAge()), address);
            sessions.insertRefreshToken(Secrets.hash(refreshToken), sessionId, refreshExpiry(now, now.plus(config.sessionMaxAge())));
        });
        final TokenIssuer.Issued access = issuer.userToken(account.id(), account.username(), sessionId,
                                                           granted.roles(), granted.permissions(), config.accessTokenTtl(),
                                                           grantsAt);
        reply(response, LoginResponse.newBuilder().setToken(issuer.toToken(access, refreshToken)).build());
    }

    @Override
    public void refreshToken(RefreshTokenRequest request, StreamObserver<RefreshTokenResponse> response) {
        final byte[] presented = Secrets.hash(request.getRefreshToken());
        final String next = Secrets.newSecret("sxr_");
        final Instant now = clock.instant();
        final SessionRow session = jdbi.inTransaction(handle -> {
            final SessionDao sessions = handle.attach(SessionDao.class);
            final SessionRow row = sessions.lockByRefreshToken(presented).orElse(null);
            if (row == null || row.revokedAt() != null) {
                return null;
            }
            if (row.usedAt() != null) {
                // reuse (even of a token that has expired since): someone holds a copy of a rotated
                // token; end the whole session
                revokeSession(handle, row.sessionId(), "refresh token reuse", now);
                return row;
            }
            if (!row.sessionExpiresAt().isAfter(now) || !row.tokenExpiresAt().isAfter(now)) {
                return null;
            }
            sessions.markUsed(presented, now);
            sessions.insertRefreshToken(Secrets.hash(next), row.sessionId(), refreshExpiry(now, row.sessionExpiresAt()));
            return row;
        });
        if (session == null) {
            throw Errors.unauthenticated("REFRESH_TOKEN_INVALID", "the refresh token is not valid; log in again");
        }
        if (session.usedAt() != null) {
            feed.pollNow();
            throw Errors.unauthenticated("REFRESH_TOKEN_REUSED",
                                         "the refresh token was already used; the session has been ended, log in again");
        }
        final AccountRow account = jdbi.withExtension(AccountDao.class, dao -> dao.findById(session.accountId()))
                                       .filter(a -> !a.disabled())
                                       .orElseThrow(() -> Errors.unauthenticated("REFRESH_TOKEN_INVALID",
                                                                                 "the refresh token is not valid; log in again"));
        final Instant grantsAt = clock.instant();
        final Grants granted = grants.of(account.id());
        if (!granted.active()) {
            throw Errors.unauthenticated("REFRESH_TOKEN_INVALID", "the refresh token is not valid; log in again");
        }
        final TokenIssuer.Issued access = issuer.userToken(account.id(), account.username(), session.sessionId(),
                                                           granted.roles(), granted.permissions(), config.accessTokenTtl(),
                                                           grantsAt);
        reply(response, RefreshTokenResponse.newBuilder().setToken(issuer.toToken(access, next)).build());
    }

    @Override
    public void logout(LogoutRequest request, StreamObserver<LogoutResponse> response) {
        final byte[] presented = Secrets.hash(request.getRefreshToken());
        final Instant now = clock.instant();
        final Principal caller = Authz.caller();
        final boolean known = jdbi.inTransaction(handle -> {
            final SessionRow row = handle.attach(SessionDao.class).lockByRefreshToken(presented).orElse(null);
            if (row == null) {
                return false;
            }
            revokeSession(handle, row.sessionId(), "logout", now);
            if (caller != null && caller.kind() == Principal.Kind.USER
                && !caller.sessionId().equals(row.sessionId().toString())) {
                // the access token of the call belongs to another session: it ends too
                revoke(handle, "token", caller.tokenId(), now, caller.expiresAt());
            }
            return true;
        });
        if (!known) {
            throw Errors.unauthenticated("REFRESH_TOKEN_INVALID", "the refresh token is not valid");
        }
        feed.pollNow();
        reply(response, LogoutResponse.getDefaultInstance());
    }

    @Override
    public void validateToken(ValidateTokenRequest request, StreamObserver<ValidateTokenResponse> response) {
        final Principal p = Authz.requireAuthenticated();
        reply(response, ValidateTokenResponse.newBuilder()
                                             .setSubject(p.subject())
                                             .setUsername(p.username())
                                             .setKind(p.kind() == Principal.Kind.USER ? TokenKind.TOKEN_KIND_USER
                                                                                      : TokenKind.TOKEN_KIND_SERVICE)
                                             .addAllRoles(p.roles().stream().sorted().toList())
                                             .addAllPermissions(p.permissions().stream().sorted().toList())
                                             .setSessionId(p.sessionId())
                                             .setExpireTime(RevocationFeed.timestamp(p.expiresAt()))
                                             .build());
    }

    @Override
    public void getMe(GetMeRequest request, StreamObserver<GetMeResponse> response) {
        final Principal p = Authz.requireUser();
        final AccountRow account = activeAccount(p);
        reply(response, GetMeResponse.newBuilder()
                                     .setAccount(Account.newBuilder()
                                                        .setName("accounts/" + account.id())
                                                        .setId(account.id().toString())
                                                        .setUsername(account.username())
                                                        .setEmail(account.email())
                                                        .addAllRoles(p.roles().stream().sorted().toList())
                                                        .setCreateTime(RevocationFeed.timestamp(account.createdAt()))
                                                        .setPasswordChangeTime(RevocationFeed.timestamp(account.passwordChangedAt())))
                                     .build());
    }

    @Override
    public void changePassword(ChangePasswordRequest request, StreamObserver<ChangePasswordResponse> response) {
        final Principal p = Authz.requireUser();
        final AccountRow account = activeAccount(p);
        final String address = ClientAddress.current();
        final String accountKey = LoginThrottle.accountKey(account.id().toString());
        throttle.attemptFromClient(address);
        final boolean locked = throttle.attemptOnAccount(accountKey, address);
        if (!hasher.verify(request.getCurrentPassword(), account.passwordHash()) || locked) {
            throw Errors.invalidField("current_password", "is not the account's current password");
        }
        throttle.succeeded(accountKey, address);
        PasswordPolicy.check("new_password", request.getNewPassword(), account.username(), account.email());
        final String hash = hasher.hash(request.getNewPassword());
        final Instant now = clock.instant();
        final List<UUID> revoked = jdbi.inTransaction(handle -> {
            handle.attach(AccountDao.class).updatePassword(account.id(), hash, now);
            return revokeOtherSessions(handle, account.id(), parseUuid(p.sessionId()), "password changed", now);
        });
        feed.pollNow();
        reply(response, ChangePasswordResponse.newBuilder().setRevokedSessions(revoked.size()).build());
    }

    @Override
    public void requestPasswordReset(RequestPasswordResetRequest request,
                                     StreamObserver<RequestPasswordResetResponse> response) {
        final long start = System.nanoTime();
        jdbi.useTransaction(handle -> {
            final Optional<AccountRow> account = handle.attach(AccountDao.class).findByEmail(request.getEmail());
            if (account.isEmpty() || account.get().disabled()) {
                return;
            }
            // the token is minted at delivery (mintResetToken), so that none rests in the outbox
            Outbox.append(handle, TOPIC_PASSWORD_RESET, PasswordResetRequestedEvent.newBuilder()
                                                                                    .setAccountId(account.get().id().toString())
                                                                                    .setEmail(account.get().email())
                                                                                    .setUsername(account.get().username())
                                                                                    .build());
        });
        // the same answer after the same time, whether or not the address has an account
        final long remaining = RESET_REQUEST_FLOOR.toNanos() - (System.nanoTime() - start);
        if (remaining > 0) {
            try {
                Thread.sleep(remaining / 1_000_000, (int) (remaining % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        reply(response, RequestPasswordResetResponse.getDefaultInstance());
    }

    /**
     * Mints a single-use reset token for the account of a reset request and stores its hash; the
     * outbox relay calls this when it delivers the request, and hands the token to the sender.
     */
    String mintResetToken(UUID accountId, Instant expiresAt) {
        final String token = Secrets.newSecret("sxp_");
        jdbi.useExtension(PasswordResetDao.class, dao -> dao.insert(Secrets.hash(token), accountId, expiresAt));
        return token;
    }

    @Override
    public void confirmPasswordReset(ConfirmPasswordResetRequest request,
                                     StreamObserver<ConfirmPasswordResetResponse> response) {
        final Instant now = clock.instant();
        final UUID resetAccountId = jdbi.inTransaction(handle -> {
            final PasswordResetDao resets = handle.attach(PasswordResetDao.class);
            final UUID accountId = resets.consume(Secrets.hash(request.getResetToken()))
                                         .orElseThrow(() -> Errors.invalidField(
                                                 "reset_token", "is not valid: it is wrong, used or expired; request a new one"));
            final AccountDao accounts = handle.attach(AccountDao.class);
            final AccountRow account = accounts.findById(accountId).orElseThrow(
                    () -> Errors.invalidField("reset_token", "is not valid"));
            PasswordPolicy.check("new_password", request.getNewPassword(), account.username(), account.email());
            accounts.updatePassword(accountId, hasher.hash(request.getNewPassword()), now);
            resets.invalidateAll(accountId);
            revokeOtherSessions(handle, accountId, null, "password reset", now);
            return accountId;
        });
        // the owner proved the mailbox from here: guessing elsewhere cannot lock this address out
        throttle.trust(LoginThrottle.accountKey(resetAccountId.toString()), ClientAddress.current());
        feed.pollNow();
        reply(response, ConfirmPasswordResetResponse.getDefaultInstance());
    }

    @Override
    public void createApiKey(CreateApiKeyRequest request, StreamObserver<CreateApiKeyResponse> response) {
        final Principal p = Authz.requireUser();
        final ApiKey wanted = request.getApiKey();
        for (int i = 0; i < wanted.getScopesCount(); i++) {
            if (!p.hasPermission(wanted.getScopes(i))) {
                throw Errors.invalidField("api_key.scopes[" + i + "]",
                                          "'" + wanted.getScopes(i) + "' is not among your own permissions");
            }
        }
        final UUID owner = parseUuid(p.subject());
        final UUID id = UUID.randomUUID();
        final String secret = Secrets.newSecret("sxk_");
        final String prefix = secret.substring(0, 12);
        final Instant now = clock.instant();
        jdbi.useTransaction(handle -> {
            final ApiKeyDao dao = handle.attach(ApiKeyDao.class);
            if (dao.countActive(owner) >= MAX_API_KEYS_PER_OWNER) {
                throw Errors.failedPrecondition("TOO_MANY_API_KEYS", "an account may hold at most "
                                                                     + MAX_API_KEYS_PER_OWNER + " API keys; delete one first");
            }
            dao.insert(id, owner, wanted.getDisplayName(), wanted.getScopesList().toArray(new String[0]),
                       Secrets.hash(secret), prefix, now);
        });
        final ApiKeyRow row = new ApiKeyRow(id, owner, wanted.getDisplayName(), wanted.getScopesList(), prefix, now,
                                            null, null);
        reply(response, CreateApiKeyResponse.newBuilder().setApiKey(toProto(row).setKey(secret)).build());
    }

    @Override
    public void listApiKeys(ListApiKeysRequest request, StreamObserver<ListApiKeysResponse> response) {
        final Principal p = Authz.requireUser();
        final UUID owner = parseUuid(p.subject());
        final int size = PageToken.pageSize(request.getPageSize(), 50, 100);
        final String fingerprint = "api-keys:" + owner;
        final List<String> after = PageToken.decode(fingerprint, request.getPageToken(), 2);
        final Instant afterTime;
        final UUID afterId;
        try {
            afterTime = after.isEmpty() ? null : Instant.parse(after.get(0));
            afterId = after.isEmpty() ? null : UUID.fromString(after.get(1));
        } catch (RuntimeException e) {
            throw Errors.invalidField("page_token", "is not a page token returned by this method");
        }
        final List<ApiKeyRow> rows = jdbi.withExtension(ApiKeyDao.class, dao -> dao.page(owner, afterTime, afterId, size + 1));
        final ListApiKeysResponse.Builder out = ListApiKeysResponse.newBuilder();
        for (ApiKeyRow row : rows.subList(0, Math.min(size, rows.size()))) {
            out.addApiKeys(toProto(row));
        }
        if (rows.size() > size) {
            final ApiKeyRow last = rows.get(size - 1);
            out.setNextPageToken(PageToken.encode(fingerprint, List.of(last.createdAt().toString(), last.id().toString())));
        }
        reply(response, out.build());
    }

    @Override
    public void deleteApiKey(DeleteApiKeyRequest request, StreamObserver<DeleteApiKeyResponse> response) {
        final Principal p = Authz.requireUser();
        final UUID id = UUID.fromString(request.getName().substring("api-keys/".length()));
        final Instant now = clock.instant();
        final boolean deleted = jdbi.inTransaction(handle -> {
            final ApiKeyDao dao = handle.attach(ApiKeyDao.class);
            final Optional<ApiKeyRow> key = dao.findActive(id);
            // someone else's key is "not found": no hint that it exists
            if (key.isEmpty() || !key.get().ownerId().toString().equals(p.subject())) {
                return false;
            }
            dao.revoke(id, now);
            revoke(handle, "subject", request.getName(), now, now.plus(config.serviceTokenTtl()));
            return true;
        });
        if (!deleted) {
            throw Errors.notFound("api key", request.getName());
        }
        feed.pollNow();
        reply(response, DeleteApiKeyResponse.getDefaultInstance());
    }

    @Override
    public void exchangeApiKey(ExchangeApiKeyRequest request, StreamObserver<ExchangeApiKeyResponse> response) {
        final String address = ClientAddress.current();
        throttle.attemptFromClient(address);
        final Optional<ApiKeyRow> key = jdbi.withExtension(ApiKeyDao.class,
                                                           dao -> dao.findActiveByHash(Secrets.hash(request.getApiKey())));
        final boolean ownerActive = key.isPresent()
                                    && jdbi.withExtension(AccountDao.class, dao -> dao.findById(key.get().ownerId()))
                                           .filter(a -> !a.disabled()).isPresent();
        if (!ownerActive) {
            throw Errors.unauthenticated("API_KEY_INVALID", "the API key is not valid");
        }
        final ApiKeyRow row = key.get();
        // a key carries what its owner may do now, never more: the scopes stored at creation, cut to
        // the owner's permissions of today; a deactivated owner's key works no longer
        final Instant grantsAt = clock.instant();
        final Grants owner = grants.of(row.ownerId());
        if (owner.isFallback()) {
            throw Errors.of(Code.UNAVAILABLE, "GRANTS_UNAVAILABLE",
                            "the rights of the key's owner cannot be checked now; try again shortly");
        }
        if (!owner.active()) {
            throw Errors.unauthenticated("API_KEY_INVALID", "the API key is not valid");
        }
        throttle.succeeded(null, address);
        final Set<String> held = Set.copyOf(owner.permissions());
        final List<String> scopes = row.scopes().stream().filter(scope -> Principal.grants(held, scope)).toList();
        jdbi.useExtension(ApiKeyDao.class, dao -> dao.touch(row.id(), clock.instant()));
        final String subject = "api-keys/" + row.id();
        final TokenIssuer.Issued token = issuer.serviceToken(subject, scopes, config.serviceTokenTtl(),
                                                             grantsAt);
        reply(response, ExchangeApiKeyResponse.newBuilder().setToken(issuer.toToken(token, "")).build());
    }

    @Override
    public void getJwks(GetJwksRequest request, StreamObserver<GetJwksResponse> response) {
        reply(response, GetJwksResponse.newBuilder().addAllKeys(keys.jwks()).build());
    }

    @Override
    public void watchRevocations(WatchRevocationsRequest request, StreamObserver<WatchRevocationsResponse> response) {
        final ServiceRequestContext ctx = ServiceRequestContext.currentOrNull();
        if (ctx != null) {
            // a watch lasts as long as the watcher lives
            ctx.clearRequestTimeout();
        }
        feed.subscribe((ServerCallStreamObserver<WatchRevocationsResponse>) response);
    }

    @Override
    public void rotateSigningKey(RotateSigningKeyRequest request, StreamObserver<RotateSigningKeyResponse> response) {
        reply(response, RotateSigningKeyResponse.newBuilder().setKid(keys.rotate(false)).build());
    }

    // --- helpers

    private void revokeSession(Handle handle, UUID sessionId, String reason, Instant now) {
        if (handle.attach(SessionDao.class).revoke(sessionId, reason, now)) {
            revoke(handle, "session", sessionId.toString(), now, now.plus(config.accessTokenTtl()));
        }
    }

    /**
     * Records a revocation of {@code kind} (token, session or subject) that must hold until the last
     * token it could match has expired, plus a margin for verifiers' clock skew.
     */
    private static void revoke(Handle handle, String kind, String target, Instant now, Instant lastTokenExpiry) {
        handle.attach(RevocationDao.class).insert(kind, target, now, lastTokenExpiry.plus(REVOCATION_MARGIN));
    }

    private List<UUID> revokeOtherSessions(Handle handle, UUID accountId, UUID keep, String reason, Instant now) {
        final List<UUID> revoked = handle.attach(SessionDao.class)
                                         .revokeAllExcept(accountId, keep == null ? new UUID(0, 0) : keep, reason, now);
        for (UUID id : revoked) {
            revoke(handle, "session", id.toString(), now, now.plus(config.accessTokenTtl()));
        }
        return new ArrayList<>(revoked);
    }

    private Instant refreshExpiry(Instant now, Instant sessionEnd) {
        final Instant byTtl = now.plus(config.refreshTokenTtl());
        return byTtl.isBefore(sessionEnd) ? byTtl : sessionEnd;
    }

    private AccountRow activeAccount(Principal p) {
        return jdbi.withExtension(AccountDao.class, dao -> dao.findById(parseUuid(p.subject())))
                   .filter(a -> !a.disabled())
                   .orElseThrow(() -> Errors.unauthenticated("ACCOUNT_DISABLED", "the account no longer exists or is disabled"));
    }

    private static ApiKey.Builder toProto(ApiKeyRow row) {
        final ApiKey.Builder b = ApiKey.newBuilder()
                                       .setName("api-keys/" + row.id())
                                       .setDisplayName(row.displayName())
                                       .addAllScopes(row.scopes())
                                       .setKeyPrefix(row.keyPrefix())
                                       .setOwner("accounts/" + row.ownerId())
                                       .setCreateTime(RevocationFeed.timestamp(row.createdAt()));
        if (row.lastUsedAt() != null) {
            b.setLastUseTime(RevocationFeed.timestamp(row.lastUsedAt()));
        }
        return b;
    }

    private static UUID parseUuid(String value) {
        try {
            return UUID.fromString(value);
        } catch (IllegalArgumentException e) {
            throw Errors.of(Code.PERMISSION_DENIED, "USER_TOKEN_REQUIRED", "this call needs a user's token");
        }
    }

    private static <T> void reply(StreamObserver<T> observer, T message) {
        observer.onNext(message);
        observer.onCompleted();
    }

}
