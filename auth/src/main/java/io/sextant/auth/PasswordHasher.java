package io.sextant.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.bouncycastle.crypto.params.Argon2Parameters;

import io.sextant.platform.error.Errors;

/**
 * Argon2id with OWASP's parameters (19 MiB, 2 iterations, parallelism 1, 32-byte output), stored as
 * the PHC string {@code $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>} (unpadded standard base64,
 * 16-byte salt). bcrypt hashes (from imports) still verify and are flagged for a rehash, as are
 * Argon2 hashes with other parameters.
 *
 * <p>The implementation is Bouncy Castle's {@link Argon2BytesGenerator} (Keycloak's too): at these
 * parameters it costs 10-25 % less CPU per hash than password4j, which Sextant used before and whose
 * PHC strings are the same, so hashes stored by either verify with the other.
 *
 * <p>Each hash takes 19 MiB and a core for tens of milliseconds, and register and login are open to
 * anyone: at most one hash per core runs at once (more only share the cores and the memory
 * bandwidth, and every hash finishes later), and a call that cannot get a turn within two seconds
 * is refused with RESOURCE_EXHAUSTED (429) instead of queueing without bound.
 */
final class PasswordHasher {

    private static final Semaphore TURNS = new Semaphore(Runtime.getRuntime().availableProcessors(), true);
    private static final long WAIT_MILLIS = 2000;

    private static final int MEMORY_KIB = 19 * 1024;
    private static final int ITERATIONS = 2;
    private static final int PARALLELISM = 1;
    private static final int OUTPUT_LENGTH = 32;
    private static final int SALT_LENGTH = 16;
    private static final String PREFIX = "$argon2id$";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder B64_DECODER = Base64.getDecoder();

    /** A hash of a password nobody has, so that a login for an unknown user costs the same. */
    private final String decoy;

    PasswordHasher() {
        decoy = argon2("decoy password that no account has " + System.nanoTime());
    }

    String hash(String password) {
        return withTurn(() -> argon2(password));
    }

    /** Verifies a password; a null hash (no such account) verifies against the decoy and fails. */
    boolean verify(String password, String hash) {
        return withTurn(() -> {
            if (hash == null) {
                matches(password, decoy);
                return false;
            }
            if (hash.startsWith("$2")) {
                return OpenBSDBCrypt.checkPassword(hash, password.toCharArray());
            }
            return matches(password, hash);
        });
    }

    /** Whether a (verified) hash should be replaced by a fresh Argon2id hash with today's parameters. */
    boolean needsRehash(String hash) {
        if (!hash.startsWith(PREFIX)) {
            return true;
        }
        final Phc phc = Phc.parse(hash);
        return phc.memoryKib() != MEMORY_KIB || phc.iterations() != ITERATIONS || phc.parallelism() != PARALLELISM;
    }

    private static String argon2(String password) {
        final byte[] salt = new byte[SALT_LENGTH];
        RANDOM.nextBytes(salt);
        final Phc phc = new Phc(Argon2Parameters.ARGON2_VERSION_13, MEMORY_KIB, ITERATIONS, PARALLELISM, salt,
                                new byte[OUTPUT_LENGTH]);
        derive(password, phc, phc.hash());
        return phc.toString();
    }

    private static boolean matches(String password, String stored) {
        final Phc phc = Phc.parse(stored);
        final byte[] actual = new byte[phc.hash().length];
        derive(password, phc, actual);
        return MessageDigest.isEqual(actual, phc.hash());
    }

    private static void derive(String password, Phc phc, byte[] out) {
        final Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                               .withVersion(phc.version())
                               .withMemoryAsKB(phc.memoryKib())
                               .withIterations(phc.iterations())
                               .withParallelism(phc.parallelism())
                               .withSalt(phc.salt())
                               .build());
        generator.generateBytes(password.getBytes(StandardCharsets.UTF_8), out);
    }

    /** An Argon2id hash in the PHC string format. */
    private record Phc(int version, int memoryKib, int iterations, int parallelism, byte[] salt, byte[] hash) {

        static Phc parse(String value) {
            // "", "argon2id", "v=19", "m=19456,t=2,p=1", salt, hash
            final String[] parts = value.split("\\$");
            if (parts.length != 6 || !parts[1].equals("argon2id") || !parts[2].startsWith("v=")) {
                throw new IllegalStateException("not an Argon2id PHC string");
            }
            int m = -1;
            int t = -1;
            int p = -1;
            for (String param : parts[3].split(",")) {
                final String[] kv = param.split("=", 2);
                final int v = Integer.parseInt(kv[1]);
                switch (kv[0]) {
                    case "m" -> m = v;
                    case "t" -> t = v;
                    case "p" -> p = v;
                    default -> throw new IllegalStateException("unknown Argon2 parameter " + kv[0]);
                }
            }
            if (m <= 0 || t <= 0 || p <= 0) {
                throw new IllegalStateException("an Argon2id PHC string without m, t and p");
            }
            return new Phc(Integer.parseInt(parts[2].substring(2)), m, t, p, B64_DECODER.decode(parts[4]),
                           B64_DECODER.decode(parts[5]));
        }

        @Override
        public String toString() {
            return PREFIX + "v=" + version + "$m=" + memoryKib + ",t=" + iterations + ",p=" + parallelism
                   + "$" + B64.encodeToString(salt) + "$" + B64.encodeToString(hash);
        }
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

    /** A bcrypt hash (cost 10), as imports bring them: for tests. */
    static String bcrypt(String password) {
        final byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return OpenBSDBCrypt.generate("2b", password.toCharArray(), salt, 10);
    }
}
