package io.sextant.auth;

import java.util.List;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;


import io.grpc.StatusRuntimeException;
import io.sextant.auth.v1.AccountCreatedEvent;
import io.sextant.platform.grpc.ServiceClient;
import io.sextant.platform.identity.ServiceIdentity;
import io.sextant.platform.outbox.OutboxHandler;
import io.sextant.users.v1.GetUserGrantsRequest;
import io.sextant.users.v1.GetUserGrantsResponse;
import io.sextant.users.v1.ProvisionUserRequest;
import io.sextant.users.v1.UsersServiceGrpc;
import io.sextant.users.v1.UsersServiceGrpc.UsersServiceBlockingStub;

/**
 * Auth's calls to the users service (USERS_TARGET, deadline USERS_DEADLINE, the platform's call
 * policy: {@link ServiceClient}), each made as auth itself ({@link OwnIdentity}), never with the
 * end user's token. Close it with the server: it stops the health checks of a list of endpoints.
 */
final class UsersClient implements Grants.Source, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(UsersClient.class);

    private final ServiceClient client;
    private final UsersServiceBlockingStub users;

    UsersClient(AuthConfig config, ServiceIdentity identity) {
        this.client = ServiceClient.builder("users", config.usersTarget(), UsersServiceGrpc.getServiceDescriptor())
                                   .deadline(config.usersDeadline())
                                   .build();
        this.users = client.clientBuilder()
                           .decorator(identity.asService())
                           .build(UsersServiceBlockingStub.class);
    }

    /**
     * The user's grants from GetUserGrants. When users cannot answer, least privilege (role
     * {@code user}, no permissions) with a warning: a login must not fail because users is down.
     */
    @Override
    public Grants of(UUID accountId) {
        try {
            final GetUserGrantsResponse grants = users.getUserGrants(
                    GetUserGrantsRequest.newBuilder().setName("users/" + accountId).build());
            return new Grants(List.copyOf(grants.getRoleIdsList()), List.copyOf(grants.getPermissionsList()),
                              grants.getActive());
        } catch (RuntimeException e) {
            log.warn("Users service did not answer GetUserGrants for {} ({}); issuing least privilege (role user,"
                     + " no permissions)", accountId, describe(e));
            return Grants.LEAST_PRIVILEGE;
        }
    }

    /** Delivers auth.account_created: the profile of the new account, created idempotently by users. */
    OutboxHandler provisioner() {
        return event -> {
            final AccountCreatedEvent created = event.payload().unpack(AccountCreatedEvent.class);
            try {
                users.provisionUser(ProvisionUserRequest.newBuilder()
                                                        .setId(created.getAccountId())
                                                        .setUsername(created.getUsername())
                                                        .setEmail(created.getEmail())
                                                        .addAllRoleIds(created.getRoleIdsList())
                                                        .build());
            } catch (RuntimeException e) {
                throw new IllegalStateException("ProvisionUser for account " + created.getAccountId() + " failed: "
                                                + describe(e), e);
            }
        };
    }

    @Override
    public void close() {
        client.close();
    }

    private static String describe(RuntimeException e) {
        if (e instanceof StatusRuntimeException s) {
            return s.getStatus().getCode() + (s.getStatus().getDescription() == null ? ""
                                                                                   : ": " + s.getStatus().getDescription());
        }
        return e.toString();
    }
}
