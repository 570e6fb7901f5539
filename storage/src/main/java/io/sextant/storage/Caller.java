package io.sextant.storage;

import io.sextant.platform.identity.Authz;
import io.sextant.platform.identity.Principal;

/**
 * Who calls, as storage sees it: a resource name that owns files ({@code users/{id}}, or the subject of
 * a service token, {@code api-keys/{id}}) and the storage permissions its token holds.
 *
 * @param readsAll  {@code files.read}: may read every file
 * @param writesAll {@code files.write}: may also change and delete every file, its permissions and links
 */
public record Caller(String name, boolean readsAll, boolean writesAll) {

    public static final String FILES_READ = "files.read";
    public static final String FILES_WRITE = "files.write";

    /** The verified caller of the current call; UNAUTHENTICATED without a token. */
    public static Caller current() {
        return of(Authz.requireAuthenticated());
    }

    public static Caller of(Principal principal) {
        final String name = principal.userId().map(id -> "users/" + id).orElse(principal.subject());
        final boolean writes = principal.hasPermission(FILES_WRITE);
        return new Caller(name, writes || principal.hasPermission(FILES_READ), writes);
    }
}
