package io.sextant.platform.telemetry;

import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.RequestContext;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.netty.util.AttributeKey;

/**
 * The request id of every call: taken from {@code X-Request-Id} when the caller sent a sane one
 * (the gateway does), generated otherwise, returned in the response header and written into every
 * log line of the call.
 */
public final class RequestIds {

    public static final String HEADER = "x-request-id";
    private static final AttributeKey<String> KEY = AttributeKey.valueOf(RequestIds.class, "REQUEST_ID");
    private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private RequestIds() {}

    /** The request id of the current call, or "-" outside a call. */
    public static String current() {
        final RequestContext ctx = RequestContext.currentOrNull();
        if (ctx == null) {
            return "-";
        }
        final String id = ctx.attr(KEY);
        return id == null ? "-" : id;
    }

    /** The request id of the given call, or null. */
    public static String of(RequestContext ctx) {
        return ctx.attr(KEY);
    }

    /** The decorator every server installs first. */
    public static HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req) throws Exception {
        String id = req.headers().get(HEADER);
        if (id == null || !SANE.matcher(id).matches()) {
            id = generate();
        }
        ctx.setAttr(KEY, id);
        ctx.addAdditionalResponseHeader(HttpHeaderNames.of(HEADER), id);
        return delegate.serve(ctx, req);
    }

    /** 128 random bits in hex. */
    public static String generate() {
        final ThreadLocalRandom random = ThreadLocalRandom.current();
        final char[] out = new char[32];
        for (int i = 0; i < 32; i += 16) {
            long bits = random.nextLong();
            for (int j = 0; j < 16; j++) {
                out[i + j] = HEX[(int) (bits & 0xf)];
                bits >>>= 4;
            }
        }
        return new String(out);
    }
}
