package io.sextant.auth;

import java.util.List;

import io.sextant.auth.db.AccountRow;
import io.sextant.auth.db.ApiKeyRow;
import io.sextant.auth.v1.Account;
import io.sextant.auth.v1.ApiKey;
import io.sextant.auth.v1.TokenKind;
import io.sextant.auth.v1.ValidateTokenResponse;
import io.sextant.platform.identity.Principal;
import io.sextant.platform.resource.ProtoTime;

/** Auth's rows and callers as the messages of its contract. */
final class AuthProtos {

    private AuthProtos() {}

    /** An account with the roles to show (sorted by the caller). */
    static Account account(AccountRow row, List<String> roles) {
        return Account.newBuilder()
                      .setName("accounts/" + row.id())
                      .setId(row.id().toString())
                      .setUsername(row.username())
                      .setEmail(row.email())
                      .addAllRoles(roles)
                      .setCreateTime(ProtoTime.timestamp(row.createdAt()))
                      .setPasswordChangeTime(ProtoTime.timestamp(row.passwordChangedAt()))
                      .build();
    }

    /** An API key without its secret (shown once, by CreateApiKey, which sets it on this builder). */
    static ApiKey.Builder apiKey(ApiKeyRow row) {
        final ApiKey.Builder b = ApiKey.newBuilder()
                                       .setName("api-keys/" + row.id())
                                       .setDisplayName(row.displayName())
                                       .addAllScopes(row.scopes())
                                       .setKeyPrefix(row.keyPrefix())
                                       .setOwner("accounts/" + row.ownerId())
                                       .setCreateTime(ProtoTime.timestamp(row.createdAt()));
        if (row.lastUsedAt() != null) {
            b.setLastUseTime(ProtoTime.timestamp(row.lastUsedAt()));
        }
        return b;
    }

    /** What ValidateToken says of a verified caller. */
    static ValidateTokenResponse validation(Principal p) {
        return ValidateTokenResponse.newBuilder()
                                    .setSubject(p.subject())
                                    .setUsername(p.username())
                                    .setKind(p.kind() == Principal.Kind.USER ? TokenKind.TOKEN_KIND_USER
                                                                             : TokenKind.TOKEN_KIND_SERVICE)
                                    .addAllRoles(p.roles().stream().sorted().toList())
                                    .addAllPermissions(p.permissions().stream().sorted().toList())
                                    .setSessionId(p.sessionId())
                                    .setExpireTime(ProtoTime.timestamp(p.expiresAt()))
                                    .build();
    }
}
