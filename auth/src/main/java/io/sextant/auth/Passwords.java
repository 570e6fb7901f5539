package io.sextant.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.jdbi.v3.core.Jdbi;

import io.sextant.auth.db.AccountDao;
import io.sextant.auth.db.AccountRow;
import io.sextant.auth.db.PasswordResetDao;
import io.sextant.auth.v1.PasswordResetRequestedEvent;
import io.sextant.platform.error.Errors;
import io.sextant.platform.outbox.Outbox;

/** Password changes and resets: each ends the account's other sessions. */
record Passwords(Jdbi jdbi, Clock clock, PasswordHasher hasher, LoginThrottle throttle, Revocations revocations) {

    /** The outbox topic of a reset request (its sender mails the token). */
    static final String TOPIC_PASSWORD_RESET = "auth.password_reset_requested";
    /** A password reset request takes at least this long, whether or not the address has an account. */
    private static final Duration RESET_REQUEST_FLOOR = Duration.ofMillis(300);

    /**
     * Changes the password of the caller's account (the current one counts as a login attempt) and
     * ends every other session of it; returns how many.
     *
     * @param sessionId the session of the caller's token, which stays
     */
    int change(AccountRow account, String sessionId, String currentPassword, String newPassword, String address) {
        final String accountKey = LoginThrottle.accountKey(account.id().toString());
        throttle.attemptFromClient(address);
        final boolean locked = throttle.attemptOnAccount(accountKey, address);
        if (!hasher.verify(currentPassword, account.passwordHash()) || locked) {
            throw Errors.invalidField("current_password", "is not the account's current password");
        }
        throttle.succeeded(accountKey, address);
        PasswordPolicy.check("new_password", newPassword, account.username(), account.email());
        final String hash = hasher.hash(newPassword);
        final Instant now = clock.instant();
        final List<UUID> revoked = jdbi.inTransaction(handle -> {
            handle.attach(AccountDao.class).updatePassword(account.id(), hash, now);
            return revocations.revokeOtherSessions(handle, account.id(), Accounts.accountId(sessionId),
                                                   "password changed", now);
        });
        revocations.publish();
        return revoked.size();
    }

    /**
     * Puts a reset request for the active account of the address, if there is one, in the outbox;
     * takes the same time either way.
     */
    void requestReset(String email) {
        final long start = System.nanoTime();
        jdbi.useTransaction(handle -> {
            final Optional<AccountRow> account = handle.attach(AccountDao.class).findByEmail(email);
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

    /** Sets a new password with a reset token and ends every session of the account. */
    void confirmReset(String resetToken, String newPassword, String address) {
        final Instant now = clock.instant();
        final UUID resetAccountId = jdbi.inTransaction(handle -> {
            final PasswordResetDao resets = handle.attach(PasswordResetDao.class);
            final UUID accountId = resets.consume(Secrets.hash(resetToken))
                                         .orElseThrow(() -> Errors.invalidField(
                                                 "reset_token", "is not valid: it is wrong, used or expired; request a new one"));
            final AccountDao accounts = handle.attach(AccountDao.class);
            final AccountRow account = accounts.findById(accountId).orElseThrow(
                    () -> Errors.invalidField("reset_token", "is not valid"));
            PasswordPolicy.check("new_password", newPassword, account.username(), account.email());
            accounts.updatePassword(accountId, hasher.hash(newPassword), now);
            resets.invalidateAll(accountId);
            revocations.revokeOtherSessions(handle, accountId, null, "password reset", now);
            return accountId;
        });
        // the owner proved the mailbox from here: guessing elsewhere cannot lock this address out
        throttle.trust(LoginThrottle.accountKey(resetAccountId.toString()), address);
        revocations.publish();
    }
}
