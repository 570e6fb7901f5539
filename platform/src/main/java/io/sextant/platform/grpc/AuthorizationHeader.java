package io.sextant.platform.grpc;

import java.util.Iterator;

import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.Metadata;
import io.netty.util.AttributeKey;
import io.sextant.platform.error.Errors;

/**
 * The one {@code Authorization} header of a call. A call with two is refused: one reader takes the
 * first, another the last (the gateway's edge and the backend behind it did), so a forged token
 * could pass one check and a valid one be charged for it. The value a server checked is recorded on
 * the call, and {@link ServiceClient} passes on that value, never the raw
 * header again.
 */
public final class AuthorizationHeader {

    /** The header, as gRPC metadata. */
    public static final Metadata.Key<String> KEY = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private static final AttributeKey<String> CHECKED = AttributeKey.valueOf(AuthorizationHeader.class, "CHECKED");

    private AuthorizationHeader() {}

    /**
     * The call's {@code Authorization} value, null when it has none; UNAUTHENTICATED
     * ({@code MULTIPLE_AUTHORIZATION_HEADERS}) when it has more than one.
     */
    public static String single(Metadata headers) {
        final Iterable<String> values = headers.getAll(KEY);
        if (values == null) {
            return null;
        }
        final Iterator<String> iterator = values.iterator();
        final String first = iterator.next();
        if (iterator.hasNext()) {
            throw Errors.unauthenticated("MULTIPLE_AUTHORIZATION_HEADERS",
                                         "the request has more than one Authorization header: send exactly one,"
                                         + " 'Authorization: Bearer <access_token>'");
        }
        return first;
    }

    /** Records the value this server checked, the one calls made while serving this call pass on. */
    public static void checked(ServiceRequestContext ctx, String value) {
        if (ctx != null && value != null) {
            ctx.setAttr(CHECKED, value);
        }
    }

    /** The value checked while serving the call, or null when none was. */
    public static String checked(ServiceRequestContext ctx) {
        return ctx.ownAttr(CHECKED);
    }
}
