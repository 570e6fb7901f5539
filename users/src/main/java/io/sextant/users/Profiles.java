package io.sextant.users;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.sextant.auth.v1.Account;
import io.sextant.auth.v1.RevokeAccountAccessRequest;
import io.sextant.platform.error.Errors;
import io.sextant.platform.identity.Principal;
import io.sextant.platform.resource.Page;
import io.sextant.platform.resource.UpdateMask;
import io.sextant.users.db.ProfileDao;
import io.sextant.users.db.ProfileFields;
import io.sextant.users.db.ProfileRow;
import io.sextant.users.db.RoleDao;
import io.sextant.users.db.UserQueries;
import io.sextant.users.v1.User;

/**
 * Users' profiles: created with their account at auth, listed, searched, changed, deactivated and
 * deleted (never the last active administrator), and what auth reads of them (grants) or makes
 * of them (provisioning).
 */
record Profiles(Jdbi jdbi, AuthAccounts auth, AvatarFiles avatars) {

    private static final Logger log = LoggerFactory.getLogger(Profiles.class);

    static final String DEFAULT_ROLE = "user";
    /** The field of a profile that names its picture, a file in storage. */
    static final String AVATAR = "avatar_file";

    /** A page of users, with how many match the filter in all. */
    record Listed(Page<ProfileRow> page, UserQueries.Total total) {}

    /** The roles and permissions of a user, and whether the user may sign in. */
    record Grants(List<String> roleIds, List<String> permissions, boolean active) {}

    /** What ProvisionUser did: the profile (null for a deleted user), and whether it is new. */
    record Provisioned(ProfileRow row, boolean created) {}

    Listed list(String filter, String orderBy, int pageSize, String pageToken) {
        return jdbi.inTransaction(handle -> new Listed(UserQueries.list(handle, filter, orderBy, pageSize, pageToken),
                                                       UserQueries.count(handle, filter)));
    }

    Page<ProfileRow> search(String query, int pageSize, String pageToken) {
        return jdbi.withHandle(handle -> UserQueries.search(handle, query, pageSize, pageToken));
    }

    /** The profile; NOT_FOUND if there is none. */
    ProfileRow load(UUID id) {
        return jdbi.withExtension(ProfileDao.class, profiles -> profiles.find(id))
                   .orElseThrow(() -> Errors.notFound("user", "users/" + id));
    }

    /**
     * Creates the account at auth, with the default role, then the profile with {@code fields} of
     * {@code user} (the editable ones).
     */
    ProfileRow create(User user, String initialPassword, List<String> fields) {
        if (fields.contains(AVATAR)) {
            avatars.check("user." + AVATAR, user.getAvatarFile());
        }
        final Account account = auth.create(user.getUsername(), user.getEmail(), initialPassword, DEFAULT_ROLE);
        final UUID id = UUID.fromString(account.getId());
        final ProfileFields stored = UserProtos.profileFields(UpdateMask.apply(User.getDefaultInstance(), user, fields));
        return jdbi.inTransaction(handle -> {
            final ProfileDao profiles = handle.attach(ProfileDao.class);
            // the ProvisionUser from auth's outbox may have come first: then this fills the profile in
            profiles.upsert(id, account.getUsername(), account.getEmail(), stored);
            profiles.grant(id, new String[] {DEFAULT_ROLE});
            return profiles.find(id).orElseThrow();
        });
    }

    /**
     * Replaces every editable field ({@code fields}) of the profile; the username and the e-mail
     * address may be sent only as they are stored.
     */
    ProfileRow replace(UUID id, User user, List<String> fields) {
        final ProfileRow existing = load(id);
        if (!user.getUsername().isEmpty() && !user.getUsername().equals(existing.username())) {
            throw Errors.invalidField("user.username", "cannot be changed: leave it empty or send the stored '"
                                                       + existing.username() + "'");
        }
        if (!user.getEmail().isEmpty() && !user.getEmail().equals(existing.email())) {
            throw Errors.invalidField("user.email", "cannot be changed here (auth owns it): leave it empty or send"
                                                    + " the stored address");
        }
        return update(id, user, fields);
    }

