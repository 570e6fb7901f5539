package io.sextant.auth;

import java.util.List;
import java.util.UUID;

import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.sextant.auth.db.AccountRow;
import io.sextant.auth.db.ApiKeyRow;
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
import io.sextant.auth.v1.Token;
import io.sextant.auth.v1.ValidateTokenRequest;
import io.sextant.auth.v1.ValidateTokenResponse;
import io.sextant.auth.v1.WatchRevocationsRequest;
import io.sextant.auth.v1.WatchRevocationsResponse;
import io.sextant.platform.error.Errors;
import io.sextant.platform.identity.Authz;
import io.sextant.platform.identity.Principal;
import io.sextant.platform.resource.Page;
import io.sextant.platform.server.ClientAddress;
import io.sextant.platform.server.NonBlocking;

/**
 * The auth service's transport: each RPC checks its caller, hands the request to the domain
 * ({@link Accounts}, {@link Passwords}, {@link Sessions}, {@link ApiKeys}, the signing keys and the
 * revocation feed) and maps the answer to its response ({@link AuthProtos}).
 */
final class AuthServiceImpl extends AuthServiceGrpc.AuthServiceImplBase {

    static final String REGISTERED_MESSAGE =
            "Registration received. If the username and e-mail address were not taken, the account exists now: log in.";

    private final Accounts accounts;
    private final Passwords passwords;
    private final Sessions sessions;
    private final ApiKeys apiKeys;
    private final SigningKeys keys;
    private final RevocationFeed feed;

    AuthServiceImpl(Accounts accounts, Passwords passwords, Sessions sessions, ApiKeys apiKeys, SigningKeys keys,
                    RevocationFeed feed) {
        this.accounts = accounts;
        this.passwords = passwords;
        this.sessions = sessions;
        this.apiKeys = apiKeys;
        this.keys = keys;
        this.feed = feed;
    }

    // ---- accounts

    @Override
    public void register(RegisterRequest request, StreamObserver<RegisterResponse> response) {
        accounts.register(request.getUsername(), request.getEmail(), request.getPassword());
        reply(response, RegisterResponse.newBuilder().setMessage(REGISTERED_MESSAGE).build());
    }

    @Override
    public void createAccount(CreateAccountRequest request, StreamObserver<CreateAccountResponse> response) {
        final AccountRow account = accounts.create(request.getUsername(), request.getEmail(),
                                                   request.getInitialPassword(), request.getRoleIdsList());
        final List<String> roles = request.getRoleIdsCount() == 0 ? List.of("user")
                                                                  : request.getRoleIdsList().stream().sorted().toList();
        reply(response, CreateAccountResponse.newBuilder().setAccount(AuthProtos.account(account, roles)).build());
    }

    @Override
    public void disableAccount(DisableAccountRequest request, StreamObserver<DisableAccountResponse> response) {
        accounts.disable(UUID.fromString(request.getAccountId()));
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
        final int existing = accounts.revokeAccess(ids, deactivated);
        reply(response, RevokeAccountAccessResponse.newBuilder().setAccounts(existing).build());
    }

    @Override
    public void getMe(GetMeRequest request, StreamObserver<GetMeResponse> response) {
        final Principal p = Authz.requireUser();
        final AccountRow account = accounts.active(p.subject());
        reply(response, GetMeResponse.newBuilder()
                                     .setAccount(AuthProtos.account(account, p.roles().stream().sorted().toList()))
                                     .build());
    }

    // ---- sessions and tokens

    @Override
    public void login(LoginRequest request, StreamObserver<LoginResponse> response) {
        final Token token = sessions.login(request.getUsername(), request.getPassword(), ClientAddress.current());
        reply(response, LoginResponse.newBuilder().setToken(token).build());
    }

    @Override
    public void refreshToken(RefreshTokenRequest request, StreamObserver<RefreshTokenResponse> response) {
        reply(response, RefreshTokenResponse.newBuilder().setToken(sessions.refresh(request.getRefreshToken())).build());
    }

    @Override
    public void logout(LogoutRequest request, StreamObserver<LogoutResponse> response) {
        sessions.logout(request.getRefreshToken(), Authz.caller());
        reply(response, LogoutResponse.getDefaultInstance());
    }

    @Override
    @NonBlocking // the token was verified by the interceptor, from memory: nothing here waits
    public void validateToken(ValidateTokenRequest request, StreamObserver<ValidateTokenResponse> response) {
        reply(response, AuthProtos.validation(Authz.requireAuthenticated()));
    }

    // ---- passwords

    @Override
    public void changePassword(ChangePasswordRequest request, StreamObserver<ChangePasswordResponse> response) {
        final Principal p = Authz.requireUser();
        final AccountRow account = accounts.active(p.subject());
        final int revoked = passwords.change(account, p.sessionId(), request.getCurrentPassword(),
                                             request.getNewPassword(), ClientAddress.current());
        reply(response, ChangePasswordResponse.newBuilder().setRevokedSessions(revoked).build());
    }

    @Override
    public void requestPasswordReset(RequestPasswordResetRequest request,
                                     StreamObserver<RequestPasswordResetResponse> response) {
        passwords.requestReset(request.getEmail());
        reply(response, RequestPasswordResetResponse.getDefaultInstance());
    }

    @Override
    public void confirmPasswordReset(ConfirmPasswordResetRequest request,
                                     StreamObserver<ConfirmPasswordResetResponse> response) {
        passwords.confirmReset(request.getResetToken(), request.getNewPassword(), ClientAddress.current());
        reply(response, ConfirmPasswordResetResponse.getDefaultInstance());
    }

    // ---- API keys

    @Override
    public void createApiKey(CreateApiKeyRequest request, StreamObserver<CreateApiKeyResponse> response) {
        final Principal p = Authz.requireUser();
        final ApiKeys.Created created = apiKeys.create(p, request.getApiKey().getDisplayName(),
                                                       request.getApiKey().getScopesList());
        reply(response, CreateApiKeyResponse.newBuilder()
                                            .setApiKey(AuthProtos.apiKey(created.key()).setKey(created.secret()))
                                            .build());
    }

    @Override
    public void listApiKeys(ListApiKeysRequest request, StreamObserver<ListApiKeysResponse> response) {
        final Principal p = Authz.requireUser();
        final Page<ApiKeyRow> page = apiKeys.page(p.subject(), request.getPageSize(), request.getPageToken());
        final ListApiKeysResponse.Builder out = ListApiKeysResponse.newBuilder();
        page.rows().forEach(row -> out.addApiKeys(AuthProtos.apiKey(row)));
        out.setNextPageToken(page.nextPageToken());
        reply(response, out.build());
    }

    @Override
    public void deleteApiKey(DeleteApiKeyRequest request, StreamObserver<DeleteApiKeyResponse> response) {
        final Principal p = Authz.requireUser();
        final UUID id = UUID.fromString(request.getName().substring("api-keys/".length()));
        apiKeys.delete(p.subject(), id, request.getName());
        reply(response, DeleteApiKeyResponse.getDefaultInstance());
    }

    @Override
    public void exchangeApiKey(ExchangeApiKeyRequest request, StreamObserver<ExchangeApiKeyResponse> response) {
        final Token token = apiKeys.exchange(request.getApiKey(), ClientAddress.current());
        reply(response, ExchangeApiKeyResponse.newBuilder().setToken(token).build());
    }

    // ---- signing keys and revocations

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

    private static <T> void reply(StreamObserver<T> observer, T message) {
        observer.onNext(message);
        observer.onCompleted();
    }
}
