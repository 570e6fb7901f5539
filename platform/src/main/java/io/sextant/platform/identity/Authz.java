package io.sextant.platform.identity;

import io.grpc.Context;
import io.sextant.platform.error.Errors;
import io.sextant.platform.policy.RpcPolicy;

/**
 * The authorization helper every service calls at the top of an RPC. The caller is whatever the
 * platform's {@link AuthInterceptor} verified; nothing else (no header, no field) is ever trusted.
 */
public final class Authz {

    static final Context.Key<Principal> PRINCIPAL = Context.key("sextant-principal");

    /** The subject prefix of the own service tokens of the mesh's services ({@code services/auth}). */
    static final String SERVICES = "services/";

    private Authz() {}

    /** The verified caller, or null for an anonymous call. */
    public static Principal caller() {
        return PRINCIPAL.get();
    }

    /** The verified caller; UNAUTHENTICATED when the call carries no token. */
    public static Principal requireAuthenticated() {
        final Principal principal = PRINCIPAL.get();
        if (principal == null) {
            throw Errors.unauthenticated("TOKEN_MISSING",
                                         "this call needs a bearer token: send 'Authorization: Bearer <access_token>'");
        }
        return principal;
    }

    /** A user (not a service) caller. */
    public static Principal requireUser() {
        final Principal principal = requireAuthenticated();
        if (principal.kind() != Principal.Kind.USER) {
            throw Errors.permissionDenied("USER_TOKEN_REQUIRED", "this call is for users, not service tokens");
        }
        return principal;
    }

    /** A caller holding the permission. */
    public static Principal requirePermission(String permission) {
        return requirePermission(PRINCIPAL.get(), permission);
    }

    private static Principal requirePermission(Principal principal, String permission) {
        if (principal == null) {
            return requireAuthenticated();
        }
        if (!principal.hasPermission(permission)) {
            throw Errors.permissionDenied("PERMISSION_DENIED", "this call needs the permission '" + permission + "'");
        }
        return principal;
    }

    /**
     * What the contract's policy of the called RPC says of its caller, checked by the platform before
     * the service's code runs: the plain permission, then the calling service. A service token of our
     * own services ({@code services/<name>}) must belong to a listed caller of an internal RPC; where
     * the policy requires a service identity, nothing else is accepted. Calls with a user's token or
     * an API key's are left to the mesh (Istio) as to which service sent them.
     *
     * @param principal the verified caller, or null for an anonymous call
     */
    static void authorize(RpcPolicy policy, Principal principal) {
        if (!policy.permission().isEmpty()) {
            requirePermission(principal, policy.permission());
        }
        if (!policy.isInternal() || policy.tokenless()) {
            return;
        }
        final String service = principal == null || principal.kind() != Principal.Kind.SERVICE
                               || !principal.subject().startsWith(SERVICES) ? null
                               : principal.subject().substring(SERVICES.length());
        if (policy.requireServiceIdentity()) {
            if (principal == null) {
                requireAuthenticated();
            }
            if (service == null || !policy.callers().contains(service)) {
                throw Errors.permissionDenied("PERMISSION_DENIED", policy.methodName() + " is for the "
                        + String.join(", ", policy.callers()) + (policy.callers().size() == 1 ? " service" : " services")
                        + " only");
            }
        } else if (service != null && !policy.callers().contains(service)) {
            throw Errors.permissionDenied("PERMISSION_DENIED", policy.methodName() + " is not for the " + service
                                                               + " service");
        }
    }

    /** The owner of the resource (subject = ownerId), or a caller holding the permission. */
    public static Principal requireSelfOrPermission(String ownerId, String permission) {
        final Principal principal = requireAuthenticated();
        if (!principal.subject().equals(ownerId) && !principal.hasPermission(permission)) {
            throw Errors.permissionDenied("PERMISSION_DENIED",
                                          "only the owner or a holder of '" + permission + "' may do this");
        }
        return principal;
    }
}
