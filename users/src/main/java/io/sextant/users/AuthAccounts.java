package io.sextant.users;

import java.util.List;
import java.util.UUID;

import io.sextant.auth.v1.Account;
import io.sextant.auth.v1.AuthServiceGrpc.AuthServiceBlockingStub;
import io.sextant.auth.v1.CreateAccountRequest;
import io.sextant.auth.v1.DisableAccountRequest;
import io.sextant.auth.v1.RevokeAccountAccessRequest;

/**
 * What users asks of auth, which owns the credentials: create and disable accounts, and end the
 * access of accounts' tokens. Every call carries the caller's own token (ServiceClients passes it on).
 */
record AuthAccounts(AuthServiceBlockingStub auth) {

    /** Accounts per RevokeAccountAccess call (the contract's limit). */
    static final int REVOKE_BATCH = 1000;

    /**
     * Creates the account with the given role; auth checks the password policy and the uniqueness of
     * username and e-mail (ALREADY_EXISTS).
     */
    Account create(String username, String email, String initialPassword, String roleId) {
        return auth.createAccount(CreateAccountRequest.newBuilder()
                                                      .setUsername(username)
                                                      .setEmail(email)
                                                      .setInitialPassword(initialPassword)
                                                      .addRoleIds(roleId)
                                                      .build())
                   .getAccount();
    }

    /** Disables the account: its credentials, sessions, tokens and API keys. */
    void disable(UUID id) {
        auth.disableAccount(DisableAccountRequest.newBuilder().setAccountId(id.toString()).build());
    }

    /**
     * Has auth end, within a second, the access that the accounts' tokens give (their grants changed,
     * or they were deactivated), in calls of at most {@value #REVOKE_BATCH} accounts, with the
     * caller's token. Called after the change is committed: if auth does not answer, the caller gets
     * the error, and repeating the request finishes the job.
     */
    void revokeAccess(List<UUID> ids, RevokeAccountAccessRequest.Reason reason) {
        for (int from = 0; from < ids.size(); from += REVOKE_BATCH) {
            final RevokeAccountAccessRequest.Builder request = RevokeAccountAccessRequest.newBuilder().setReason(reason);
            ids.subList(from, Math.min(ids.size(), from + REVOKE_BATCH)).forEach(id -> request.addAccountIds(id.toString()));
            auth.revokeAccountAccess(request.build());
        }
    }
}
