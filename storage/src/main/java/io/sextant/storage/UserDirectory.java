package io.sextant.storage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.sextant.platform.error.Errors;
import io.sextant.platform.error.ServiceException;
import io.sextant.platform.grpc.ServiceClient;
import io.sextant.platform.identity.ServiceIdentity;
import io.sextant.users.v1.GetUserRequest;
import io.sextant.users.v1.UsersServiceGrpc.UsersServiceBlockingStub;

/**
 * Checks that a grantee ({@code users/{id}}) exists, with users' GetUser, as the storage service itself
 * ({@code services/storage}, whose service account holds {@code users.read}): a caller granting access
 * needs no permission on users, and its token does not travel on.
 */
class UserDirectory {

    private static final Logger log = LoggerFactory.getLogger(UserDirectory.class);

    private final UsersServiceBlockingStub users;
    private final String subject;

    UserDirectory(ServiceClient usersClient, ServiceIdentity identity) {
        this.users = usersClient.clientBuilder().decorator(identity.asService()).build(UsersServiceBlockingStub.class);
        this.subject = identity.subject();
    }

    /** For tests that need no users service: every user exists. */
    protected UserDirectory() {
        this.users = null;
        this.subject = "";
    }

    /** NOT_FOUND (naming {@code field}) unless the user exists; UNAVAILABLE when that cannot be told now. */
    void requireExists(String userName, String field) {
        try {
            users.getUser(GetUserRequest.newBuilder().setName(userName).build());
        } catch (StatusRuntimeException e) {
            final ServiceException noToken = ServiceIdentity.refusal(e);
            if (noToken != null) {
                throw Errors.unavailable(noToken.reason(), field + ": " + userName + " cannot be checked now: "
                                                           + noToken.getMessage());
            }
            final Status.Code code = e.getStatus().getCode();
            if (code == Status.Code.PERMISSION_DENIED || code == Status.Code.UNAUTHENTICATED) {
                log.error("The users service refused GetUser to {} ({}: {}); auth's SERVICE_ACCOUNT_STORAGE_PERMISSIONS"
                          + " must include users.read", subject, code, e.getStatus().getDescription());
            }
            throw switch (code) {
                case NOT_FOUND -> Errors.of(Status.Code.NOT_FOUND, "USER_NOT_FOUND", field + ": there is no user " + userName,
                                            java.util.Map.of("user", userName));
                case PERMISSION_DENIED, UNAUTHENTICATED -> Errors.unavailable(
                        "USER_LOOKUP_REFUSED", field + ": the users service refused to check " + userName + " for "
                                               + subject + " (" + code + "); the operators must give it users.read");
                default -> Errors.unavailable("USERS_UNAVAILABLE", field + ": the users service could not check "
                                                                   + userName + " (" + code + "); try again");
            };
        }
    }
}
