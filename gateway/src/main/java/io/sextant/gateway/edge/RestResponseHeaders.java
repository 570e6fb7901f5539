package io.sextant.gateway.edge;

import java.util.ArrayList;
import java.util.List;

import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpHeadersBuilder;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.RequestContext;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.ResponseHeadersBuilder;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.netty.util.AsciiString;
import io.netty.util.AttributeKey;

import io.sextant.gateway.errors.GrpcContent;

/**
 * A REST answer is plain HTTP: the gRPC headers that the transcoder leaves on it ({@code grpc-status},
 * {@code grpc-message}, {@code grpc-encoding}, {@code grpc-accept-encoding}, ...) and Armeria's own
 * ({@code armeria-*}) mean nothing to its client and tell everyone what runs behind the gateway, so
 * they are removed from its headers and trailers. gRPC and gRPC-Web answers keep them: their clients
 * need them. The access log still learns the gRPC status ({@link #grpcStatus}).
 */
public final class RestResponseHeaders implements DecoratingHttpServiceFunction {

    private static final AttributeKey<String> GRPC_STATUS =
            AttributeKey.valueOf(RestResponseHeaders.class, "GRPC_STATUS");

    @Override
    public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req) throws Exception {
        final HttpResponse response = delegate.serve(ctx, req);
        if (GrpcContent.isGrpc(req.contentType())) {
            return response;
        }
        return response.mapHeaders(headers -> strip(ctx, headers))
                       .mapTrailers(trailers -> strip(ctx, trailers));
    }

    /** The gRPC status of a REST call whose headers this class stripped, or "" if none. */
    static String grpcStatus(RequestContext ctx) {
        final String status = ctx.attr(GRPC_STATUS);
        return status == null ? "" : status;
    }

    private static ResponseHeaders strip(ServiceRequestContext ctx, ResponseHeaders headers) {
        final List<AsciiString> internal = internalNames(ctx, headers);
        if (internal.isEmpty()) {
            return headers;
        }
        final ResponseHeadersBuilder builder = headers.toBuilder();
        internal.forEach(builder::remove);
        return builder.build();
    }

    private static HttpHeaders strip(ServiceRequestContext ctx, HttpHeaders trailers) {
        final List<AsciiString> internal = internalNames(ctx, trailers);
        if (internal.isEmpty()) {
            return trailers;
        }
        final HttpHeadersBuilder builder = trailers.toBuilder();
        internal.forEach(builder::remove);
        return builder.build();
    }

    /** The names of the gRPC and Armeria headers; the gRPC status among them is kept for the access log. */
    private static List<AsciiString> internalNames(ServiceRequestContext ctx, HttpHeaders headers) {
        List<AsciiString> internal = List.of();
        for (AsciiString name : headers.names()) {
            if (name.startsWith("grpc-") || name.startsWith("armeria-")) {
                if (internal.isEmpty()) {
                    internal = new ArrayList<>(4);
                }
                internal.add(name);
            }
        }
        final String status = headers.get("grpc-status");
        if (status != null) {
            ctx.setAttr(GRPC_STATUS, status);
        }
        return internal;
    }
}
