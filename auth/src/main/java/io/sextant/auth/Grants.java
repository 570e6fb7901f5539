package io.sextant.auth;

import java.util.List;
import java.util.UUID;

/**
 * The roles and permissions that go into a user's access token, and whether the user may sign in at
 * all. The users service owns them (RBAC); auth reads them at every login and refresh.
 */
record Grants(List<String> roles, List<String> permissions, boolean active) {

    /** Where grants come from. */
    interface Source {
        Grants of(UUID accountId);
    }

    /**
     * Least privilege: the built-in role {@code user} with no permissions beyond owning one's
     * account. What a login gets while the users service cannot be asked.
     */
    static final Grants LEAST_PRIVILEGE = new Grants(List.of("user"), List.of(), true);

    /** Whether these are not the user's grants but {@link #LEAST_PRIVILEGE}, because users could not be asked. */
    boolean isFallback() {
        return this == LEAST_PRIVILEGE;
    }
}