    /**
     * Reads, changes the named fields of, and writes a profile in one transaction; NOT_FOUND if
     * absent. When the profile is inactive afterwards and the request named {@code active}, auth then
     * ends the user's sessions, tokens and API keys (again, harmlessly, for a user already inactive:
     * a retry after auth failed to answer finishes the job).
     */
    ProfileRow update(UUID id, User user, List<String> paths) {
        // asked of storage before the transaction (no remote call while the row is locked); a new
        // picture only, so that a profile keeps the one it has if storage is down or the file changed
        if (paths.contains(AVATAR) && !user.getAvatarFile().isEmpty()
            && !user.getAvatarFile().equals(load(id).avatarFile())) {
            avatars.check("user." + AVATAR, user.getAvatarFile());
        }
        final ProfileRow row = jdbi.inTransaction(handle -> {
            final ProfileDao profiles = handle.attach(ProfileDao.class);
            if (profiles.lock(id).isEmpty()) {
                throw Errors.notFound("user", "users/" + id);
            }
            final ProfileRow existing = profiles.find(id).orElseThrow();
            final ProfileFields changed = UserProtos.profileFields(UpdateMask.apply(UserProtos.editable(existing), user, paths));
            if (existing.active() && !changed.active() && existing.roleIds().contains(RoleGrants.ADMIN)) {
                RoleGrants.requireAnotherAdmin(handle, id);
            }
            profiles.update(id, changed);
            return profiles.find(id).orElseThrow();
        });
        if (paths.contains("active") && !row.active()) {
            auth.revokeAccess(List.of(id), RevokeAccountAccessRequest.Reason.REASON_DEACTIVATED);
        }
        return row;
    }

    /** Deletes a user other than the caller, never the last active administrator. */
    void delete(Principal caller, UUID id) {
        if (caller.subject().equals(id.toString())) {
            throw Errors.failedPrecondition("CANNOT_DELETE_SELF", "you cannot delete your own user; ask another administrator");
        }
        // 1. in one transaction: the last-admin check and what makes it hold (the user loses every
        //    role, so a concurrent deletion of the other admin sees this one gone), the tombstone
        jdbi.useTransaction(handle -> {
            final ProfileDao profiles = handle.attach(ProfileDao.class);
            if (profiles.lock(id).isEmpty()) {
                throw Errors.notFound("user", "users/" + id);
            }
            if (profiles.find(id).orElseThrow().roleIds().contains(RoleGrants.ADMIN)) {
                RoleGrants.requireAnotherAdmin(handle, id);
            }
            profiles.retire(id);
        });
        // 2. the credentials and every session; if this fails the user is already inactive (auth
        //    refuses an inactive user's login and refresh) and a repeated DeleteUser finishes the job
        auth.disable(id);
        // 3. the profile
        jdbi.useExtension(ProfileDao.class, profiles -> profiles.delete(id));
    }

    /** What goes into the user's tokens; a profile still in auth's outbox has the grants every new user gets. */
    Grants grants(UUID id) {
        return jdbi.inTransaction(handle -> {
            final Optional<ProfileRow> row = handle.attach(ProfileDao.class).find(id);
            final List<String> roleIds = row.map(ProfileRow::roleIds).orElse(List.of(DEFAULT_ROLE));
            return new Grants(roleIds, handle.attach(RoleDao.class).permissionsOf(roleIds.toArray(String[]::new)),
                              row.map(ProfileRow::active).orElse(true));
        });
    }

    /**
     * Makes the profile of a new account (auth's outbox delivers it, at least once) with its roles
     * (the default role when none), unless it exists or the user was deleted since.
     */
    Provisioned provision(UUID id, String username, String email, List<String> roles) {
        final String[] roleIds = roles.isEmpty() ? new String[] {DEFAULT_ROLE} : roles.toArray(String[]::new);
        return jdbi.inTransaction(handle -> {
            final ProfileDao profiles = handle.attach(ProfileDao.class);
            if (profiles.isDeleted(id)) {
                // a late delivery for a user deleted since: acknowledged, so the outbox stops, and ignored
                log.info("Not provisioning users/{}: the user was deleted", id);
                return new Provisioned(null, false);
            }
            final boolean created = profiles.insertIfAbsent(id, username, email);
            if (created) {
                final int granted = profiles.grant(id, roleIds);
                if (granted < roleIds.length) {
                    log.warn("Provisioned user {} without the unknown role(s) among {}", id, List.of(roleIds));
                }
            }
            return new Provisioned(profiles.find(id).orElseThrow(), created);
        });
    }
}
