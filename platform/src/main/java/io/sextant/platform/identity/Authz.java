package io.sextant.platform.identity;

import io.grpc.Context;
import io.sextant.platform.error.Errors;

/**
 * The authorization helper every service calls at the top of an RPC. The caller is whatever the
 * platform's {@link AuthInterceptor} verified; nothing else (no header, no field) is ever trusted.
 */
public final class Authz {

    static final Context.Key<Principal> PRINCIPAL = Context.key("sextant-principal");

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
        final Principal principal = requireAuthenticated();
        if (!principal.hasPermission(permission)) {
            throw Errors.permissionDenied("PERMISSION_DENIED", "this call needs the permission '" + permission + "'");
        }
        return principal;
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
