package io.sextant.platform.telemetry;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.common.RequestContext;

import io.netty.util.AttributeKey;

/** What every log line of a call carries: request id, trace and span ids, and the caller's user id. */
public final class CallContext {

    private static final AttributeKey<String> USER_ID = AttributeKey.valueOf(CallContext.class, "USER_ID");

    private CallContext() {}

    /** Records the verified caller of the current call, for logs. */
    public static void setUserId(String userId) {
        final RequestContext ctx = RequestContext.currentOrNull();
        if (ctx != null) {
            root(ctx).setAttr(USER_ID, userId);
        }
    }

    /** The verified caller of the current call, or null. */
    public static String userId() {
        final RequestContext ctx = RequestContext.currentOrNull();
        return ctx == null ? null : root(ctx).attr(USER_ID);
    }

    /** The verified caller of the given call, or null (for access logs, written after the call). */
    public static String userId(RequestContext ctx) {
        return root(ctx).attr(USER_ID);
    }

    /** The request id of the current call, or null outside a call. */
    public static String requestId() {
        final RequestContext ctx = RequestContext.currentOrNull();
        return ctx == null ? null : RequestIds.of(root(ctx));
    }

    private static RequestContext root(RequestContext ctx) {
        if (ctx instanceof ClientRequestContext client && client.root() != null) {
            return client.root();
        }
        return ctx;
    }
}
