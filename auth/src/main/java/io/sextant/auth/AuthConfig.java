package io.sextant.auth;

import java.time.Duration;
import java.util.Base64;
import java.util.regex.Pattern;

import io.sextant.platform.config.Env;
import io.sextant.platform.config.CommonConfig;
import io.sextant.platform.config.Targets;
import io.sextant.platform.error.ServiceException;

/**
 * Auth's settings: the common ones plus token lifetimes, key rotation, brute-force limits and the
 * key that encrypts the signing keys at rest.
 *
 * <table>
 *   <tr><td>AUTH_KEY_ENCRYPTION_KEY</td><td>required: 32 random bytes, base64; encrypts the private signing keys in the database</td></tr>
 *   <tr><td>ACCESS_TOKEN_TTL</td><td>default 15m</td></tr>
 *   <tr><td>REFRESH_TOKEN_TTL</td><td>default 30d: how long a refresh token (and so an idle session) lives</td></tr>
 *   <tr><td>SESSION_MAX_AGE</td><td>default 90d: a session ends then, however often it was refreshed</td></tr>
 *   <tr><td>SERVICE_TOKEN_TTL</td><td>default 10m</td></tr>
 *   <tr><td>KEY_ROTATION_INTERVAL</td><td>default 30d: a new signing key then; 0 turns automatic rotation off</td></tr>
 *   <tr><td>LOGIN_MAX_FAILURES_PER_ACCOUNT</td><td>default 5 in LOGIN_FAILURE_WINDOW on one account from one
 *       address, then that address (only) is locked out of that account for LOGIN_LOCK_DURATION</td></tr>
 *   <tr><td>LOGIN_MAX_FAILURES_PER_ACCOUNT_TOTAL</td><td>default 100 in LOGIN_FAILURE_WINDOW on one account from all
 *       addresses together, then it is locked for LOGIN_LOCK_DURATION to every address that has not logged in to it
 *       (or confirmed a password reset of it) within LOGIN_KNOWN_CLIENT_TTL</td></tr>
 *   <tr><td>LOGIN_MAX_FAILURES_PER_CLIENT</td><td>default 20 in LOGIN_FAILURE_WINDOW from one address (an IPv6
 *       address counts as its /64), whatever the accounts, then 429 for LOGIN_LOCK_DURATION</td></tr>
 *   <tr><td>LOGIN_FAILURE_WINDOW, LOGIN_LOCK_DURATION</td><td>default 15m each</td></tr>
 *   <tr><td>LOGIN_KNOWN_CLIENT_TTL</td><td>default 90d: how long an address an account logged in from stays known</td></tr>
 *   <tr><td>PASSWORD_RESET_TTL</td><td>default 30m</td></tr>
 *   <tr><td>USERS_TARGET</td><td>default localhost:8002: where the users service is (grants, profiles): host:port,
 *       host:port,host:port,... or dns:///host:port</td></tr>
 *   <tr><td>USERS_DEADLINE</td><td>default 2s: the deadline of each call to the users service</td></tr>
 *   <tr><td>NOTIFICATION_TARGET</td><td>default localhost:8003: where the notification service is (the password
 *       reset e-mails), in the form of USERS_TARGET</td></tr>
 *   <tr><td>NOTIFICATION_DEADLINE</td><td>default 5s: the deadline of each call to the notification service</td></tr>
 *   <tr><td>PASSWORD_RESET_URL</td><td>default none: the page of your application where a user chooses a new
 *       password; the reset e-mail links to it with {@code ?token=...} appended. Without it the e-mail gives the
 *       token alone</td></tr>
 *   <tr><td>PASSWORD_RESET_TEMPLATE</td><td>default none (auth's own text): a notification template,
 *       {@code templates/<id>}, that renders the reset e-mail from the variables username, token, reset_url and
 *       expires_at</td></tr>
 *   <tr><td>BOOTSTRAP_ADMIN_USERNAME, BOOTSTRAP_ADMIN_EMAIL, BOOTSTRAP_ADMIN_PASSWORD</td><td>all three or none:
 *       the first administrator, created at start-up (role {@code admin}) unless an account has that username</td></tr>
 *   <tr><td>SERVICE_ACCOUNTS, SERVICE_ACCOUNT_&lt;NAME&gt;_SECRET_SHA256, SERVICE_ACCOUNT_&lt;NAME&gt;_PERMISSIONS</td>
 *       <td>default none: the mesh's services whose secrets ExchangeApiKey takes, for a token with subject
 *       {@code services/<name>} and exactly those permissions ({@link ServiceAccounts})</td></tr>
 * </table>
 */
