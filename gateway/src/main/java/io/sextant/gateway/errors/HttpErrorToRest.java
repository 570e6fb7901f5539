package io.sextant.gateway.errors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.stream.ClosedStreamException;
import com.linecorp.armeria.server.HttpResponseException;
import com.linecorp.armeria.server.HttpStatusException;
import com.linecorp.armeria.server.RequestCancellationException;
import com.linecorp.armeria.server.RequestTimeoutException;
import com.linecorp.armeria.server.ServerErrorHandler;
import com.linecorp.armeria.server.ServiceConfig;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.sextant.platform.telemetry.RequestIds;

/**
 * HTTP level: every error the gateway answers at the HTTP level (no route, wrong method, body too large or not
 * JSON, a failure of the gateway itself) gets the REST error body instead of Armeria's plain text.
 * Armeria picks the status; this class writes the body. No stack trace ever reaches the client.
 */
public final class HttpErrorToRest implements ServerErrorHandler {

    private static final Logger log = LoggerFactory.getLogger(HttpErrorToRest.class);

    @Override
    public HttpResponse onServiceException(ServiceRequestContext ctx, Throwable cause) {
        if (!isExpected(cause)) {
            log.error("Unexpected error serving {} {}", ctx.method(), ctx.path(), cause);
        }
        return null; // Armeria's default handler chooses the status, then calls renderStatus below
    }

    @Override
    public AggregatedHttpResponse renderStatus(ServiceRequestContext ctx, ServiceConfig config, RequestHeaders headers,
                                               HttpStatus status, String description, Throwable cause) {
        if (status.isContentAlwaysEmpty()) {
            return null;
        }
        return RestErrorBody.ofHttpStatus(ctx, status, message(ctx, config, headers, status, description, cause));
    }

    /** What the client is told about an HTTP-level error: what was wrong with its request, never a stack trace. */
    static String message(ServiceRequestContext ctx, ServiceConfig config, RequestHeaders headers,
                          HttpStatus status, String description, Throwable cause) {
        final String method = headers == null ? "the request" : headers.method().name();
        final String path = headers == null ? "" : pathOf(headers.path());
        switch (status.code()) {
            case 400: {
                final String problem = cause == null ? null : DecodingFailures.describe(cause);
                return problem != null ? problem : description != null ? description : "the request is malformed";
            }
            case 404:
                return "no route matches " + method + " " + path + "; /docs lists every route";
            case 405:
                return method + " is not allowed on " + path;
            case 408:
                return "the request was not received in time";
            case 413:
                return "the request body is larger than the limit of " + config.maxRequestLength() + " bytes";
            case 415:
                return "Content-Type " + (headers == null || headers.contentType() == null ? "(none)" : headers.contentType())
                       + " is not accepted on " + path + ": REST routes take application/json, gRPC methods application/grpc";
            case 500:
                return "internal error; quote request id " + (ctx == null ? "-" : RequestIds.of(ctx))
                       + " when reporting it";
            case 503:
                return "the gateway cannot serve the request now; try again later";
            default:
                return description != null ? description : status.reasonPhrase();
        }
    }

    /** The path without its query, cut short if absurdly long. */
    private static String pathOf(String pathAndQuery) {
        final int query = pathAndQuery.indexOf('?');
        final String path = query < 0 ? pathAndQuery : pathAndQuery.substring(0, query);
        return path.length() <= 200 ? path : path.substring(0, 200) + "...";
    }

    private static boolean isExpected(Throwable cause) {
        return cause instanceof HttpStatusException || cause instanceof HttpResponseException
               || cause instanceof ContentTooLargeException || cause instanceof RequestTimeoutException
               || cause instanceof RequestCancellationException || cause instanceof ClosedStreamException;
    }
}
