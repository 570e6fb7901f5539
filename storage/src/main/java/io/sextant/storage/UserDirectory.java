package io.sextant.storage;

import java.util.Map;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.sextant.platform.error.Errors;
import io.sextant.platform.grpc.ServiceClient;
import io.sextant.platform.identity.ServiceIdentity;
import io.sextant.users.v1.GetUserRequest;
import io.sextant.users.v1.UsersServiceGrpc.UsersServiceBlockingStub;

/**
 * Checks that a grantee ({@code users/{id}}) exists, with users' GetUser, as the storage service itself
 * ({@code services/storage}, whose service account holds {@code users.read}): a caller granting access
 * needs no permission on users, and its token does not travel on.
 */
final class UserDirectory {

    private final UsersServiceBlockingStub users;
    private final ServiceIdentity identity;

    UserDirectory(ServiceClient usersClient, ServiceIdentity identity) {
        this.users = usersClient.clientBuilder().decorator(identity.asService()).build(UsersServiceBlockingStub.class);
        this.identity = identity;
    }

    /** NOT_FOUND (naming {@code field}) unless the user exists; UNAVAILABLE when that cannot be told now. */
    void requireExists(String userName, String field) {
        try {
            users.getUser(GetUserRequest.newBuilder().setName(userName).build());
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                throw Errors.of(Status.Code.NOT_FOUND, "USER_NOT_FOUND", field + ": there is no user " + userName,
                                Map.of("user", userName));
            }
            throw identity.failure(e, field + ": checking " + userName, "users", "users.read",
                                   "SERVICE_ACCOUNT_STORAGE_PERMISSIONS", "USER_LOOKUP_REFUSED", "USERS_UNAVAILABLE");
        }
    }
}
