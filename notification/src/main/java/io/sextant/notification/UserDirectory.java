package io.sextant.notification;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.sextant.platform.error.Errors;
import io.sextant.platform.error.ServiceException;
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

    private static final Logger log = LoggerFactory.getLogger(UserDirectory.class);

    private final UsersServiceBlockingStub users;
    private final String subject;

    /** GetUser over the platform's client of users, each call carrying the service's own token. */
    UserDirectory(ServiceClient usersClient, ServiceIdentity identity) {
        this.users = usersClient.clientBuilder().decorator(identity.asService()).build(UsersServiceBlockingStub.class);
        this.subject = identity.subject();
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
            final ServiceException noToken = ServiceIdentity.refusal(e);
            if (noToken != null) {
                throw Errors.unavailable(noToken.reason(), field + ": " + userName + " cannot be resolved now: "
                                                           + noToken.getMessage());
            }
            final Status.Code code = e.getStatus().getCode();
            if (code == Status.Code.PERMISSION_DENIED || code == Status.Code.UNAUTHENTICATED) {
                // not the caller's doing: the mesh is configured wrong
                log.error("The users service refused GetUser to {} ({}: {}); auth's SERVICE_ACCOUNT_NOTIFICATION_PERMISSIONS"
                          + " must include users.read", subject, code, e.getStatus().getDescription());
            }
            throw switch (code) {
                case NOT_FOUND -> Errors.invalidField(field, "there is no user " + userName);
                case PERMISSION_DENIED, UNAUTHENTICATED -> Errors.unavailable(
                        "RECIPIENT_LOOKUP_REFUSED", field + ": the users service refused to resolve " + userName + " for "
                                                    + subject + " (" + code + "); the operators must give it users.read");
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
