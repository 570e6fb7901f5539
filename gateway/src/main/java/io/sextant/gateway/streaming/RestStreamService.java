package io.sextant.gateway.streaming;

import java.io.ByteArrayInputStream;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpResponseWriter;
import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.common.grpc.GrpcJsonMarshaller;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.Metadata;
import io.grpc.ServerMethodDefinition;
import io.netty.util.AsciiString;
import io.sextant.gateway.edge.TranscodedRoute;

/**
 * One HTTP binding of a server-streaming RPC: binds the request to the request message
 * ({@link RequestBinding}), then runs the call through the same interceptors and forwarding handler as
 * its gRPC form ({@link RestStreamCall}), answering in the format the client accepts.
 */
final class RestStreamService implements HttpService, TranscodedRoute {

    private final ServerMethodDefinition<?, ?> method;
    private final HttpRuleRoute route;
    private final RequestBinding binding;
    private final GrpcJsonMarshaller json;
    private final StreamConfig config;
    private final boolean raw;

    RestStreamService(ServerMethodDefinition<?, ?> method, HttpRuleRoute route, RequestBinding binding,
                      GrpcJsonMarshaller json, StreamConfig config, boolean raw) {
        this.method = method;
        this.route = route;
        this.binding = binding;
        this.json = json;
        this.config = config;
        this.raw = raw;
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        final StreamFormat format = raw ? StreamFormat.RAW : StreamFormat.negotiate(req.headers().accept());
        final HttpResponseWriter response = HttpResponse.streaming();
        if (!binding.hasBody()) {
            start(ctx, req, null, format, response);
            return response;
        }
        req.aggregate().handleAsync((body, cause) -> {
            if (cause != null) {
                response.abort(cause);
            } else {
                start(ctx, req, body.content().array(), format, response);
            }
            return null;
        }, ctx.eventLoop());
        return response;
    }

    private void start(ServiceRequestContext ctx, HttpRequest req, byte[] body, StreamFormat format,
                       HttpResponseWriter response) {
        final List<String> pathValues = route.pathValues(ctx);
        final QueryParams query = HttpRuleRoute.query(ctx);
        start(ctx, method, format, response, () -> binding.bind(body, pathValues, query), metadata(req));
    }

    private <Q, R> void start(ServiceRequestContext ctx, ServerMethodDefinition<Q, R> definition, StreamFormat format,
                              HttpResponseWriter response, Supplier<byte[]> request, Metadata headers) {
        new RestStreamCall<>(ctx, definition.getMethodDescriptor(), json, format, response, config,
                             () -> json.deserializeMessage(definition.getMethodDescriptor().getRequestMarshaller(),
                                                           new ByteArrayInputStream(request.get())))
                .start(definition.getServerCallHandler(), headers);
    }

    /** The request's headers as gRPC metadata, as the gRPC form of the call would carry them. */
    static Metadata metadata(HttpRequest req) {
        final Metadata metadata = new Metadata();
        for (Map.Entry<AsciiString, String> header : req.headers()) {
            final String name = header.getKey().toString();
            if (name.startsWith(":")) {
                continue;
            }
            try {
                if (name.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                    metadata.put(Metadata.Key.of(name, Metadata.BINARY_BYTE_MARSHALLER),
                                 Base64.getDecoder().decode(header.getValue()));
                } else {
                    metadata.put(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER), header.getValue());
                }
            } catch (IllegalArgumentException e) {
                // a name gRPC metadata cannot have, or -bin that is no base64: no gRPC client could send it either
            }
        }
        return metadata;
    }
}
