package io.sextant.gateway;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.grpc.protocol.GrpcHeaderNames;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.grpc.GrpcService;

/**
 * Refuses with 415 a REST call whose body is not JSON: Armeria's transcoder would try to read it as
 * JSON and answer 400, though the body may be perfectly good in its own format.
 */
final class RequestGuard implements DecoratingHttpServiceFunction {

    @Override
    public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req) throws Exception {
        final GrpcService grpc = ctx.config().service().as(GrpcService.class);
        final MediaType contentType = req.contentType();
        if (grpc == null || !carriesBody(req.method()) || isGrpc(grpc, contentType)) {
            return delegate.serve(ctx, req);
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
        return delegate.serve(ctx, req);
    }

    private static boolean isGrpc(GrpcService grpc, MediaType contentType) {
        return contentType != null
               && grpc.supportedSerializationFormats().stream().anyMatch(format -> format.isAccepted(contentType));
    }

    private static boolean carriesBody(HttpMethod method) {
        return method == HttpMethod.POST || method == HttpMethod.PUT || method == HttpMethod.PATCH
               || method == HttpMethod.DELETE;
    }

    private static HttpResponse refuse(ServiceRequestContext ctx, String message) {
        return RestError.ofGateway(ctx, HttpStatus.UNSUPPORTED_MEDIA_TYPE, message).toHttpResponse();
    }
}
