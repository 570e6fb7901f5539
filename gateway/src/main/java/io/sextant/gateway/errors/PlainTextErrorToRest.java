package io.sextant.gateway.errors;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;


/**
 * HTTP level, the last line of defence for "never Armeria's default error body": an error that a service wrote
 * itself as plain text, bypassing the error handler (DocService's 404 and 405, a gRPC service's 405 to
 * a GET or 415 to a JSON POST on a gRPC method path), is rewritten into the REST error body. gRPC
 * calls pass untouched: their errors are gRPC statuses.
 */
public final class PlainTextErrorToRest implements DecoratingHttpServiceFunction {

    @Override
    public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req) throws Exception {
        final HttpResponse response = delegate.serve(ctx, req);
        if (GrpcContent.isGrpc(req.contentType())) {
            return response;
        }
        final Rewrite rewrite = new Rewrite(ctx);
        return response.mapHeaders(rewrite::headers).mapData(rewrite::data);
    }

    /** The rewriting of one response: its headers decide, its body follows. */
    private static final class Rewrite {

        private final ServiceRequestContext ctx;
        private HttpData body; // the JSON to send instead of the first chunk of plain text
        private boolean rewriting;

        Rewrite(ServiceRequestContext ctx) {
            this.ctx = ctx;
        }

        ResponseHeaders headers(ResponseHeaders headers) {
            final MediaType type = headers.contentType();
            if (headers.status().code() < 400 || type == null || !type.is(MediaType.ANY_TEXT_TYPE)) {
                return headers;
            }
            final AggregatedHttpResponse json = RestErrorBody.ofHttpStatus(
                    ctx, headers.status(),
                    HttpErrorToRest.message(ctx, ctx.config(), ctx.request().headers(), headers.status(), null, null));
            rewriting = true;
            body = json.content();
            return json.headers();
        }

        HttpData data(HttpData data) {
            if (!rewriting) {
                return data;
            }
            data.close();
            final HttpData json = body;
            body = HttpData.empty();
            return json;
        }
    }
}
