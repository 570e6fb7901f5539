package io.sextant.gateway.edge;

import java.io.IOException;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;

import com.google.api.HttpRule;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.grpc.protocol.GrpcHeaderNames;
import com.linecorp.armeria.internal.server.grpc.HttpEndpointSpecification;
import com.linecorp.armeria.internal.server.grpc.HttpEndpointSupport;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.grpc.GrpcService;

import io.sextant.gateway.errors.GrpcContent;
import io.sextant.gateway.errors.RestErrorBody;

/**
 * Refuses with 415 a REST call whose body is not JSON: Armeria's transcoder would try to read it as
 * JSON and answer 400, though the body may be perfectly good in its own format. Refuses with 400 a
 * JSON body that is more than one JSON value ({@code {...} xx}): the transcoder would read the first
 * and quietly drop the rest, though the client meant something else. (The body is read whole, as the
 * transcoder does anyway, within the server's request length limit.) The same for the gateway's own
 * transcoded routes ({@link TranscodedRoute}: server streams over HTTP).
 *
 * <p>A route whose {@code google.api.http} rule declares no {@code body} takes none (the rule's
 * own definition): whatever body comes with it is read within the length limit and left out of the
 * call, whatever its type. That is what lets a mail client's RFC 8058 one-click unsubscribe, a form
 * post, reach an RPC whose input is all in the query.
 *
 * <p>A {@link RawBodyRoute} (an upload's bytes) is left alone: its body is streamed through as it comes.
 */
public final class RequestGuard implements DecoratingHttpServiceFunction {

    private static final JsonFactory JSON = new JsonFactory();

    @Override
    public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req) throws Exception {
        if (ctx.config().service().as(RawBodyRoute.class) != null) {
            return delegate.serve(ctx, req); // bytes, streamed: neither JSON nor read whole
        }
        final GrpcService grpc = ctx.config().service().as(GrpcService.class);
        final boolean transcoded = grpc != null || ctx.config().service().as(TranscodedRoute.class) != null;
        final MediaType contentType = req.contentType();
        if (!transcoded || !carriesBody(req.method()) || GrpcContent.isGrpc(contentType)) {
            return delegate.serve(ctx, req);
        }
        if (grpc != null && takesNoBody(ctx)) {
            final RequestHeaders bodyless = req.headers().toBuilder().removeAndThen(HttpHeaderNames.CONTENT_TYPE)
                                               .removeAndThen(HttpHeaderNames.CONTENT_LENGTH).build();
            return HttpResponse.of(req.aggregate().thenApply(ignored -> {
                final HttpRequest without = HttpRequest.of(bodyless);
                ctx.updateRequest(without);
                try {
                    return delegate.serve(ctx, without);
                } catch (Exception e) {
                    return HttpResponse.ofFailure(e);
                }
            }));
        }
        if (contentType != null && !contentType.isJson() && req.headers().contentLength() != 0) {
            return refuse(ctx, "the request body must be JSON (Content-Type: application/json), not " + contentType);
        }
        if (contentType == null && req.headers().contentLength() > 0) {
            return refuse(ctx, "the request body must be JSON: send it with Content-Type: application/json");
        }
        if (req.headers().contains(GrpcHeaderNames.GRPC_ENCODING)) {
            return refuse(ctx, "grpc-encoding applies to gRPC calls only");
        }
        if (contentType == null || req.headers().contentLength() == 0) {
            return delegate.serve(ctx, req);
        }
        return HttpResponse.of(req.aggregate().thenApply(body -> {
            final String problem = moreThanOneValue(body.content().array());
            if (problem != null) {
                return RestErrorBody.ofHttpStatus(ctx, HttpStatus.BAD_REQUEST, problem).toHttpResponse();
            }
            final HttpRequest whole = body.toHttpRequest();
            ctx.updateRequest(whole);
            try {
                return delegate.serve(ctx, whole);
            } catch (Exception e) {
                return HttpResponse.ofFailure(e);
            }
        }));
    }

    /**
     * What is wrong when the JSON body has something after its first value, or null. A body that is
     * malformed before that is left to the transcoder, which says where.
     */
    static String moreThanOneValue(byte[] json) {
        try (JsonParser parser = JSON.createParser(json)) {
            if (parser.nextToken() == null) {
                return null;
            }
            parser.skipChildren();
            final JsonLocation end = parser.currentLocation();
            try {
                if (parser.nextToken() == null) {
                    return null;
                }
            } catch (JsonProcessingException e) {
                // not even a token follows: still more than one value
            }
            return "the request body must be one JSON value, but more follows it after line " + end.getLineNr()
                   + ", column " + end.getColumnNr();
        } catch (IOException e) {
            return null;
        }
    }


    /**
     * Whether the route's HttpRule declares no body. Armeria's transcoder knows the rule of each of
     * its routes (it is what its documentation service reads); a route it does not know is judged
     * as one that takes a body.
     */
    private static boolean takesNoBody(ServiceRequestContext ctx) {
        final HttpEndpointSupport endpoints = ctx.config().service().as(HttpEndpointSupport.class);
        if (endpoints == null) {
            return false;
        }
        final HttpEndpointSpecification endpoint = endpoints.httpEndpointSpecification(ctx.config().route());
        final HttpRule rule = endpoint == null ? null : endpoint.httpRule();
        return rule != null && rule.getBody().isEmpty();
    }

    private static boolean carriesBody(HttpMethod method) {
        return method == HttpMethod.POST || method == HttpMethod.PUT || method == HttpMethod.PATCH
               || method == HttpMethod.DELETE;
    }

    private static HttpResponse refuse(ServiceRequestContext ctx, String message) {
        return RestErrorBody.ofHttpStatus(ctx, HttpStatus.UNSUPPORTED_MEDIA_TYPE, message).toHttpResponse();
    }
}
