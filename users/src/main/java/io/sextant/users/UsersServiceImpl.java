package io.sextant.users;

import java.util.List;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.grpc.stub.StreamObserver;
import io.sextant.platform.error.Errors;
import io.sextant.platform.identity.Authz;
import io.sextant.platform.identity.Principal;
import io.sextant.platform.resource.Page;
import io.sextant.platform.resource.UpdateMask;
import io.sextant.users.db.ProfileRow;
import io.sextant.users.db.RoleRow;
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
 * The users service's transport: each RPC reads its request (names to ids, update masks to paths),
 * checks its caller through the platform's {@link Authz}, hands over to the domain ({@link Profiles},
 * {@link RoleGrants}, {@link Roles}) and maps the answer to its response ({@link UserProtos}). Fields
 * a caller may not change are never read from the request.
 */
final class UsersServiceImpl extends UsersServiceGrpc.UsersServiceImplBase {

    private static final Logger log = LoggerFactory.getLogger(UsersServiceImpl.class);

    static final String USERS_READ = "users.read";
    static final String USERS_WRITE = "users.write";
    static final String ROLES_MANAGE = "roles.manage";

    /** The fields UpdateUser may change; UpdateMyProfile may change them without {@code active}, and without {@code *}. */
    static final UpdateMask USER_FIELDS = UpdateMask.of(User.getDescriptor(), "first_name", "last_name", "display_name",
                                                        "phone", "avatar_file", "locale", "time_zone", "metadata", "active");
    static final UpdateMask PERSONAL_FIELDS = USER_FIELDS.without("active").withoutStar();
    static final UpdateMask ROLE_FIELDS = UpdateMask.of(Role.getDescriptor(), "description", "permissions");

    private final Profiles profiles;
    private final RoleGrants roleGrants;
    private final Roles roles;

    UsersServiceImpl(Profiles profiles, RoleGrants roleGrants, Roles roles) {
        this.profiles = profiles;
        this.roleGrants = roleGrants;
        this.roles = roles;
    }

    // ---- users

    @Override
    public void listUsers(ListUsersRequest request, StreamObserver<ListUsersResponse> response) {
        final Profiles.Listed listed = profiles.list(request.getFilter(), request.getOrderBy(), request.getPageSize(),
                                                     request.getPageToken());
        final ListUsersResponse.Builder out = ListUsersResponse.newBuilder();
        listed.page().rows().forEach(row -> out.addUsers(UserProtos.toUser(row)));
        out.setNextPageToken(listed.page().nextPageToken())
           .setTotalSize(listed.total().size())
           .setTotalSizeIsEstimate(listed.total().estimate());
        reply(response, out.build());
    }

    @Override
    public void searchUsers(SearchUsersRequest request, StreamObserver<SearchUsersResponse> response) {
        final Page<ProfileRow> page = profiles.search(request.getQuery(), request.getPageSize(), request.getPageToken());
        final SearchUsersResponse.Builder out = SearchUsersResponse.newBuilder().setNextPageToken(page.nextPageToken());
        page.rows().forEach(row -> out.addUsers(UserProtos.toUser(row)));
        reply(response, out.build());
    }

    @Override
    public void getUser(GetUserRequest request, StreamObserver<GetUserResponse> response) {
        final UUID id = userId("name", request.getName());
        Authz.requireSelfOrPermission(id.toString(), USERS_READ);
        reply(response, GetUserResponse.newBuilder().setUser(UserProtos.toUser(profiles.load(id))).build());
    }

    @Override
    public void createUser(CreateUserRequest request, StreamObserver<CreateUserResponse> response) {
        final ProfileRow row = profiles.create(request.getUser(), request.getInitialPassword(), USER_FIELDS.fields());
        log.info("User {} created by {}", row.id(), Authz.caller());
        reply(response, CreateUserResponse.newBuilder().setUser(UserProtos.toUser(row)).build());
    }

    @Override
    public void updateUser(UpdateUserRequest request, StreamObserver<UpdateUserResponse> response) {
        final UUID id = userId("user.name", request.getUser().getName());
        final List<String> paths = USER_FIELDS.paths(request.getUpdateMask(), request.getUser());
        final ProfileRow row = profiles.update(id, request.getUser(), paths);
        reply(response, UpdateUserResponse.newBuilder().setUser(UserProtos.toUser(row)).build());
    }

    @Override
    public void replaceUser(ReplaceUserRequest request, StreamObserver<ReplaceUserResponse> response) {
        final User user = request.getUser();
        final UUID id = userId("user.name", user.getName());
        final ProfileRow row = profiles.replace(id, user, USER_FIELDS.fields());
        reply(response, ReplaceUserResponse.newBuilder().setUser(UserProtos.toUser(row)).build());
    }

    @Override
    public void deleteUser(DeleteUserRequest request, StreamObserver<DeleteUserResponse> response) {
        final UUID id = userId("name", request.getName());
        final Principal caller = Authz.requirePermission(USERS_WRITE);
        profiles.delete(caller, id);
        log.info("User {} deleted by {}", id, caller);
        reply(response, DeleteUserResponse.getDefaultInstance());
    }

