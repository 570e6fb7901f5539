package io.sextant.auth;

import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import com.password4j.Argon2Function;
import com.password4j.BcryptFunction;
import com.password4j.Hash;
import com.password4j.Password;
import com.password4j.types.Argon2;

import io.sextant.platform.error.Errors;

/**
 * Argon2id with OWASP's parameters (19 MiB, 2 iterations, parallelism 1). bcrypt hashes (from
 * imports) still verify and are flagged for a rehash, as are Argon2 hashes with older parameters.
 *
 * <p>Each hash takes 19 MiB and a core for tens of milliseconds, and register and login are open to
 * anyone: at most two hashes per core run at once, and a call that cannot get a turn within two
 * seconds is refused with RESOURCE_EXHAUSTED (429) instead of queueing without bound.
 */
final class PasswordHasher {

    private static final Semaphore TURNS = new Semaphore(2 * Runtime.getRuntime().availableProcessors(), true);
    private static final long WAIT_MILLIS = 2000;

    private static final int MEMORY_KIB = 19 * 1024;
    private static final int ITERATIONS = 2;
    private static final int PARALLELISM = 1;
    private static final int OUTPUT_LENGTH = 32;
    private static final Argon2Function ARGON2 =
            Argon2Function.getInstance(MEMORY_KIB, ITERATIONS, PARALLELISM, OUTPUT_LENGTH, Argon2.ID);

    /** A hash of a password nobody has, so that a login for an unknown user costs the same. */
    private final String decoy;

    PasswordHasher() {
        decoy = Password.hash("decoy password that no account has " + System.nanoTime()).addRandomSalt(16).with(ARGON2)
                        .getResult();
    }

    String hash(String password) {
        return withTurn(() -> Password.hash(password).addRandomSalt(16).with(ARGON2).getResult());
    }

    /** Verifies a password; a null hash (no such account) verifies against the decoy and fails. */
    boolean verify(String password, String hash) {
        return withTurn(() -> {
            if (hash == null) {
                Password.check(password, decoy).with(ARGON2);
                return false;
            }
            if (hash.startsWith("$2")) {
                return Password.check(password, hash).with(BcryptFunction.getInstanceFromHash(hash));
            }
            return Password.check(password, hash).with(Argon2Function.getInstanceFromHash(hash));
        });
    }

    private static <T> T withTurn(Supplier<T> work) {
        try {
            if (!TURNS.tryAcquire(WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                throw Errors.resourceExhausted("AUTH_BUSY", "too many sign-ins at once; retry in a second",
                                               Map.of("retry_after_seconds", "1"));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Errors.unavailable("AUTH_BUSY", "interrupted while waiting to check a password");
        }
        try {
            return work.get();
        } finally {
            TURNS.release();
        }
    }

    /** Whether a (verified) hash should be replaced by a fresh Argon2id hash with today's parameters. */
    boolean needsRehash(String hash) {
        if (!hash.startsWith("$argon2id$")) {
            return true;
        }
        final Argon2Function current = Argon2Function.getInstanceFromHash(hash);
        return current.getMemory() != MEMORY_KIB || current.getIterations() != ITERATIONS
               || current.getParallelism() != PARALLELISM;
    }

    /** For tests and imports. */
    static Hash bcrypt(String password) {
        return Password.hash(password).with(BcryptFunction.getInstance(10));
    }
}
