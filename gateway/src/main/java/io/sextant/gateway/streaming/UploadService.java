package io.sextant.gateway.streaming;

import java.util.Map;
import java.util.TreeSet;

import com.google.protobuf.Message;

import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpResponseWriter;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.common.grpc.GrpcJsonMarshaller;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.Metadata;
import io.grpc.ServerMethodDefinition;
import io.sextant.gateway.edge.RawBodyRoute;
import io.sextant.platform.error.Errors;
import io.sextant.platform.error.ServiceException;

/**
 * One HTTP binding of an upload (a client-streaming RPC with {@code (sextant.api.v1.http_bytes)}
 * {@code head_field}): the body is the bytes, or a {@code multipart/form-data} form ({@link FormUpload}) when
 * the declaration names a file part. The head comes from the path's variables, the declared query
 * parameters (a parameter the declaration does not name is 400, naming it), the body's
 * {@code Content-Type} and {@code Content-Length}; the call runs through the interceptors and forwarding
 * handler of its gRPC form ({@link UploadCall}).
 */
final class UploadService implements HttpService, RawBodyRoute {

    private final ServerMethodDefinition<?, ?> method;
    private final HttpRuleRoute route;
    private final GrpcJsonMarshaller json;
    private final UploadDeclaration declaration;
    private final String responseBody;

    /**
     * @param responseBody the JSON name of the response's field that is the answer, or null for the whole response
     */
    UploadService(ServerMethodDefinition<?, ?> method, HttpRuleRoute route, GrpcJsonMarshaller json,
                  UploadDeclaration declaration, String responseBody) {
        this.method = method;
        this.route = route;
        this.json = json;
        this.declaration = declaration;
        this.responseBody = responseBody;
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        final HttpResponseWriter response = HttpResponse.streaming();
        serve(ctx, req, method, response);
        return response;
    }

    private <Q, R> void serve(ServiceRequestContext ctx, HttpRequest req, ServerMethodDefinition<Q, R> definition,
                              HttpResponseWriter response) {
        final Metadata headers = RestStreamService.metadata(req);
        final MediaType contentType = req.contentType();
        final boolean form = contentType != null && contentType.is(MediaType.MULTIPART_FORM_DATA);
        final UploadCall<Q, R> call = new UploadCall<>(ctx, definition.getMethodDescriptor(), declaration, response,
                                                       json, responseBody);
        final Message.Builder head = call.newHead();
        try {
            for (int i = 0; i < route.variables().size(); i++) {
                set(declaration.pathVariables().get(i), head, route.variables().get(i),
                    ctx.pathParam(HttpRuleRoute.group(i)));
            }
            if (form) {
                if (!declaration.acceptsMultipart()) {
                    throw Errors.invalidField("Content-Type", "this route takes the bytes as the request body, "
                                                              + "not as a multipart/form-data form");
                }
                final QueryParams query = HttpRuleRoute.query(ctx);
                if (!query.isEmpty()) {
                    // one source for the head: the form's parts
                    throw Errors.invalidField(query.names().iterator().next(), "a form upload takes its parameters "
                                                                                 + "as the form's parts, not in the query");
                }
                new FormUpload<>(ctx, req, call, declaration, head, definition.getServerCallHandler(), headers).start();
                return;
            }
            for (Map.Entry<String, String> parameter : HttpRuleRoute.query(ctx)) {
                setParameter(declaration, head, parameter.getKey(), parameter.getValue());
            }
            if (declaration.contentType() != null && contentType != null) {
                declaration.contentType().set(head, contentType.toString());
            }
            final long length = req.headers().contentLength();
            if (declaration.size() != null && length > 0) {
                declaration.size().set(head, String.valueOf(length));
            }
        } catch (ServiceException refusal) {
            ctx.eventLoop().execute(() -> call.refuseWith(refusal));
            return;
        }
        call.start(definition.getServerCallHandler(), headers, head.build(), req, call::bodyComplete);
    }

    /**
     * Sets the head's field a parameter names.
     *
     * @throws ServiceException INVALID_ARGUMENT naming the parameter, when the declaration has no such one or the
     *                          value does not fit its field
     */
    static void setParameter(UploadDeclaration declaration, Message.Builder head, String name, String value) {
        final FieldPath path = declaration.params().get(name);
        if (path == null) {
            throw Errors.invalidField(name, "an unknown parameter; this route takes "
                                            + String.join(", ", new TreeSet<>(declaration.params().keySet())));
        }
        set(path, head, name, value);
    }

    private static void set(FieldPath path, Message.Builder head, String name, String value) {
        try {
            path.set(head, value);
        } catch (IllegalArgumentException e) {
            throw Errors.invalidField(name, e.getMessage());
        }
    }
}
