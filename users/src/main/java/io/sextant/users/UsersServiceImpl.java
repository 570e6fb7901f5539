package io.sextant.users;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;

import io.grpc.Status.Code;
import io.grpc.stub.StreamObserver;
import io.sextant.auth.v1.Account;
import io.sextant.auth.v1.AuthServiceGrpc.AuthServiceBlockingStub;
import io.sextant.auth.v1.CreateAccountRequest;
import io.sextant.auth.v1.DisableAccountRequest;
import io.sextant.auth.v1.RevokeAccountAccessRequest;
import io.sextant.platform.db.PageToken;
import io.sextant.platform.error.Errors;
import io.sextant.platform.identity.Authz;
import io.sextant.platform.identity.Principal;
import io.sextant.platform.resource.Page;
import io.sextant.platform.resource.ProtoTime;
import io.sextant.platform.resource.UpdateMask;
import io.sextant.users.db.ProfileDao;
import io.sextant.users.db.ProfileFields;
import io.sextant.users.db.ProfileRow;
import io.sextant.users.db.RoleDao;
import io.sextant.users.db.RoleRow;
import io.sextant.users.db.UserQueries;
import io.sextant.users.v1.AddUserRoleRequest;
import io.sextant.users.v1.AddUserRoleResponse;
import io.sextant.users.v1.CreateRoleRequest;
import io.sextant.users.v1.CreateRoleResponse;
import io.sextant.users.v1.CreateUserRequest;
import io.sextant.users.v1.CreateUserResponse;
import io.sextant.users.v1.DeleteRoleRequest;
import io.sextant.users.v1.DeleteRoleResponse;
import io.sextant.users.v1.DeleteUserRequest;
import io.sextant.users.v1.DeleteUserResponse;
import io.sextant.users.v1.GetMyProfileRequest;
import io.sextant.users.v1.GetMyProfileResponse;
import io.sextant.users.v1.GetRoleRequest;
import io.sextant.users.v1.GetRoleResponse;
import io.sextant.users.v1.GetUserGrantsRequest;
import io.sextant.users.v1.GetUserGrantsResponse;
import io.sextant.users.v1.GetUserRequest;
import io.sextant.users.v1.GetUserResponse;
import io.sextant.users.v1.ListRolesRequest;
import io.sextant.users.v1.ListRolesResponse;
import io.sextant.users.v1.ListUsersRequest;
import io.sextant.users.v1.ListUsersResponse;
import io.sextant.users.v1.ProvisionUserRequest;
import io.sextant.users.v1.ProvisionUserResponse;
import io.sextant.users.v1.RemoveUserRoleRequest;
import io.sextant.users.v1.RemoveUserRoleResponse;
import io.sextant.users.v1.ReplaceUserRequest;
import io.sextant.users.v1.ReplaceUserResponse;
import io.sextant.users.v1.Role;
import io.sextant.users.v1.SearchUsersRequest;
import io.sextant.users.v1.SearchUsersResponse;
import io.sextant.users.v1.UpdateMyProfileRequest;
import io.sextant.users.v1.UpdateMyProfileResponse;
import io.sextant.users.v1.UpdateRoleRequest;
import io.sextant.users.v1.UpdateRoleResponse;
import io.sextant.users.v1.UpdateUserRequest;
import io.sextant.users.v1.UpdateUserResponse;
import io.sextant.users.v1.User;
import io.sextant.users.v1.UsersServiceGrpc;

/**
 * The users service: profiles, roles and who holds them. Every RPC checks its caller through the
 * platform's {@link Authz} first; fields a caller may not change are never read from the request.
 */
final class UsersServiceImpl extends UsersServiceGrpc.UsersServiceImplBase {

    private static final Logger log = LoggerFactory.getLogger(UsersServiceImpl.class);

    static final String USERS_READ = "users.read";
    static final String USERS_WRITE = "users.write";
    static final String ROLES_MANAGE = "roles.manage";
    static final String ADMIN = "admin";
    static final String DEFAULT_ROLE = "user";
    /** Accounts per RevokeAccountAccess call (the contract's limit). */
    static final int REVOKE_BATCH = 1000;

