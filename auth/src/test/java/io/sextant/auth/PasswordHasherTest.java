package io.sextant.auth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import com.password4j.Argon2Function;
import com.password4j.BcryptFunction;
import com.password4j.Password;
import com.password4j.types.Argon2;

/**
 * The hasher against password4j, the implementation before it: hashes stored by either verify with
 * the other, so that the accounts of an existing database keep logging in.
 */
class PasswordHasherTest {

    private static final String PASSWORD = "correct horse battery";
    private static final Argon2Function OLD = Argon2Function.getInstance(19 * 1024, 2, 1, 32, Argon2.ID);

    private final PasswordHasher hasher = new PasswordHasher();

    @Test
    void aHashStoredByPassword4jVerifies() {
        final String old = Password.hash(PASSWORD).addRandomSalt(16).with(OLD).getResult();
        assertThat(hasher.verify(PASSWORD, old)).isTrue();
        assertThat(hasher.verify("correct horse battery!", old)).isFalse();
        assertThat(hasher.needsRehash(old)).isFalse();
    }

    @Test
    void aHashStoredNowVerifiesWithPassword4j() {
        final String hash = hasher.hash(PASSWORD);
        assertThat(hash).startsWith("$argon2id$v=19$m=19456,t=2,p=1$");
        assertThat(Password.check(PASSWORD, hash).with(Argon2Function.getInstanceFromHash(hash))).isTrue();
        assertThat(Password.check("wrong password here", hash).with(Argon2Function.getInstanceFromHash(hash))).isFalse();
        assertThat(hasher.verify(PASSWORD, hash)).isTrue();
        assertThat(hasher.verify("wrong password here", hash)).isFalse();
        assertThat(hasher.needsRehash(hash)).isFalse();
    }

    @Test
    void saltsDiffer() {
        assertThat(hasher.hash(PASSWORD)).isNotEqualTo(hasher.hash(PASSWORD));
    }

    @Test
    void argon2HashesWithOtherParametersVerifyAndAreRehashed() {
        final String weaker = Password.hash(PASSWORD).addRandomSalt(16)
                                      .with(Argon2Function.getInstance(7168, 5, 1, 32, Argon2.ID)).getResult();
        assertThat(hasher.verify(PASSWORD, weaker)).isTrue();
        assertThat(hasher.verify("wrong password here", weaker)).isFalse();
        assertThat(hasher.needsRehash(weaker)).isTrue();
    }

    @Test
    void bcryptHashesVerifyAndAreRehashed() {
        final String imported = Password.hash(PASSWORD).with(BcryptFunction.getInstance(10)).getResult();
        assertThat(hasher.verify(PASSWORD, imported)).isTrue();
        assertThat(hasher.verify("wrong password here", imported)).isFalse();
        assertThat(hasher.needsRehash(imported)).isTrue();
        // and the helper the integration tests use makes hashes that password4j accepts
        final String made = PasswordHasher.bcrypt(PASSWORD);
        assertThat(Password.check(PASSWORD, made).with(BcryptFunction.getInstanceFromHash(made))).isTrue();
    }

    @Test
    void noAccountNeverVerifies() {
        assertThat(hasher.verify(PASSWORD, null)).isFalse();
    }
}
