package io.sextant.gateway.edge;

import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.cors.CorsService;

import io.sextant.gateway.errors.RestErrorBody;

/**
 * CORS for browser clients from the allowed origins (CORS_ALLOWED_ORIGINS): exact origins, or with
 * {@code :*} any port of that scheme and host (local dev servers). Bearer tokens travel in the
 * Authorization header, not cookies, so credentials are not allowed; a preflight from any other
 * origin is refused with 403.
 */
public final class Cors {

    private Cors() {}

    public static Function<? super HttpService, ? extends HttpService> decorator(List<String> allowedOrigins) {
        final Predicate<String> allowed = allowed(allowedOrigins);
        final Function<? super HttpService, CorsService> cors = CorsService.builder(allowed)
                          .allowRequestMethods(HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH,
                                               HttpMethod.DELETE)
                          .allowRequestHeaders("authorization", "content-type", "x-request-id", "traceparent",
                                               "tracestate", "x-grpc-web", "x-user-agent", "grpc-timeout")
                          .exposeHeaders("x-request-id", "retry-after", "ratelimit-limit", "ratelimit-remaining",
                                         "ratelimit-reset", "ratelimit-policy", "grpc-status", "grpc-message",
                                         "grpc-status-details-bin")
                          .maxAge(Duration.ofHours(1))
                          .newDecorator();
        // Armeria answers a preflight from another origin with 200 and no CORS headers, which browsers
        // treat as a refusal; a plain 403 with the error body says so to people reading it, too
        return delegate -> cors.apply(delegate).decorate((next, ctx, req) -> {
            final String origin = req.headers().get(HttpHeaderNames.ORIGIN);
            if (req.method() == HttpMethod.OPTIONS && origin != null
                && req.headers().contains(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD) && !allowed.test(origin)) {
                return RestErrorBody.ofHttpStatus(ctx, HttpStatus.FORBIDDEN, "cross-origin calls from " + origin
                                                                      + " are not allowed (CORS_ALLOWED_ORIGINS)")
                                .toHttpResponse();
            }
            return next.serve(ctx, req);
        });
    }

    /** Whether an Origin header names an allowed origin. */
    static Predicate<String> allowed(List<String> allowedOrigins) {
        return origin -> allowedOrigins.stream().anyMatch(allowed -> matches(allowed, origin));
    }

    private static boolean matches(String allowed, String origin) {
        if (allowed.endsWith(":*")) {
            final String prefix = allowed.substring(0, allowed.length() - 1);
            return origin.startsWith(prefix) && origin.substring(prefix.length()).matches("\\d{1,5}");
        }
        return allowed.equalsIgnoreCase(origin);
    }
}
