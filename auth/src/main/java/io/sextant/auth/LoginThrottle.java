package io.sextant.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.jdbi.v3.core.Jdbi;

import io.sextant.auth.db.ThrottleDao;
import io.sextant.platform.error.Errors;

/**
 * Brute-force protection, shared by every auth replica through the database. Every attempt is
 * counted before the password is checked (so concurrent guesses cannot all slip under the limit),
 * per account and per client address, and taken back when it succeeds. Past the limit within the
 * window, an account is locked (and answers exactly like a wrong password) and an address is
 * refused with 429.
 */
final class LoginThrottle {

    private final Jdbi jdbi;
    private final Clock clock;
    private final int maxPerAccount;
    private final int maxPerClient;
    private final Duration window;
    private final Duration lock;

    LoginThrottle(Jdbi jdbi, Clock clock, AuthConfig config) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.maxPerAccount = config.maxFailuresPerAccount();
        this.maxPerClient = config.maxFailuresPerClient();
        this.window = config.failureWindow();
        this.lock = config.lockDuration();
    }

    static String accountKey(String accountOrLogin) {
        return "account:" + accountOrLogin;
    }

    private static String clientKey(String address) {
        return "client:" + address;
    }

    /** Counts an attempt from the address; refuses it with 429 when the address is over its limit. */
    void attemptFromClient(String address) {
        final Instant now = clock.instant();
        final int attempts = jdbi.withExtension(ThrottleDao.class, dao -> dao.attempt(
                clientKey(address), now, now.minus(window), maxPerClient, now.plus(lock)));
        if (attempts > maxPerClient) {
            final Instant until = jdbi.withExtension(ThrottleDao.class, dao -> dao.lockedUntil(clientKey(address), now))
                                      .orElse(now.plus(lock));
            final long seconds = Math.max(1, Duration.between(now, until).toSeconds());
            throw Errors.resourceExhausted("TOO_MANY_FAILED_LOGINS",
                                           "too many failed attempts from this address; try again in " + seconds + " s",
                                           Map.of("retry_after_seconds", String.valueOf(seconds)));
        }
    }

    /** Counts an attempt on the account; returns whether the account is locked (then it must fail). */
    boolean attemptOnAccount(String accountKey) {
        final Instant now = clock.instant();
        return jdbi.withExtension(ThrottleDao.class, dao -> dao.attempt(
                accountKey, now, now.minus(window), maxPerAccount, now.plus(lock))) > maxPerAccount;
    }

    /** The attempt succeeded: the account's failures are forgotten and the address's attempt taken back. */
    void succeeded(String accountKey, String address) {
        jdbi.useExtension(ThrottleDao.class, dao -> {
            if (accountKey != null) {
                dao.clear(accountKey);
            }
            dao.release(clientKey(address));
        });
    }

    void purge() {
        final Instant before = clock.instant().minus(window).minus(lock);
        jdbi.useExtension(ThrottleDao.class, dao -> dao.purge(before));
    }
}
