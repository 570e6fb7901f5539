package io.sextant.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import org.jdbi.v3.core.Jdbi;

import io.sextant.auth.db.ThrottleDao;
import io.sextant.platform.error.Errors;

/**
 * Brute-force protection, shared by every auth replica through the database: failed logins are
 * counted per account and per client address in a window; past the limit the account is locked
 * (and answers exactly like a wrong password) and the address is refused with 429.
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

    static String clientKey(String address) {
        return "client:" + address;
    }

    /** Refuses the call with 429 if the client address is locked out. */
    void checkClient(String address) {
        final Instant now = clock.instant();
        final Optional<Instant> until = jdbi.withExtension(ThrottleDao.class, dao -> dao.lockedUntil(clientKey(address), now));
        if (until.isPresent()) {
            final long seconds = Math.max(1, Duration.between(now, until.get()).toSeconds());
            throw Errors.resourceExhausted("TOO_MANY_FAILED_LOGINS",
                                           "too many failed attempts from this address; try again in " + seconds + " s",
                                           Map.of("retry_after_seconds", String.valueOf(seconds)));
        }
    }

    boolean isAccountLocked(String accountKey) {
        final Instant now = clock.instant();
        return jdbi.withExtension(ThrottleDao.class, dao -> dao.lockedUntil(accountKey, now)).isPresent();
    }

    /** Counts a failure against the account (if known) and the client address. */
    void fail(String accountKey, String address) {
        final Instant now = clock.instant();
        jdbi.useExtension(ThrottleDao.class, dao -> {
            if (accountKey != null) {
                dao.fail(accountKey, now, now.minus(window), maxPerAccount, now.plus(lock));
            }
            dao.fail(clientKey(address), now, now.minus(window), maxPerClient, now.plus(lock));
        });
    }

    void succeed(String accountKey) {
        jdbi.useExtension(ThrottleDao.class, dao -> dao.clear(accountKey));
    }

    void purge() {
        final Instant before = clock.instant().minus(window).minus(lock);
        jdbi.useExtension(ThrottleDao.class, dao -> dao.purge(before));
    }
}