    /** The fields UpdateUser may change; UpdateMyProfile may change them without {@code active}, and without {@code *}. */
    static final UpdateMask USER_FIELDS = UpdateMask.of(User.getDescriptor(), "first_name", "last_name", "display_name",
                                                        "phone", "avatar_file", "locale", "time_zone", "metadata", "active");
    static final UpdateMask PERSONAL_FIELDS = USER_FIELDS.without("active").withoutStar();
    static final UpdateMask ROLE_FIELDS = UpdateMask.of(Role.getDescriptor(), "description", "permissions");

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Reads a stored metadata object (a reader made once: it resolves the type only here). */
    private static final ObjectReader METADATA = JSON.readerFor(new TypeReference<TreeMap<String, String>>() {});

    private final Jdbi jdbi;
    private final AuthServiceBlockingStub auth;

    UsersServiceImpl(Jdbi jdbi, AuthServiceBlockingStub auth) {
        this.jdbi = jdbi;
        this.auth = auth;
    }

    // ---- users

    @Override
    public void listUsers(ListUsersRequest request, StreamObserver<ListUsersResponse> response) {
        final ListUsersResponse.Builder out = ListUsersResponse.newBuilder();
        jdbi.useTransaction(handle -> {
            final Page<ProfileRow> page = UserQueries.list(handle, request.getFilter(), request.getOrderBy(),
                                                           request.getPageSize(), request.getPageToken());
            page.rows().forEach(row -> out.addUsers(toUser(row)));
            final UserQueries.Total total = UserQueries.count(handle, request.getFilter());
            out.setNextPageToken(page.nextPageToken()).setTotalSize(total.size()).setTotalSizeIsEstimate(total.estimate());
        });
        reply(response, out.build());
    }

    @Override
    public void searchUsers(SearchUsersRequest request, StreamObserver<SearchUsersResponse> response) {
        final Page<ProfileRow> page = jdbi.withHandle(handle -> UserQueries.search(
                handle, request.getQuery(), request.getPageSize(), request.getPageToken()));
        final SearchUsersResponse.Builder out = SearchUsersResponse.newBuilder().setNextPageToken(page.nextPageToken());
        page.rows().forEach(row -> out.addUsers(toUser(row)));
        reply(response, out.build());
    }

    @Override
    public void getUser(GetUserRequest request, StreamObserver<GetUserResponse> response) {
        final UUID id = userId("name", request.getName());
        Authz.requireSelfOrPermission(id.toString(), USERS_READ);
        reply(response, GetUserResponse.newBuilder().setUser(toUser(load(id))).build());
    }

    @Override
    public void createUser(CreateUserRequest request, StreamObserver<CreateUserResponse> response) {
        final User user = request.getUser();
        // auth checks the password policy and the uniqueness of username and e-mail (ALREADY_EXISTS),
        // with the caller's own token, which ServiceClient passes on
        final Account account = auth.createAccount(CreateAccountRequest.newBuilder()
                                                                       .setUsername(user.getUsername())
                                                                       .setEmail(user.getEmail())
                                                                       .setInitialPassword(request.getInitialPassword())
                                                                       .addRoleIds(DEFAULT_ROLE)
                                                                       .build())
                                    .getAccount();
        final UUID id = UUID.fromString(account.getId());
        final ProfileFields fields = profileFields(UpdateMask.apply(User.getDefaultInstance(), user, USER_FIELDS.fields()));
        final ProfileRow row = jdbi.inTransaction(handle -> {
            final ProfileDao profiles = handle.attach(ProfileDao.class);
            // the ProvisionUser from auth's outbox may have come first: then this fills the profile in
            profiles.upsert(id, account.getUsername(), account.getEmail(), fields);
            profiles.grant(id, new String[] {DEFAULT_ROLE});
            return profiles.find(id).orElseThrow();
        });
        log.info("User {} created by {}", id, Authz.caller());
        reply(response, CreateUserResponse.newBuilder().setUser(toUser(row)).build());
    }

    @Override
    public void updateUser(UpdateUserRequest request, StreamObserver<UpdateUserResponse> response) {
        final UUID id = userId("user.name", request.getUser().getName());
        final List<String> paths = USER_FIELDS.paths(request.getUpdateMask(), request.getUser());
        reply(response, UpdateUserResponse.newBuilder().setUser(toUser(update(id, request.getUser(), paths))).build());
    }