public record AuthConfig(CommonConfig service, byte[] keyEncryptionKey, Duration accessTokenTtl,
                         Duration refreshTokenTtl, Duration sessionMaxAge, Duration serviceTokenTtl,
                         Duration keyRotationInterval, int maxFailuresPerAccount, int maxFailuresPerAccountTotal,
                         int maxFailuresPerClient, Duration failureWindow, Duration lockDuration,
                         Duration knownClientTtl, Duration passwordResetTtl,
                         String usersTarget, Duration usersDeadline, String notificationTarget,
                         Duration notificationDeadline, String passwordResetUrl, String passwordResetTemplate,
                         BootstrapAdmin bootstrapAdmin, ServiceAccounts serviceAccounts) {

    public static final int DEFAULT_PORT = 8001;

    private static final Pattern USERNAME = Pattern.compile("^[A-Za-z][A-Za-z0-9._-]{2,31}$");
    private static final Pattern EMAIL = Pattern.compile("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$");
    private static final Pattern RESET_URL = Pattern.compile("^https?://[^\\s#]{1,993}$");
    private static final Pattern TEMPLATE = Pattern.compile("^templates/[a-z0-9][a-z0-9-]{0,62}$");

    /** The first administrator to create at start-up; the password is never printed. */
    public record BootstrapAdmin(String username, String email, String password) {
        @Override
        public String toString() {
            return "BootstrapAdmin[" + username + ", " + email + "]";
        }
    }

    public static AuthConfig read(Env env) {
        final CommonConfig service = CommonConfig.read("auth", DEFAULT_PORT, env);
        final String kek = env.required("AUTH_KEY_ENCRYPTION_KEY",
                                        "32 random bytes in base64 (e.g. `openssl rand -base64 32`); they encrypt"
                                        + " the token signing keys in the database");
        byte[] key = new byte[0];
        if (!kek.isEmpty()) {
            try {
                key = Base64.getDecoder().decode(kek);
            } catch (IllegalArgumentException e) {
                key = new byte[0];
            }
            if (key.length != 32) {
                env.problem("AUTH_KEY_ENCRYPTION_KEY", "must be 32 bytes in base64 (44 characters)");
            }
        }
        final AuthConfig config = new AuthConfig(
                service, key,
                env.duration("ACCESS_TOKEN_TTL", Duration.ofMinutes(15)),
                env.duration("REFRESH_TOKEN_TTL", Duration.ofDays(30)),
                env.duration("SESSION_MAX_AGE", Duration.ofDays(90)),
                env.duration("SERVICE_TOKEN_TTL", Duration.ofMinutes(10)),
                env.duration("KEY_ROTATION_INTERVAL", Duration.ofDays(30)),
                env.integer("LOGIN_MAX_FAILURES_PER_ACCOUNT", 5, 1, 1000),
                env.integer("LOGIN_MAX_FAILURES_PER_ACCOUNT_TOTAL", 100, 1, 1_000_000),
                env.integer("LOGIN_MAX_FAILURES_PER_CLIENT", 20, 1, 100_000),
                env.duration("LOGIN_FAILURE_WINDOW", Duration.ofMinutes(15)),
                env.duration("LOGIN_LOCK_DURATION", Duration.ofMinutes(15)),
                env.duration("LOGIN_KNOWN_CLIENT_TTL", Duration.ofDays(90)),
                env.duration("PASSWORD_RESET_TTL", Duration.ofMinutes(30)),
                env.string("USERS_TARGET", "localhost:8002"),
                env.duration("USERS_DEADLINE", Duration.ofSeconds(2)),
                env.string("NOTIFICATION_TARGET", "localhost:8003"),
                env.duration("NOTIFICATION_DEADLINE", Duration.ofSeconds(5)),
                env.string("PASSWORD_RESET_URL", ""),
                env.string("PASSWORD_RESET_TEMPLATE", ""),
                bootstrapAdmin(env),
                ServiceAccounts.read(env));
        Targets.check(env, "NOTIFICATION_TARGET", config.notificationTarget());
        if (config.notificationDeadline().compareTo(Duration.ofMillis(100)) < 0
            || config.notificationDeadline().compareTo(Duration.ofMinutes(1)) > 0) {
            env.problem("NOTIFICATION_DEADLINE", "must be between 100ms and 1m");
        }
        if (!config.passwordResetUrl().isEmpty() && !RESET_URL.matcher(config.passwordResetUrl()).matches()) {
            env.problem("PASSWORD_RESET_URL", "must be an http or https URL of at most 1000 characters, without a fragment");
        }
        if (!config.passwordResetTemplate().isEmpty() && !TEMPLATE.matcher(config.passwordResetTemplate()).matches()) {
            env.problem("PASSWORD_RESET_TEMPLATE", "must be a template name: templates/ and 1 to 63 lower-case letters,"
                                                   + " digits and '-', not starting with '-'");
        }
        Targets.check(env, "USERS_TARGET", config.usersTarget());
        if (config.usersDeadline().compareTo(Duration.ofMillis(100)) < 0
            || config.usersDeadline().compareTo(Duration.ofMinutes(1)) > 0) {
            env.problem("USERS_DEADLINE", "must be between 100ms and 1m");
        }
        if (config.accessTokenTtl().compareTo(Duration.ofSeconds(10)) < 0
            || config.accessTokenTtl().compareTo(Duration.ofHours(24)) > 0) {
            env.problem("ACCESS_TOKEN_TTL", "must be between 10s and 24h");
        }
        if (config.serviceTokenTtl().compareTo(Duration.ofSeconds(10)) < 0
            || config.serviceTokenTtl().compareTo(Duration.ofHours(24)) > 0) {
            env.problem("SERVICE_TOKEN_TTL", "must be between 10s and 24h");
        }
        env.check();
        return config;
    }

    private static BootstrapAdmin bootstrapAdmin(Env env) {
        final String username = env.raw("BOOTSTRAP_ADMIN_USERNAME");
        final String email = env.raw("BOOTSTRAP_ADMIN_EMAIL");
        final String password = env.raw("BOOTSTRAP_ADMIN_PASSWORD");
        final int set = (username == null ? 0 : 1) + (email == null ? 0 : 1) + (password == null ? 0 : 1);
        if (set == 0) {
            return null;
        }
        if (set < 3) {
            env.problem("BOOTSTRAP_ADMIN_USERNAME, BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD",
                        "must be set all three or none (missing: "
                        + String.join(", ", java.util.stream.Stream.of(username == null ? "BOOTSTRAP_ADMIN_USERNAME" : null,
                                                                         email == null ? "BOOTSTRAP_ADMIN_EMAIL" : null,
                                                                         password == null ? "BOOTSTRAP_ADMIN_PASSWORD" : null)
                                                                     .filter(java.util.Objects::nonNull).toList())
                        + ")");
            return null;
        }
        boolean ok = true;
        if (!USERNAME.matcher(username).matches()) {
            env.problem("BOOTSTRAP_ADMIN_USERNAME", "must be 3-32 characters: a letter, then letters, digits, '.', '_' or '-'");
            ok = false;
        }
        if (email.length() > 254 || !EMAIL.matcher(email).matches()) {
            env.problem("BOOTSTRAP_ADMIN_EMAIL", "must be an e-mail address");
            ok = false;
        }
        if (password.length() < 10 || password.length() > 128) {
            env.problem("BOOTSTRAP_ADMIN_PASSWORD", "must be 10 to 128 characters long");
            ok = false;
        } else {
            try {
                PasswordPolicy.check("BOOTSTRAP_ADMIN_PASSWORD", password, username, email);
            } catch (ServiceException e) {
                env.problem("BOOTSTRAP_ADMIN_PASSWORD", "does not meet the password policy: "
                                                        + e.violations().get(0).getDescription());
                ok = false;
            }
        }
        return ok ? new BootstrapAdmin(username, email, password) : null;
    }

    /** The longest an access or service token can live: how long an old signing key must stay published. */
    public Duration longestTokenTtl() {
        return accessTokenTtl.compareTo(serviceTokenTtl) > 0 ? accessTokenTtl : serviceTokenTtl;
    }
}
