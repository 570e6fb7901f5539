package io.sextant.auth;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.jdbi.v3.core.Jdbi;

import io.grpc.Status.Code;
import io.sextant.auth.db.AccountDao;
import io.sextant.auth.db.ApiKeyDao;
import io.sextant.auth.db.ApiKeyRow;
import io.sextant.auth.v1.Token;
import io.sextant.platform.db.PageToken;
import io.sextant.platform.error.Errors;
import io.sextant.platform.identity.Principal;
import io.sextant.platform.resource.Page;

/**
 * API keys of users' accounts, for services: a key's scopes never exceed its owner's permissions,
 * at creation or when it is exchanged for a service token.
 */
record ApiKeys(AuthConfig config, Jdbi jdbi, Clock clock, TokenIssuer issuer, LoginThrottle throttle,
               Grants.Source grants, Revocations revocations) {

    /** A new key and its secret, which is shown this once. */
    record Created(ApiKeyRow key, String secret) {}

    private static final int MAX_API_KEYS_PER_OWNER = 100;

    /** Creates a key of the caller's with scopes among the caller's own permissions. */
    Created create(Principal owner, String displayName, List<String> scopes) {
        for (int i = 0; i < scopes.size(); i++) {
            if (!owner.hasPermission(scopes.get(i))) {
                throw Errors.invalidField("api_key.scopes[" + i + "]",
                                          "'" + scopes.get(i) + "' is not among your own permissions");
            }
        }
        final UUID ownerId = Accounts.accountId(owner.subject());
        final UUID id = UUID.randomUUID();
        final String secret = Secrets.newSecret("sxk_");
        final String prefix = secret.substring(0, 12);
        final Instant now = clock.instant();
        jdbi.useTransaction(handle -> {
            final ApiKeyDao dao = handle.attach(ApiKeyDao.class);
            if (dao.countActive(ownerId) >= MAX_API_KEYS_PER_OWNER) {
                throw Errors.failedPrecondition("TOO_MANY_API_KEYS", "an account may hold at most "
                                                                     + MAX_API_KEYS_PER_OWNER + " API keys; delete one first");
            }
            dao.insert(id, ownerId, displayName, scopes.toArray(new String[0]), Secrets.hash(secret), prefix, now);
        });
        return new Created(new ApiKeyRow(id, ownerId, displayName, scopes, prefix, now, null, null), secret);
    }

    /** A page of the owner's active keys, newest first. */
    Page<ApiKeyRow> page(String ownerSubject, int pageSize, String pageToken) {
        final UUID owner = Accounts.accountId(ownerSubject);
        final int size = PageToken.pageSize(pageSize, 50, 100);
        final String fingerprint = "api-keys:" + owner;
        final List<String> after = PageToken.decode(fingerprint, pageToken, 2);
        final Instant afterTime;
        final UUID afterId;
        try {
            afterTime = after.isEmpty() ? null : Instant.parse(after.get(0));
            afterId = after.isEmpty() ? null : UUID.fromString(after.get(1));
        } catch (RuntimeException e) {
            throw Errors.invalidField("page_token", "is not a page token returned by this method");
        }
        final List<ApiKeyRow> rows = jdbi.withExtension(ApiKeyDao.class, dao -> dao.page(owner, afterTime, afterId, size + 1));
        if (rows.size() <= size) {
            return new Page<>(rows, "");
        }
        final ApiKeyRow last = rows.get(size - 1);
        return new Page<>(rows.subList(0, size),
                          PageToken.encode(fingerprint, List.of(last.createdAt().toString(), last.id().toString())));
    }

    /**
     * Revokes the key {@code name} ({@code api-keys/{id}}) of the owner and the service tokens it
     * was exchanged for; someone else's key is NOT_FOUND, with no hint that it exists.
     */
    void delete(String ownerSubject, UUID id, String name) {
        final Instant now = clock.instant();
        final boolean deleted = jdbi.inTransaction(handle -> {
            final ApiKeyDao dao = handle.attach(ApiKeyDao.class);
            final Optional<ApiKeyRow> key = dao.findActive(id);
            if (key.isEmpty() || !key.get().ownerId().toString().equals(ownerSubject)) {
                return false;
            }
            dao.revoke(id, now);
            revocations.revokeSubject(handle, name, now, config.serviceTokenTtl());
            return true;
        });
        if (!deleted) {
            throw Errors.notFound("api key", name);
        }
        revocations.publish();
    }

    /**
     * A service token for a key secret presented from {@code address} (counted like a login attempt):
     * the secret of one of the mesh's service accounts ({@link ServiceAccounts}) or of an API key.
     */
    Token exchange(String secret, String address) {
        throttle.attemptFromClient(address);
        final byte[] hash = Secrets.hash(secret);
        final Optional<ServiceAccounts.Account> account = config.serviceAccounts().find(hash);
        if (account.isPresent()) {
            throttle.succeeded(null, address);
            final Instant now = clock.instant();
            return issuer.toToken(issuer.serviceToken(account.get().subject(), account.get().permissions(),
                                                      config.serviceTokenTtl(), now), "");
        }
        final Optional<ApiKeyRow> key = jdbi.withExtension(ApiKeyDao.class, dao -> dao.findActiveByHash(hash));
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
        final TokenIssuer.Issued token = issuer.serviceToken(subject, scopes, config.serviceTokenTtl(), grantsAt);
        return issuer.toToken(token, "");
    }
}
