package io.sextant.users;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

import io.grpc.Status.Code;
import io.sextant.auth.v1.RevokeAccountAccessRequest;
import io.sextant.platform.error.Errors;
import io.sextant.platform.identity.Principal;
import io.sextant.users.db.ProfileDao;
import io.sextant.users.db.ProfileRow;
import io.sextant.users.db.RoleDao;
import io.sextant.users.db.RoleRow;

/**
 * Who holds which role, and the two rules on it: nobody grants (or takes away, creates, changes or
 * deletes) a role beyond their own permissions, and {@code roles/admin} always keeps an active holder.
 */
record RoleGrants(Jdbi jdbi, AuthAccounts auth) {

    static final String ADMIN = "admin";

    /** Grants the role to the user (AddUserRole). */
    ProfileRow add(Principal caller, UUID id, String roleId) {
        return change(caller, id, roleId, (handle, profiles) -> profiles.grant(id, new String[] {roleId}) > 0);
    }

    /** Takes the role from the user (RemoveUserRole); never the last active administrator's admin role. */
    ProfileRow remove(Principal caller, UUID id, String roleId) {
        return change(caller, id, roleId, (handle, profiles) -> {
            if (roleId.equals(ADMIN)) {
                requireAnotherAdmin(handle, id);
            }
            return profiles.revoke(id, roleId);
        });
    }

    /** What AddUserRole or RemoveUserRole does to a locked user and an existing role; true if it changed anything. */
    @FunctionalInterface
    private interface Change {
        boolean apply(Handle handle, ProfileDao profiles);
    }

    /**
     * Checks the caller (every permission of the role: nobody hands out or takes away more than they
     * hold), locks the user, checks the role exists, applies the change, and once it is committed has
     * auth end the user's tokens issued before it. A repeated call repeats the revocation, so a retry
     * after auth failed to answer finishes the job.
     */
    private ProfileRow change(Principal caller, UUID id, String roleId, Change change) {
        final ProfileRow row = jdbi.inTransaction(handle -> {
            final ProfileDao profiles = handle.attach(ProfileDao.class);
            if (profiles.lock(id).isEmpty()) {
                throw Errors.notFound("user", "users/" + id);
            }
            final RoleRow target = handle.attach(RoleDao.class).find(roleId)
                                         .orElseThrow(() -> Errors.notFound("role", "roles/" + roleId));
            requireHolds(caller, target.permissions(), "roles/" + roleId);
            if (change.apply(handle, profiles)) {
                profiles.touch(id);
            }
            return profiles.find(id).orElseThrow();
        });
        auth.revokeAccess(List.of(id), RevokeAccountAccessRequest.Reason.REASON_GRANTS_CHANGED);
        return row;
    }

    /**
     * PERMISSION_DENIED unless the caller holds every one of {@code permissions} ({@code *} only a
     * holder of {@code *}, a wildcard only a holder of it or a wider one).
     */
    static void requireHolds(Principal caller, List<String> permissions, String role) {
        final List<String> missing = permissions.stream().filter(p -> !caller.hasPermission(p)).distinct().sorted().toList();
        if (!missing.isEmpty()) {
            throw Errors.of(Code.PERMISSION_DENIED, "ROLE_EXCEEDS_CALLER",
                            role + " grants " + String.join(", ", missing) + ", which you do not hold yourself; only a"
                            + " holder of every permission of a role may grant, take away, create, change or delete it",
                            Map.of("missing_permissions", String.join(",", missing)));
        }
    }

    /**
     * FAILED_PRECONDITION if the user is the only active holder of {@code roles/admin}. Locks the
     * role first, so that concurrent changes to the administrators take turns.
     */
    static void requireAnotherAdmin(Handle handle, UUID id) {
        final ProfileDao profiles = handle.attach(ProfileDao.class);
        profiles.lockRole(ADMIN);
        // a statement after the lock: in READ COMMITTED it sees what the previous holder of the lock committed
        final List<UUID> admins = profiles.activeHolders(ADMIN);
        if (admins.size() == 1 && admins.get(0).equals(id)) {
            throw Errors.failedPrecondition("LAST_ADMIN", "users/" + id + " is the last active holder of roles/admin;"
                                                          + " grant it to another user first");
        }
    }
}
