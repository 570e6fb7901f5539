package io.sextant.users;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.jdbi.v3.core.Jdbi;

import io.sextant.auth.v1.RevokeAccountAccessRequest;
import io.sextant.platform.db.PageToken;
import io.sextant.platform.error.Errors;
import io.sextant.platform.identity.Principal;
import io.sextant.platform.resource.Page;
import io.sextant.users.db.ProfileDao;
import io.sextant.users.db.RoleDao;
import io.sextant.users.db.RoleRow;

/**
 * Roles and the permissions they grant. A change of what a role grants ends its holders' tokens
 * issued before it; the built-in roles stay (and {@code roles/admin} keeps its permissions).
 */
record Roles(Jdbi jdbi, AuthAccounts auth) {

    /** A page of roles ordered by id. */
    Page<RoleRow> page(int pageSizeRequested, String pageToken) {
        final int pageSize = PageToken.pageSize(pageSizeRequested, 50, 100);
        final List<String> after = PageToken.decode("roles", pageToken, 1);
        final List<RoleRow> rows = jdbi.withExtension(RoleDao.class,
                                                      roles -> roles.page(after.isEmpty() ? "" : after.get(0), pageSize + 1));
        if (rows.size() <= pageSize) {
            return new Page<>(rows, "");
        }
        return new Page<>(rows.subList(0, pageSize), PageToken.encode("roles", List.of(rows.get(pageSize - 1).id())));
    }

    RoleRow get(String id) {
        return jdbi.withExtension(RoleDao.class, roles -> roles.find(id))
                   .orElseThrow(() -> Errors.notFound("role", "roles/" + id));
    }

    /** Creates a role that grants no more than the caller holds; ALREADY_EXISTS if the id is taken. */
    RoleRow create(Principal caller, String id, String description, List<String> permissions) {
        RoleGrants.requireHolds(caller, permissions, "roles/" + id);
        return jdbi.inTransaction(handle -> {
            final RoleDao roles = handle.attach(RoleDao.class);
            if (!roles.insertIfAbsent(id, description, permissions.toArray(String[]::new))) {
                throw Errors.alreadyExists("ROLE_EXISTS", "role 'roles/" + id + "' exists already");
            }
            return roles.find(id).orElseThrow();
        });
    }

    /**
     * Changes the named fields ({@code description}, {@code permissions}) of a role; a change of its
     * permissions needs the caller to hold what the role grants before and after.
     */
    RoleRow update(Principal caller, String id, List<String> paths, String description, List<String> permissionsWanted) {
        final List<UUID> holders = new ArrayList<>();
        final RoleRow row = jdbi.inTransaction(handle -> {
            final RoleDao roles = handle.attach(RoleDao.class);
            final RoleRow existing = roles.find(id).orElseThrow(() -> Errors.notFound("role", "roles/" + id));
            final List<String> permissions = paths.contains("permissions") ? permissionsWanted : existing.permissions();
            final boolean permissionsChange = !Set.copyOf(permissions).equals(Set.copyOf(existing.permissions()));
            if (id.equals(RoleGrants.ADMIN) && permissionsChange) {
                throw Errors.failedPrecondition("BUILT_IN_ROLE", "the permissions of roles/admin cannot be changed");
            }
            if (permissionsChange) {
                // what the role grants before and after: no one reshapes a role beyond their own rights
                final List<String> both = new ArrayList<>(existing.permissions());
                both.addAll(permissions);
                RoleGrants.requireHolds(caller, both, "roles/" + id);
                holders.addAll(handle.attach(ProfileDao.class).lockHolders(id));
            }
            roles.update(id, paths.contains("description") ? description : existing.description(),
                         permissions.toArray(String[]::new));
            return roles.find(id).orElseThrow();
        });
        auth.revokeAccess(holders, RevokeAccountAccessRequest.Reason.REASON_GRANTS_CHANGED);
        return row;
    }

    /** Deletes a role that is not built in; one that users hold only with {@code force}, taking it from them. */
    void delete(Principal caller, String id, boolean force) {
        final List<UUID> holders = jdbi.inTransaction(handle -> {
            final RoleDao roles = handle.attach(RoleDao.class);
            final RoleRow existing = roles.find(id).orElseThrow(() -> Errors.notFound("role", "roles/" + id));
            if (existing.builtIn()) {
                throw Errors.failedPrecondition("BUILT_IN_ROLE", "roles/" + id + " is built in and cannot be deleted");
            }
            RoleGrants.requireHolds(caller, existing.permissions(), "roles/" + id);
            final ProfileDao profiles = handle.attach(ProfileDao.class);
            final List<UUID> locked = profiles.lockHolders(id);
            if (!locked.isEmpty() && !force) {
                throw Errors.failedPrecondition("ROLE_IN_USE", locked.size() + " user(s) hold roles/" + id
                                                               + "; take it away first, or delete with force");
            }
            locked.forEach(profiles::touch);
            roles.delete(id);
            return locked;
        });
        auth.revokeAccess(holders, RevokeAccountAccessRequest.Reason.REASON_GRANTS_CHANGED);
    }
}