    @Override
    public void getMyProfile(GetMyProfileRequest request, StreamObserver<GetMyProfileResponse> response) {
        final UUID id = UUID.fromString(requireUserId());
        reply(response, GetMyProfileResponse.newBuilder().setUser(UserProtos.toUser(profiles.load(id))).build());
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
        final ProfileRow row = profiles.update(UUID.fromString(self), request.getUser(), paths);
        reply(response, UpdateMyProfileResponse.newBuilder().setUser(UserProtos.toUser(row)).build());
    }

    // ---- who holds which role

    @Override
    public void addUserRole(AddUserRoleRequest request, StreamObserver<AddUserRoleResponse> response) {
        final UUID id = userId("name", request.getName());
        final String roleId = roleId("role", request.getRole());
        final Principal caller = Authz.requirePermission(USERS_WRITE);
        final ProfileRow row = roleGrants.add(caller, id, roleId);
        reply(response, AddUserRoleResponse.newBuilder().setUser(UserProtos.toUser(row)).build());
    }

    @Override
    public void removeUserRole(RemoveUserRoleRequest request, StreamObserver<RemoveUserRoleResponse> response) {
        final UUID id = userId("name", request.getName());
        final String roleId = roleId("role", request.getRole());
        final Principal caller = Authz.requirePermission(USERS_WRITE);
        final ProfileRow row = roleGrants.remove(caller, id, roleId);
        reply(response, RemoveUserRoleResponse.newBuilder().setUser(UserProtos.toUser(row)).build());
    }

    // ---- roles

    @Override
    public void listRoles(ListRolesRequest request, StreamObserver<ListRolesResponse> response) {
        Authz.requireAuthenticated();
        final Page<RoleRow> page = roles.page(request.getPageSize(), request.getPageToken());
        final ListRolesResponse.Builder out = ListRolesResponse.newBuilder().setNextPageToken(page.nextPageToken());
        page.rows().forEach(row -> out.addRoles(UserProtos.toRole(row)));
        reply(response, out.build());
    }

    @Override
    public void createRole(CreateRoleRequest request, StreamObserver<CreateRoleResponse> response) {
        final Principal caller = Authz.requirePermission(ROLES_MANAGE);
        final RoleRow row = roles.create(caller, request.getRoleId(), request.getRole().getDescription(),
                                         request.getRole().getPermissionsList());
        reply(response, CreateRoleResponse.newBuilder().setRole(UserProtos.toRole(row)).build());
    }

    @Override
    public void getRole(GetRoleRequest request, StreamObserver<GetRoleResponse> response) {
        Authz.requireAuthenticated();
        final String id = roleId("name", request.getName());
        reply(response, GetRoleResponse.newBuilder().setRole(UserProtos.toRole(roles.get(id))).build());
    }

    @Override
    public void updateRole(UpdateRoleRequest request, StreamObserver<UpdateRoleResponse> response) {
        final Role role = request.getRole();
        final String id = roleId("role.name", role.getName());
        final Principal caller = Authz.requirePermission(ROLES_MANAGE);
        final List<String> paths = ROLE_FIELDS.paths(request.getUpdateMask(), role);
        final RoleRow row = roles.update(caller, id, paths, role.getDescription(), role.getPermissionsList());
        reply(response, UpdateRoleResponse.newBuilder().setRole(UserProtos.toRole(row)).build());
    }

    @Override
    public void deleteRole(DeleteRoleRequest request, StreamObserver<DeleteRoleResponse> response) {
        final String id = roleId("name", request.getName());
        final Principal caller = Authz.requirePermission(ROLES_MANAGE);
        roles.delete(caller, id, request.getForce());
        reply(response, DeleteRoleResponse.getDefaultInstance());
    }

    // ---- internal, for auth

    @Override
    public void getUserGrants(GetUserGrantsRequest request, StreamObserver<GetUserGrantsResponse> response) {
        final UUID id = userId("name", request.getName());
        final Profiles.Grants grants = profiles.grants(id);
        reply(response, GetUserGrantsResponse.newBuilder()
                                             .addAllRoleIds(grants.roleIds())
                                             .addAllPermissions(grants.permissions())
                                             .setActive(grants.active())
                                             .build());
    }

    @Override
    public void provisionUser(ProvisionUserRequest request, StreamObserver<ProvisionUserResponse> response) {
        // it grants roles: the contract lets only auth's own service token call it (require_service_identity)
        final Profiles.Provisioned provisioned = profiles.provision(UUID.fromString(request.getId()),
                                                                    request.getUsername(), request.getEmail(),
                                                                    request.getRoleIdsList());
        final ProvisionUserResponse.Builder out = ProvisionUserResponse.newBuilder().setCreated(provisioned.created());
        if (provisioned.row() != null) {
            out.setUser(UserProtos.toUser(provisioned.row()));
        }
        reply(response, out.build());
    }

    // ---- reading the request

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

    private static <T> void reply(StreamObserver<T> response, T message) {
        response.onNext(message);
        response.onCompleted();
    }
}
