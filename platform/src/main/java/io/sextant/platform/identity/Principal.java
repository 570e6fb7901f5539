package io.sextant.platform.identity;

import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The verified caller of a call: who the bearer token says it is. Only ever built from a token whose
 * signature, issuer, expiry and revocation state were checked.
 *
 * @param subject     the user id, or {@code api-keys/{id}} for a service
 * @param username    the username (empty for services)
 * @param kind        user or service
 * @param roles       role names granted
 * @param permissions permissions granted, possibly with wildcards ({@code files.*})
 * @param sessionId   the session ({@code sid}) of a user token; empty for services
 * @param tokenId     the token's {@code jti}
 * @param issuedAt    when the token's grants were read ({@code grants_at}, milliseconds), or its {@code iat}
 *                    for a token without it: what revocations of the subject compare with
 * @param expiresAt   {@code exp}
 * @param token       the raw token, to pass on to services called on the caller's behalf
 */
public record Principal(String subject, String username, Kind kind, Set<String> roles, Set<String> permissions,
                        String sessionId, String tokenId, Instant issuedAt, Instant expiresAt, String token) {

    /** Whether the token stands for a person or a service. */
    public enum Kind { USER, SERVICE }

    public Principal {
        roles = Set.copyOf(roles);
        permissions = Set.copyOf(permissions);
    }

    /** Whether a permission is granted, directly or through a wildcard ({@code files.*}, {@code *}). */
    public boolean hasPermission(String permission) {
        return grants(permissions, permission);
    }

    /**
     * The user a user token stands for (its subject, a UUID, also when written {@code users/{id}});
     * empty for a service, which owns nothing a user owns (a feed, preferences, files).
     */
    public Optional<UUID> userId() {
        if (kind != Kind.USER) {
            return Optional.empty();
        }
        final String id = subject.startsWith("users/") ? subject.substring("users/".length()) : subject;
        try {
            return Optional.of(UUID.fromString(id));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * Whether {@code held} grants {@code permission}: literally, through {@code *}, or through a
     * wildcard of a prefix ({@code files.*} grants {@code files.read} and {@code files.*}). A wildcard
     * is granted only by itself or a wider one, so {@code *} only by {@code *}.
     */
    public static boolean grants(Set<String> held, String permission) {
        if (held.contains(permission) || held.contains("*")) {
            return true;
        }
        int dot = permission.lastIndexOf('.');
        while (dot > 0) {
            if (held.contains(permission.substring(0, dot) + ".*")) {
                return true;
            }
            dot = permission.lastIndexOf('.', dot - 1);
        }
        return false;
    }

    @Override
    public String toString() {
        // never print the token
        return "Principal[" + kind + " " + subject + (username.isEmpty() ? "" : " (" + username + ")") + "]";
    }
}
