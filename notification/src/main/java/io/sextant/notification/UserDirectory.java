package io.sextant.notification;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.sextant.platform.error.Errors;
import io.sextant.users.v1.GetUserRequest;
import io.sextant.users.v1.User;
import io.sextant.users.v1.UsersServiceGrpc.UsersServiceBlockingStub;

/**
 * Resolves a {@code users/{id}} recipient of an EMAIL or SMS notification to the user's e-mail
 * address or phone number, with users' GetUser. The notification service has no service identity
 * of its own yet, so the call carries the caller's own token (the platform's {@code ServiceClient}
 * passes on the Authorization value this server verified): the caller must be allowed to read that
 * user (the user themself, or a holder of {@code users.read}).
 */
final class UserDirectory {

    private final UsersServiceBlockingStub users;

    UserDirectory(UsersServiceBlockingStub users) {
        this.users = users;
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
            final Status.Code code = e.getStatus().getCode();
            throw switch (code) {
                case NOT_FOUND -> Errors.invalidField(field, "there is no user " + userName);
                case PERMISSION_DENIED, UNAUTHENTICATED -> Errors.permissionDenied(
                        "RECIPIENT_NOT_READABLE", field + ": sending to " + userName + " needs the permission to read"
                                                  + " that user ('users.read'), as the notification service looks the"
                                                  + " address up with the caller's token");
                default -> Errors.unavailable("USERS_UNAVAILABLE", field + ": the users service could not resolve "
                                                                   + userName + " (" + code + "); try again");
            };
        }
        final String address = channel.equals("SMS") ? user.getPhone() : user.getEmail();
        if (address.isEmpty()) {
            throw Errors.invalidField(field, userName + " has no " + (channel.equals("SMS") ? "phone number" : "e-mail address"));
        }
        return address;
    }
}
