package io.sextant.notification;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.sextant.platform.error.Errors;
import io.sextant.platform.grpc.ServiceClient;
import io.sextant.platform.identity.ServiceIdentity;
import io.sextant.users.v1.GetUserRequest;
import io.sextant.users.v1.User;
import io.sextant.users.v1.UsersServiceGrpc.UsersServiceBlockingStub;

/**
 * Resolves a {@code users/{id}} recipient of an EMAIL or SMS notification to the user's e-mail
 * address or phone number, with users' GetUser, as the notification service itself
 * ({@code services/notification}, whose service account holds {@code users.read}): a caller needs
 * only {@code notifications.send}, and the caller's token does not travel on to users.
 */
final class UserDirectory {

    private final UsersServiceBlockingStub users;
    private final ServiceIdentity identity;

    /** GetUser over the platform's client of users, each call carrying the service's own token. */
    UserDirectory(ServiceClient usersClient, ServiceIdentity identity) {
        this.users = usersClient.clientBuilder().decorator(identity.asService()).build(UsersServiceBlockingStub.class);
        this.identity = identity;
    }

    /**
     * The address of {@code userName} for the channel ({@code EMAIL} or {@code SMS}); errors name
     * {@code field}.
     */
    String address(String userName, String channel, String field) {
        final User user;
        try {
            user = users.getUser(GetUserRequest.newBuilder().setName(userName).build()).getUser();
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                throw Errors.invalidField(field, "there is no user " + userName);
            }
            throw identity.failure(e, field + ": resolving " + userName, "users", "users.read",
                                   "SERVICE_ACCOUNT_NOTIFICATION_PERMISSIONS", "RECIPIENT_LOOKUP_REFUSED",
                                   "USERS_UNAVAILABLE");
        }
        final String address = channel.equals("SMS") ? user.getPhone() : user.getEmail();
        if (address.isEmpty()) {
            throw Errors.invalidField(field, userName + " has no " + (channel.equals("SMS") ? "phone number" : "e-mail address"));
        }
        return address;
    }
}
