package io.sextant.gateway;

import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;

/**
 * Response headers every answer of the edge carries: no MIME sniffing, no framing, no referrer,
 * and, when the gateway serves TLS, Strict-Transport-Security (a year, subdomains included).
 */
final class SecurityHeaders implements DecoratingHttpServiceFunction {

    private final boolean tls;

    SecurityHeaders(boolean tls) {
        this.tls = tls;
    }

    @Override
    public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req) throws Exception {
        ctx.addAdditionalResponseHeader("x-content-type-options", "nosniff");
        ctx.addAdditionalResponseHeader("x-frame-options", "DENY");
        ctx.addAdditionalResponseHeader("referrer-policy", "no-referrer");
        if (tls) {
            ctx.addAdditionalResponseHeader("strict-transport-security", "max-age=31536000; includeSubDomains");
        }
        return delegate.serve(ctx, req);
    }
}
