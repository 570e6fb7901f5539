package io.sextant.auth;

import java.util.List;
import java.util.UUID;

/**
 * The roles and permissions that go into a user's access token. Every account holds the built-in
 * role {@code user}; roles with permissions are managed by the users service (RBAC), which auth will
 * ask at login and refresh once that service exists.
 */
record Grants(List<String> roles, List<String> permissions) {

    /** Where grants come from. */
    interface Source {
        Grants of(UUID accountId);
    }

    /** Before RBAC: the built-in role {@code user}, with no permissions beyond owning one's account. */
    static final Source BUILT_IN = accountId -> new Grants(List.of("user"), List.of());
}
