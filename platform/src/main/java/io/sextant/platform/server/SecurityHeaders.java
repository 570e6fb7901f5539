package io.sextant.platform.server;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.docs.DocService;

/**
 * Response headers every answer of a service carries: no MIME sniffing, no framing, no referrer, a
 * Content-Security-Policy, and, when the port serves TLS, Strict-Transport-Security (a year, subdomains
 * included).
 *
 * <p>The API's answers (JSON, gRPC, health, errors) carry tokens and personal data: no cache may keep
 * them ({@code Cache-Control: no-store}, and {@code Pragma: no-cache} for HTTP/1.0 caches; a route that
 * sets its own Cache-Control, such as the gateway's public {@code /openapi.json}, keeps it), and no
 * browser needs to render them, so their policy allows nothing ({@link #API_POLICY}). {@code /docs} is
 * a page: its policy ({@link #DOCS_POLICY}) lets it load its own scripts, styles, fonts and editor
 * workers from its origin and call the API there, and nothing from elsewhere (the web fonts it asks
 * Google for are refused: the page falls back to local fonts). It injects styles at run time, hence
 * {@code 'unsafe-inline'} for styles only; no inline script and no {@code eval} are allowed.
 */
public final class SecurityHeaders implements DecoratingHttpServiceFunction {

    /** The policy of every answer but {@code /docs}: nothing may be loaded, nothing may frame it. */
    public static final String API_POLICY = "default-src 'none'; frame-ancestors 'none'";

    /** The policy of {@code /docs}, Armeria's DocService page. */
    public static final String DOCS_POLICY = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline';"
                                             + " img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:;"
                                             + " connect-src 'self'; object-src 'none'; base-uri 'none';"
                                             + " form-action 'self'; frame-ancestors 'none'";

    private final boolean tls;

    public SecurityHeaders(boolean tls) {
        this.tls = tls;
    }

    @Override
    public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req) throws Exception {
        final boolean docs = ctx.config().service().as(DocService.class) != null;
        // one copy of the additional headers for all of them (each set would copy them again)
        ctx.mutateAdditionalResponseHeaders(headers -> {
            headers.set("x-content-type-options", "nosniff")
                   .set("x-frame-options", "DENY")
                   .set("referrer-policy", "no-referrer");
            if (docs) {
                headers.set("content-security-policy", DOCS_POLICY);
            } else {
                headers.set("content-security-policy", API_POLICY)
                       .set("cache-control", "no-store")
                       .set("pragma", "no-cache");
            }
            if (tls) {
                headers.set("strict-transport-security", "max-age=31536000; includeSubDomains");
            }
        });
        return delegate.serve(ctx, req).mapHeaders(headers -> {
            if (headers.contains(HttpHeaderNames.CACHE_CONTROL)) {
                // the service chose its own caching (a public document with an entity tag): it stays
                ctx.mutateAdditionalResponseHeaders(additional -> {
                    additional.remove(HttpHeaderNames.CACHE_CONTROL);
                    additional.remove(HttpHeaderNames.PRAGMA);
                });
            }
            return headers;
        });
    }
}
