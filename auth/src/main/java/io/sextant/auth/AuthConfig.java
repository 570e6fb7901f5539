package io.sextant.auth;

import java.time.Duration;
import java.util.Base64;

import io.sextant.platform.config.Env;
import io.sextant.platform.config.ServiceConfig;

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
 *   <tr><td>LOGIN_MAX_FAILURES_PER_ACCOUNT</td><td>default 5 in LOGIN_FAILURE_WINDOW, then locked for LOGIN_LOCK_DURATION</td></tr>
 *   <tr><td>LOGIN_MAX_FAILURES_PER_CLIENT</td><td>default 20 in LOGIN_FAILURE_WINDOW from one address</td></tr>
 *   <tr><td>LOGIN_FAILURE_WINDOW, LOGIN_LOCK_DURATION</td><td>default 15m each</td></tr>
 *   <tr><td>PASSWORD_RESET_TTL</td><td>default 30m</td></tr>
 * </table>
 */
public record AuthConfig(ServiceConfig service, byte[] keyEncryptionKey, Duration accessTokenTtl,
                         Duration refreshTokenTtl, Duration sessionMaxAge, Duration serviceTokenTtl,
                         Duration keyRotationInterval, int maxFailuresPerAccount, int maxFailuresPerClient,
                         Duration failureWindow, Duration lockDuration, Duration passwordResetTtl) {

    public static final int DEFAULT_PORT = 8001;

    public static AuthConfig read(Env env) {
        final ServiceConfig service = ServiceConfig.read("auth", DEFAULT_PORT, env);
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
                env.integer("LOGIN_MAX_FAILURES_PER_CLIENT", 20, 1, 100_000),
                env.duration("LOGIN_FAILURE_WINDOW", Duration.ofMinutes(15)),
                env.duration("LOGIN_LOCK_DURATION", Duration.ofMinutes(15)),
                env.duration("PASSWORD_RESET_TTL", Duration.ofMinutes(30)));
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

    /** The longest an access or service token can live: how long an old signing key must stay published. */
    public Duration longestTokenTtl() {
        return accessTokenTtl.compareTo(serviceTokenTtl) > 0 ? accessTokenTtl : serviceTokenTtl;
    }
}