    @Override
    public void replaceUser(ReplaceUserRequest request, StreamObserver<ReplaceUserResponse> response) {
        final User user = request.getUser();
        final UUID id = userId("user.name", user.getName());
        final ProfileRow existing = load(id);
        if (!user.getUsername().isEmpty() && !user.getUsername().equals(existing.username())) {
            throw Errors.invalidField("user.username", "cannot be changed: leave it empty or send the stored '"
                                                       + existing.username() + "'");
        }
        if (!user.getEmail().isEmpty() && !user.getEmail().equals(existing.email())) {
            throw Errors.invalidField("user.email", "cannot be changed here (auth owns it): leave it empty or send"
                                                    + " the stored address");
        }
        reply(response, ReplaceUserResponse.newBuilder().setUser(toUser(update(id, user, USER_FIELDS.fields()))).build());
    }

    @Override
    public void deleteUser(DeleteUserRequest request, StreamObserver<DeleteUserResponse> response) {
        final UUID id = userId("name", request.getName());
        final Principal caller = Authz.requirePermission(USERS_WRITE);
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
            if (profiles.find(id).orElseThrow().roleIds().contains(ADMIN)) {
                requireAnotherAdmin(handle, id);
            }
            profiles.retire(id);
        });
        // 2. the credentials and every session; if this fails the user is already inactive (auth
        //    refuses an inactive user's login and refresh) and a repeated DeleteUser finishes the job
        auth.disableAccount(DisableAccountRequest.newBuilder().setAccountId(id.toString()).build());
        // 3. the profile
        jdbi.useExtension(ProfileDao.class, profiles -> profiles.delete(id));
        log.info("User {} deleted by {}", id, caller);
        reply(response, DeleteUserResponse.getDefaultInstance());
    }

    @Override
    public void getMyProfile(GetMyProfileRequest request, StreamObserver<GetMyProfileResponse> response) {
        final UUID id = UUID.fromString(requireUserId());
        reply(response, GetMyProfileResponse.newBuilder().setUser(toUser(load(id))).build());
    }

    @Override
    public void updateMyProfile(UpdateMyProfileRequest request, StreamObserver<UpdateMyProfileResponse> response) {
        final String self = requireUserId();
        final String name = request.getUser().getName();
        if (!name.isEmpty() && !name.equals("users/" + self)) {
            throw Errors.permissionDenied("NOT_YOUR_PROFILE",
                                          "user.name must be empty or your own 'users/" + self + "': UpdateMyProfile"
                                          + " changes only the caller's profile");
        }
        // active and the roles are never taken from this request
        final List<String> paths = PERSONAL_FIELDS.paths(request.getUpdateMask(), request.getUser());
        final ProfileRow row = update(UUID.fromString(self), request.getUser(), paths);
        reply(response, UpdateMyProfileResponse.newBuilder().setUser(toUser(row)).build());
    }

    @Override
    public void addUserRole(AddUserRoleRequest request, StreamObserver<AddUserRoleResponse> response) {
        final ProfileRow row = changeRole(request.getName(), request.getRole(),
                                          (handle, profiles, id, roleId) -> profiles.grant(id, new String[] {roleId}) > 0);
        reply(response, AddUserRoleResponse.newBuilder().setUser(toUser(row)).build());
    }

    @Override
    public void removeUserRole(RemoveUserRoleRequest request, StreamObserver<RemoveUserRoleResponse> response) {
        final ProfileRow row = changeRole(request.getName(), request.getRole(), (handle, profiles, id, roleId) -> {
            if (roleId.equals(ADMIN)) {
                requireAnotherAdmin(handle, id);
            }
            return profiles.revoke(id, roleId);
        });
        reply(response, RemoveUserRoleResponse.newBuilder().setUser(toUser(row)).build());
    }

    /** What AddUserRole or RemoveUserRole does to a locked user and an existing role; true if it changed anything. */
    @FunctionalInterface
    private interface RoleChange {
        boolean apply(Handle handle, ProfileDao profiles, UUID id, String roleId);
    }

    /**
     * Checks the caller (`users.write`, and every permission of the role: nobody hands out or takes
     * away more than they hold), locks the user, checks the role exists, applies the change, and
     * once it is committed has auth end the user's tokens issued before it. A repeated call repeats
     * the revocation, so a retry after auth failed to answer finishes the job.
     */
    private ProfileRow changeRole(String name, String role, RoleChange change) {
        final UUID id = userId("name", name);
        final String roleId = roleId("role", role);
        final Principal caller = Authz.requirePermission(USERS_WRITE);
        final ProfileRow row = jdbi.inTransaction(handle -> {
            final ProfileDao profiles = handle.attach(ProfileDao.class);
            if (profiles.lock(id).isEmpty()) {
                throw Errors.notFound("user", "users/" + id);
            }
            final RoleRow target = handle.attach(RoleDao.class).find(roleId)
                                         .orElseThrow(() -> Errors.notFound("role", "roles/" + roleId));
            requireHolds(caller, target.permissions(), "roles/" + roleId);
            if (change.apply(handle, profiles, id, roleId)) {
                profiles.touch(id);
            }
            return profiles.find(id).orElseThrow();
        });
        revokeAccess(List.of(id), RevokeAccountAccessRequest.Reason.REASON_GRANTS_CHANGED);
        return row;
    }

    /**
     * PERMISSION_DENIED unless the caller holds every one of {@code permissions} ({@code *} only a
     * holder of {@code *}, a wildcard only a holder of it or a wider one).
     */
    private static void requireHolds(Principal caller, List<String> permissions, String role) {
        final List<String> missing = permissions.stream().filter(p -> !caller.hasPermission(p)).distinct().sorted().toList();
        if (!missing.isEmpty()) {
            throw Errors.of(Code.PERMISSION_DENIED, "ROLE_EXCEEDS_CALLER",
                            role + " grants " + String.join(", ", missing) + ", which you do not hold yourself; only a"
                            + " holder of every permission of a role may grant, take away, create, change or delete it",
                            Map.of("missing_permissions", String.join(",", missing)));
        }
    }

    /**
     * Has auth end, within a second, the access that the accounts' tokens give (their grants changed,
     * or they were deactivated), in calls of at most {@value #REVOKE_BATCH} accounts, with the
     * caller's token. Called after the change is committed: if auth does not answer, the caller gets
     * the error, and repeating the request finishes the job.
     */
    private void revokeAccess(List<UUID> ids, RevokeAccountAccessRequest.Reason reason) {
        for (int from = 0; from < ids.size(); from += REVOKE_BATCH) {
            final RevokeAccountAccessRequest.Builder request = RevokeAccountAccessRequest.newBuilder().setReason(reason);
            ids.subList(from, Math.min(ids.size(), from + REVOKE_BATCH)).forEach(id -> request.addAccountIds(id.toString()));
            auth.revokeAccountAccess(request.build());
        }
    }

    /**
     * FAILED_PRECONDITION if the user is the only active holder of {@code roles/admin}. Locks the
     * role first, so that concurrent changes to the administrators take turns.
     */
    private static void requireAnotherAdmin(Handle handle, UUID id) {
        final ProfileDao profiles = handle.attach(ProfileDao.class);
        profiles.lockRole(ADMIN);
        // a statement after the lock: in READ COMMITTED it sees what the previous holder of the lock committed
        final List<UUID> admins = profiles.activeHolders(ADMIN);
        if (admins.size() == 1 && admins.get(0).equals(id)) {
            throw Errors.failedPrecondition("LAST_ADMIN", "users/" + id + " is the last active holder of roles/admin;"
                                                          + " grant it to another user first");
        }
    }

    // ---- roles

    @Override
    public void listRoles(ListRolesRequest request, StreamObserver<ListRolesResponse> response) {
        Authz.requireAuthenticated();
        final int pageSize = PageToken.pageSize(request.getPageSize(), 50, 100);
        final List<String> after = PageToken.decode("roles", request.getPageToken(), 1);
        final List<RoleRow> rows = jdbi.withExtension(RoleDao.class,
                                                      roles -> roles.page(after.isEmpty() ? "" : after.get(0), pageSize + 1));
        final ListRolesResponse.Builder out = ListRolesResponse.newBuilder();
        rows.stream().limit(pageSize).forEach(row -> out.addRoles(toRole(row)));
        if (rows.size() > pageSize) {
            out.setNextPageToken(PageToken.encode("roles", List.of(rows.get(pageSize - 1).id())));
        }
        reply(response, out.build());
    }

    @Override
    public void createRole(CreateRoleRequest request, StreamObserver<CreateRoleResponse> response) {
        final Principal caller = Authz.requirePermission(ROLES_MANAGE);
        final String id = request.getRoleId();
        requireHolds(caller, request.getRole().getPermissionsList(), "roles/" + id);
        final RoleRow row = jdbi.inTransaction(handle -> {
            final RoleDao roles = handle.attach(RoleDao.class);
            if (!roles.insertIfAbsent(id, request.getRole().getDescription(),
                                      request.getRole().getPermissionsList().toArray(String[]::new))) {
                throw Errors.alreadyExists("ROLE_EXISTS", "role 'roles/" + id + "' exists already");
            }
            return roles.find(id).orElseThrow();
        });
        reply(response, CreateRoleResponse.newBuilder().setRole(toRole(row)).build());
    }

    @Override
    public void getRole(GetRoleRequest request, StreamObserver<GetRoleResponse> response) {
        Authz.requireAuthenticated();
        final String id = roleId("name", request.getName());
        final RoleRow row = jdbi.withExtension(RoleDao.class, roles -> roles.find(id))
                                .orElseThrow(() -> Errors.notFound("role", "roles/" + id));
        reply(response, GetRoleResponse.newBuilder().setRole(toRole(row)).build());
    }

    @Override
    public void updateRole(UpdateRoleRequest request, StreamObserver<UpdateRoleResponse> response) {
        final Role role = request.getRole();
        final String id = roleId("role.name", role.getName());
        final Principal caller = Authz.requirePermission(ROLES_MANAGE);
        final List<String> paths = ROLE_FIELDS.paths(request.getUpdateMask(), role);
        final List<UUID> holders = new ArrayList<>();
        final RoleRow row = jdbi.inTransaction(handle -> {
            final RoleDao roles = handle.attach(RoleDao.class);
            final RoleRow existing = roles.find(id).orElseThrow(() -> Errors.notFound("role", "roles/" + id));
            final List<String> permissions = paths.contains("permissions") ? role.getPermissionsList()
                                                                            : existing.permissions();
            final boolean permissionsChange = !Set.copyOf(permissions).equals(Set.copyOf(existing.permissions()));
            if (id.equals(ADMIN) && permissionsChange) {
                throw Errors.failedPrecondition("BUILT_IN_ROLE", "the permissions of roles/admin cannot be changed");
            }
            if (permissionsChange) {
                // what the role grants before and after: no one reshapes a role beyond their own rights
                final List<String> both = new ArrayList<>(existing.permissions());
                both.addAll(permissions);
                requireHolds(caller, both, "roles/" + id);
                holders.addAll(handle.attach(ProfileDao.class).lockHolders(id));
            }
            roles.update(id, paths.contains("description") ? role.getDescription() : existing.description(),
                         permissions.toArray(String[]::new));
            return roles.find(id).orElseThrow();
        });
        revokeAccess(holders, RevokeAccountAccessRequest.Reason.REASON_GRANTS_CHANGED);
        reply(response, UpdateRoleResponse.newBuilder().setRole(toRole(row)).build());
    }

    @Override
    public void deleteRole(DeleteRoleRequest request, StreamObserver<DeleteRoleResponse> response) {
        final String id = roleId("name", request.getName());
        final Principal caller = Authz.requirePermission(ROLES_MANAGE);
        final List<UUID> holders = jdbi.inTransaction(handle -> {
            final RoleDao roles = handle.attach(RoleDao.class);
            final RoleRow existing = roles.find(id).orElseThrow(() -> Errors.notFound("role", "roles/" + id));
            if (existing.builtIn()) {
                throw Errors.failedPrecondition("BUILT_IN_ROLE", "roles/" + id + " is built in and cannot be deleted");
            }
            requireHolds(caller, existing.permissions(), "roles/" + id);
            final ProfileDao profiles = handle.attach(ProfileDao.class);
            final List<UUID> locked = profiles.lockHolders(id);
            if (!locked.isEmpty() && !request.getForce()) {
                throw Errors.failedPrecondition("ROLE_IN_USE", locked.size() + " user(s) hold roles/" + id
                                                               + "; take it away first, or delete with force");
            }
            locked.forEach(profiles::touch);
            roles.delete(id);
            return locked;
        });
        revokeAccess(holders, RevokeAccountAccessRequest.Reason.REASON_GRANTS_CHANGED);
        reply(response, DeleteRoleResponse.getDefaultInstance());
    }

    // ---- internal, for auth

    @Override
    public void getUserGrants(GetUserGrantsRequest request, StreamObserver<GetUserGrantsResponse> response) {
        final UUID id = userId("name", request.getName());
        final GetUserGrantsResponse grants = jdbi.inTransaction(handle -> {
            final Optional<ProfileRow> row = handle.attach(ProfileDao.class).find(id);
            // a profile still in auth's outbox: the grants every new user gets
            final List<String> roleIds = row.map(ProfileRow::roleIds).orElse(List.of(DEFAULT_ROLE));
            return GetUserGrantsResponse.newBuilder()
                                        .addAllRoleIds(roleIds)
                                        .addAllPermissions(handle.attach(RoleDao.class)
                                                                 .permissionsOf(roleIds.toArray(String[]::new)))
                                        .setActive(row.map(ProfileRow::active).orElse(true))
                                        .build();
        });
        reply(response, grants);
    }

    @Override
    public void provisionUser(ProvisionUserRequest request, StreamObserver<ProvisionUserResponse> response) {
        // it grants roles: only auth, by its own service token (the subject services/auth; API keys'
        // tokens are api-keys/{id}), delivers it; the contract's policy says so and the platform checks it
        final UUID id = UUID.fromString(request.getId());
        final String[] roleIds = request.getRoleIdsCount() == 0 ? new String[] {DEFAULT_ROLE}
                                                                : request.getRoleIdsList().toArray(String[]::new);
        final ProvisionUserResponse out = jdbi.inTransaction(handle -> {
            final ProfileDao profiles = handle.attach(ProfileDao.class);
            if (profiles.isDeleted(id)) {
                // a late delivery for a user deleted since: acknowledged, so the outbox stops, and ignored
                log.info("Not provisioning users/{}: the user was deleted", id);
                return ProvisionUserResponse.newBuilder().setCreated(false).build();
            }
            final boolean created = profiles.insertIfAbsent(id, request.getUsername(), request.getEmail());
            if (created) {
                final int granted = profiles.grant(id, roleIds);
                if (granted < roleIds.length) {
                    log.warn("Provisioned user {} without the unknown role(s) among {}", id, List.of(roleIds));
                }
            }
            return ProvisionUserResponse.newBuilder()
                                        .setUser(toUser(profiles.find(id).orElseThrow()))
                                        .setCreated(created)
                                        .build();
        });
        reply(response, out);
    }

    // ---- helpers

    /**
     * Reads, changes the named fields of, and writes a profile in one transaction; NOT_FOUND if
     * absent. When the profile is inactive afterwards and the request named {@code active}, auth then
     * ends the user's sessions, tokens and API keys (again, harmlessly, for a user already inactive:
     * a retry after auth failed to answer finishes the job).
     */
    private ProfileRow update(UUID id, User user, List<String> paths) {
        final ProfileRow row = jdbi.inTransaction(handle -> {
            final ProfileDao profiles = handle.attach(ProfileDao.class);
            if (profiles.lock(id).isEmpty()) {
                throw Errors.notFound("user", "users/" + id);
            }
            final ProfileRow existing = profiles.find(id).orElseThrow();
            final ProfileFields changed = profileFields(UpdateMask.apply(editable(existing), user, paths));
            if (existing.active() && !changed.active() && existing.roleIds().contains(ADMIN)) {
                requireAnotherAdmin(handle, id);
            }
            profiles.update(id, changed);
            return profiles.find(id).orElseThrow();
        });
        if (paths.contains("active") && !row.active()) {
            revokeAccess(List.of(id), RevokeAccountAccessRequest.Reason.REASON_DEACTIVATED);
        }
        return row;
    }

    /** The fields of a stored profile that an update may change, as the User message a request carries them in. */
    private static User editable(ProfileRow row) {
        return User.newBuilder()
                   .setFirstName(row.firstName())
                   .setLastName(row.lastName())
                   .setDisplayName(row.displayName())
                   .setPhone(row.phone())
                   .setAvatarFile(row.avatarFile())
                   .setLocale(row.locale())
                   .setTimeZone(row.timeZone())
                   .putAllMetadata(metadata(row.metadata()))
                   .setActive(row.active())
                   .build();
    }

    /** What is stored of a user's editable fields (an unset {@code active} is true). */
    private static ProfileFields profileFields(User user) {
        return new ProfileFields(user.getFirstName(), user.getLastName(), user.getDisplayName(), user.getPhone(),
                                 user.getAvatarFile(), user.getLocale(), user.getTimeZone(), json(user.getMetadataMap()),
                                 !user.hasActive() || user.getActive());
    }

    private ProfileRow load(UUID id) {
        return jdbi.withExtension(ProfileDao.class, profiles -> profiles.find(id))
                   .orElseThrow(() -> Errors.notFound("user", "users/" + id));
    }

    /** The subject of a user's token (a user id). */
    private static String requireUserId() {
        final Principal caller = Authz.requireUser();
        try {
            return UUID.fromString(caller.subject()).toString();
        } catch (IllegalArgumentException e) {
            throw Errors.permissionDenied("USER_TOKEN_REQUIRED", "the token's subject is not a user id");
        }
    }

    /** The id in a {@code users/{id}} name (the contract checks the form already). */
    private static UUID userId(String field, String name) {
        if (!name.startsWith("users/")) {
            throw Errors.invalidField(field, "must be users/{id} with the user id (a UUID)");
        }
        try {
            return UUID.fromString(name.substring("users/".length()));
        } catch (IllegalArgumentException e) {
            throw Errors.invalidField(field, "must be users/{id} with the user id (a UUID)");
        }
    }

    /** The id in a {@code roles/{role}} name. */
    private static String roleId(String field, String name) {
        if (!name.startsWith("roles/") || name.length() == "roles/".length()) {
            throw Errors.invalidField(field, "must be roles/{role}, e.g. roles/admin");
        }
        return name.substring("roles/".length());
    }

    static User toUser(ProfileRow row) {
        final User.Builder user = User.newBuilder()
                                      .setName("users/" + row.id())
                                      .setId(row.id().toString())
                                      .setUsername(row.username())
                                      .setEmail(row.email())
                                      .setFirstName(row.firstName())
                                      .setLastName(row.lastName())
                                      .setDisplayName(row.shownName())
                                      .setPhone(row.phone())
                                      .setAvatarFile(row.avatarFile())
                                      .setLocale(row.locale())
                                      .setTimeZone(row.timeZone())
                                      .putAllMetadata(metadata(row.metadata()))
                                      .setActive(row.active())
                                      .setCreateTime(ProtoTime.timestamp(row.createTime()))
                                      .setUpdateTime(ProtoTime.timestamp(row.updateTime()));
        row.roleIds().forEach(role -> user.addRoles("roles/" + role));
        return user.build();
    }

    static Role toRole(RoleRow row) {
        return Role.newBuilder()
                   .setName("roles/" + row.id())
                   .setDescription(row.description())
                   .addAllPermissions(row.permissions())
                   .setBuiltIn(row.builtIn())
                   .setCreateTime(ProtoTime.timestamp(row.createTime()))
                   .setUpdateTime(ProtoTime.timestamp(row.updateTime()))
                   .build();
    }

    private static String json(Map<String, String> metadata) {
        try {
            return JSON.writeValueAsString(new TreeMap<>(metadata));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write metadata as JSON", e);
        }
    }

    private static Map<String, String> metadata(String json) {
        try {
            // most profiles have none, and a list page turns 50 of them into messages
            return json.equals("{}") ? Map.of() : METADATA.readValue(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored metadata is not a JSON object of strings", e);
        }
    }

    private static <T> void reply(StreamObserver<T> response, T message) {
        response.onNext(message);
        response.onCompleted();
    }
}
