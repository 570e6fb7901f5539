package io.sextant.auth;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.jdbi.v3.core.Jdbi;

import io.grpc.Status.Code;
import io.sextant.auth.db.AccountDao;
import io.sextant.auth.db.AccountRow;
import io.sextant.auth.db.ApiKeyDao;
import io.sextant.auth.v1.AccountCreatedEvent;
import io.sextant.platform.error.Errors;
import io.sextant.platform.error.ServiceException;
import io.sextant.platform.outbox.Outbox;
import io.sextant.platform.resource.ProtoTime;

/**
 * Accounts: registration, creation by an administrator (and the bootstrap administrator), and the
 * end of an account's access when users disables or deactivates it or changes its grants.
 */
record Accounts(AuthConfig config, Jdbi jdbi, Clock clock, PasswordHasher hasher, Revocations revocations) {

    /** The outbox topic of a new account (users makes its profile). */
    static final String TOPIC_ACCOUNT_CREATED = "auth.account_created";

    /** Registers an account unless the username or e-mail address is taken, answering the same either way. */
    void register(String username, String email, String password) {
        PasswordPolicy.check("password", password, username, email);
        // hash first, whatever happens next, so that a taken name costs the same time as a free one
        final String hash = hasher.hash(password);
        insert(UUID.randomUUID(), username, email, hash, List.of());
    }

    /** Creates an account for an administrator; ALREADY_EXISTS (ACCOUNT_EXISTS) when a name is taken. */
    AccountRow create(String username, String email, String initialPassword, List<String> roleIds) {
        PasswordPolicy.check("initial_password", initialPassword, username, email);
        return createAccount(username, email, hasher.hash(initialPassword), roleIds)
                .orElseThrow(() -> taken(username, email));
    }

    /**
     * Creates an account with the AccountCreatedEvent (carrying {@code roleIds}) in the same
     * transaction; empty when the username or e-mail address is taken. What CreateAccount and the
     * bootstrap administrator use.
     */
    Optional<AccountRow> createAccount(String username, String email, String passwordHash, List<String> roleIds) {
        final UUID id = UUID.randomUUID();
        if (!insert(id, username, email, passwordHash, roleIds)) {
            return Optional.empty();
        }
        return jdbi.withExtension(AccountDao.class, dao -> dao.findById(id));
    }

    /** Whether an account has this username (case-insensitively). */
    boolean usernameTaken(String username) {
        return jdbi.withExtension(AccountDao.class, dao -> dao.findByLogin(username))
                   .filter(a -> a.username().equalsIgnoreCase(username)).isPresent();
    }

    private boolean insert(UUID id, String username, String email, String hash, List<String> roleIds) {
        return jdbi.inTransaction(handle -> {
            final boolean created = handle.attach(AccountDao.class).insertIfAbsent(id, username, email, hash);
            if (created) {
                Outbox.append(handle, TOPIC_ACCOUNT_CREATED, AccountCreatedEvent.newBuilder()
                                                                                .setAccountId(id.toString())
                                                                                .setUsername(username)
                                                                                .setEmail(email)
                                                                                .setCreateTime(ProtoTime.timestamp(clock.instant()))
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

    /** Disables the account and ends its sessions, tokens and API keys; NOT_FOUND if there is none. */
    void disable(UUID id) {
        final Instant now = clock.instant();
        final boolean exists = jdbi.inTransaction(handle -> {
            final AccountDao accounts = handle.attach(AccountDao.class);
            if (accounts.findById(id).isEmpty()) {
                return false;
            }
            // also when already disabled: the revocations are repeated, harmlessly
            accounts.disable(id);
            revocations.revokeOtherSessions(handle, id, null, "account disabled", now);
            // every token of the account issued until now, whatever its session
            revocations.revokeSubject(handle, id.toString(), now, config.longestTokenTtl());
            // and the service tokens of its API keys
            revocations.revokeApiKeys(handle, handle.attach(ApiKeyDao.class).revokeAllOf(id, now), now);
            return true;
        });
        if (!exists) {
            throw Errors.notFound("account", "accounts/" + id);
        }
        revocations.publish();
    }

    /**
     * Ends the access that the accounts' tokens give: their access tokens and their API keys'
     * service tokens; when {@code deactivated}, also their sessions, and their API keys for good.
     * Returns how many of the accounts exist.
     */
    int revokeAccess(List<UUID> ids, boolean deactivated) {
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
                revocations.revokeSubject(handle, id.toString(), now, config.accessTokenTtl());
                final List<UUID> keyIds;
                if (deactivated) {
                    revocations.revokeOtherSessions(handle, id, null, "account deactivated", now);
                    keyIds = keys.revokeAllOf(id, now);
                } else {
                    keyIds = keys.activeIdsOf(id);
                }
                revocations.revokeApiKeys(handle, keyIds, now);
            }
            return found;
        });
        revocations.publish();
        return existing;
    }

    /** The caller's account ({@code subject} of a user token); UNAUTHENTICATED if it is gone or disabled. */
    AccountRow active(String subject) {
        return jdbi.withExtension(AccountDao.class, dao -> dao.findById(accountId(subject)))
                   .filter(a -> !a.disabled())
                   .orElseThrow(() -> Errors.unauthenticated("ACCOUNT_DISABLED", "the account no longer exists or is disabled"));
    }

    /** The id in a user token's subject or session claim; PERMISSION_DENIED for any other token. */
    static UUID accountId(String value) {
        try {
            return UUID.fromString(value);
        } catch (IllegalArgumentException e) {
            throw Errors.of(Code.PERMISSION_DENIED, "USER_TOKEN_REQUIRED", "this call needs a user's token");
        }
    }
}
