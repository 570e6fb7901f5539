package io.sextant.auth;

import java.util.Locale;
import java.util.Set;

import io.sextant.platform.error.Errors;

/**
 * What a password must be, beyond the length the contract enforces (10 to 128): not one of the most
 * common passwords, not the username or e-mail, and not a single repeated character. No composition
 * rules (NIST SP 800-63B).
 */
final class PasswordPolicy {

    private static final Set<String> COMMON = Set.of(
            "1234567890", "12345678910", "123456789a", "0987654321", "1q2w3e4r5t", "qwertyuiop", "1qaz2wsx3edc",
            "password12", "password123", "password1234", "passw0rd123", "p@ssw0rd123", "iloveyou12", "qwerty1234",
            "qwerty12345", "qwerty123456", "abcdefghij", "abcd123456", "abc1234567", "1234qwerasdf", "zaq12wsxcde",
            "letmein123", "welcome123", "welcome1234", "changeme123", "administrator", "admin12345", "admin123456",
            "football123", "baseball123", "superman123", "trustno1234", "sunshine123", "princess123", "starwars123",
            "dragon12345", "monkey12345", "master12345", "asdfghjkl1", "asdfghjkl;", "zxcvbnm123", "q1w2e3r4t5y6",
            "1111111111", "0000000000", "1234512345", "9876543210", "1122334455", "123123123123", "987654321a",
            "passwordpassword", "mypassword1", "secret12345", "whatever123", "computer123", "internet123");

    private PasswordPolicy() {}

    /** Throws INVALID_ARGUMENT on {@code field} if the password is too weak. */
    static void check(String field, String password, String username, String email) {
        final String lower = password.toLowerCase(Locale.ROOT);
        if (COMMON.contains(lower)) {
            throw Errors.invalidField(field, "is one of the most common passwords; choose another");
        }
        if (lower.equals(username.toLowerCase(Locale.ROOT)) || lower.equals(email.toLowerCase(Locale.ROOT))) {
            throw Errors.invalidField(field, "must not be the username or e-mail address");
        }
        if (lower.chars().distinct().count() < 3) {
            throw Errors.invalidField(field, "must have at least 3 different characters");
        }
    }
}
