package io.sextant.auth;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;

import org.jdbi.v3.core.Jdbi;

import com.google.common.net.InetAddresses;

import io.sextant.auth.db.ThrottleDao;
import io.sextant.platform.db.ConflictRetry;
import io.sextant.platform.error.Errors;

/**
 * Brute-force protection, shared by every auth replica through the database, built so that guessing
 * cannot lock an owner out (OWASP's authentication cheat sheet warns that a lockout is a denial of
 * service in an attacker's hands). Every attempt is counted before the password is checked (so
 * concurrent guesses cannot all slip under a limit), under three counters:
 * <ul>
 *   <li>per client address, across accounts: past LOGIN_MAX_FAILURES_PER_CLIENT the address is refused
 *       with 429 (an IPv6 address counts as its /64, which one client can rotate through);</li>
 *   <li>per account and address: past LOGIN_MAX_FAILURES_PER_ACCOUNT that address, and only that one,
 *       is locked out of the account;</li>
 *   <li>per account, across addresses: past LOGIN_MAX_FAILURES_PER_ACCOUNT_TOTAL (guessing spread over
 *       many addresses) the account is locked to every address that has not logged in to it (or
 *       confirmed a password reset of it) within LOGIN_KNOWN_CLIENT_TTL; the owner's usual addresses
 *       still get in.</li>
 * </ul>
 * A locked account answers exactly like a wrong password. A success forgets the failures of its
 * account and address, takes back its attempt from the other counters (without forgiving anyone
 * else's failures) and remembers the address for the account.
 */
final class LoginThrottle {

    private final Jdbi jdbi;
    private final Clock clock;
    private final int maxPerAccount;
    private final int maxPerAccountTotal;
    private final int maxPerClient;
    private final Duration window;
    private final Duration lock;
    private final Duration knownClientTtl;

    LoginThrottle(Jdbi jdbi, Clock clock, AuthConfig config) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.maxPerAccount = config.maxFailuresPerAccount();
        this.maxPerAccountTotal = config.maxFailuresPerAccountTotal();
        this.maxPerClient = config.maxFailuresPerClient();
        this.window = config.failureWindow();
        this.lock = config.lockDuration();
        this.knownClientTtl = config.knownClientTtl();
    }

    static String accountKey(String accountOrLogin) {
        return "account:" + accountOrLogin;
    }

    private static String clientKey(String address) {
        return "client:" + client(address);
    }

    private static String accountClientKey(String accountKey, String address) {
        return accountKey + "|" + clientKey(address);
    }

    /**
     * The client as the counters know it: the address, or for IPv6 its /64, since a single host is
     * usually given a whole /64 and could otherwise change address for every guess.
     */
    static String client(String address) {
        if (!InetAddresses.isInetAddress(address)) {
            return address;
        }
        final InetAddress parsed = InetAddresses.forString(address);
        if (!(parsed instanceof Inet6Address)) {
            return parsed.getHostAddress();
        }
        final byte[] prefix = Arrays.copyOf(parsed.getAddress(), 16);
        Arrays.fill(prefix, 8, 16, (byte) 0);
        try {
            return InetAddresses.toAddrString(InetAddress.getByAddress(prefix)) + "/64";
        } catch (UnknownHostException e) {
            throw new IllegalStateException("16 bytes are an IPv6 address", e);
        }
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

    /**
     * Counts an attempt on the account from the address; returns whether the account is locked to
     * that address (then the attempt must fail like a wrong password). Takes the same steps whether
     * the account exists or not.
     */
    boolean attemptOnAccount(String accountKey, String address) {
        final Instant now = clock.instant();
        // concurrent logins to one account upsert the same two rows, and PostgreSQL may abort one as a deadlock
        // (seen in bench/ with 4 connections logging in as one user): it undid all of it, so it runs again
        return ConflictRetry.run(() -> jdbi.withExtension(ThrottleDao.class, dao -> dao.attemptOnAccount(
                accountClientKey(accountKey, address), maxPerAccount, accountKey, maxPerAccountTotal, client(address),
                now.minus(knownClientTtl), now, now.minus(window), now.plus(lock))));
    }

    /**
     * The attempt succeeded: the failures of the account from the address are forgotten, the
     * attempt taken back from the account's and the address's counts, and the address remembered
     * for the account (one statement). Without an account ({@code null}), only the address's attempt
     * is taken back.
     */
    void succeeded(String accountKey, String address) {
        final Instant now = clock.instant();
        if (accountKey == null) {
            // an API key exchange: no account, only the address's attempt to take back
            jdbi.useExtension(ThrottleDao.class, dao -> dao.release(clientKey(address)));
            return;
        }
        ConflictRetry.run(() -> jdbi.withExtension(ThrottleDao.class, dao -> {
            dao.succeeded(accountClientKey(accountKey, address), accountKey, clientKey(address), client(address), now);
            return null;
        }));
    }

    /**
     * The owner of the account showed up at the address by other means (a password reset confirmed
     * with the mailed token): the address is known to the account from now on, and not locked out.
     */
    void trust(String accountKey, String address) {
        final Instant now = clock.instant();
        jdbi.useHandle(handle -> {
            final ThrottleDao dao = handle.attach(ThrottleDao.class);
            dao.clear(accountClientKey(accountKey, address));
            dao.remember(accountKey, client(address), now);
        });
    }

    void purge() {
        final Instant now = clock.instant();
        jdbi.useExtension(ThrottleDao.class, dao -> {
            dao.purge(now.minus(window).minus(lock));
            dao.purgeKnown(now.minus(knownClientTtl));
        });
    }
}
