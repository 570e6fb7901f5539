package io.sextant.gateway.streaming;

import java.io.ByteArrayInputStream;
import java.util.List;

import com.google.protobuf.Message;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpResponseWriter;
import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.common.grpc.GrpcJsonMarshaller;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.ServerMethodDefinition;
import io.sextant.gateway.edge.RawBodyRoute;
import io.sextant.gateway.streaming.ContentHeaders.ByteRange;

/**
 * One HTTP binding of a download (a server-streaming RPC with {@code (sextant.api.v1.http_bytes)}
 * {@code info_field}): binds the path and query to the request message as the rule's other routes do, a
 * single {@code Range} to the declared offset and limit fields (not with {@code If-Range}: the file is
 * served whole then, as RFC 9110 allows), and runs the call through the interceptors and forwarding handler
 * of its gRPC form ({@link DownloadCall}).
 */
final class DownloadService implements HttpService, RawBodyRoute {

    private final ServerMethodDefinition<?, ?> method;
    private final HttpRuleRoute route;
    private final RequestBinding binding;
    private final GrpcJsonMarshaller json;
    private final DownloadDeclaration declaration;

    DownloadService(ServerMethodDefinition<?, ?> method, HttpRuleRoute route, RequestBinding binding,
                    GrpcJsonMarshaller json, DownloadDeclaration declaration) {
        this.method = method;
        this.route = route;
        this.binding = binding;
        this.json = json;
        this.declaration = declaration;
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        final HttpResponseWriter response = HttpResponse.streaming();
        start(ctx, req, method, response);
        return response;
    }

    private <Q, R> void start(ServiceRequestContext ctx, HttpRequest req, ServerMethodDefinition<Q, R> definition,
                              HttpResponseWriter response) {
        final List<String> pathValues = route.pathValues(ctx);
        final QueryParams query = HttpRuleRoute.query(ctx);
        final ByteRange range = declaration.acceptsRanges() && !req.headers().contains(HttpHeaderNames.IF_RANGE)
                                ? ContentHeaders.range(req.headers().get(HttpHeaderNames.RANGE)) : null;
        new DownloadCall<>(ctx, definition.getMethodDescriptor(), declaration, response, () -> {
            final Q message = json.deserializeMessage(definition.getMethodDescriptor().getRequestMarshaller(),
                                                      new ByteArrayInputStream(binding.bind(null, pathValues, query)));
            if (range == null) {
                return message;
            }
            final Message.Builder ranged = ((Message) message).toBuilder();
            declaration.offset().setValue(ranged, range.offset());
            declaration.limit().setValue(ranged, range.limit());
            @SuppressWarnings("unchecked")
            final Q withRange = (Q) ranged.build();
            return withRange;
        }, req.method() == HttpMethod.HEAD, req.headers().get(HttpHeaderNames.IF_NONE_MATCH))
                .start(definition.getServerCallHandler(), RestStreamService.metadata(req));
    }
}
