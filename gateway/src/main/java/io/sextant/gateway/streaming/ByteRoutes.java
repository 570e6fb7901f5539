package io.sextant.gateway.streaming;

import java.util.ArrayList;
import java.util.List;

import com.google.api.AnnotationsProto;
import com.google.api.HttpRule;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.grpc.GrpcJsonMarshaller;
import com.linecorp.armeria.server.Route;
import com.linecorp.armeria.server.ServerBuilder;

import io.grpc.ServerMethodDefinition;
import io.sextant.api.v1.HttpBytes;
import io.sextant.api.v1.HttpBytesProto;

/**
 * The routes of the byte streams a contract declares with {@code (sextant.api.v1.http_bytes)}: an upload
 * ({@code head_field}, a client stream) as a plain or {@code multipart/form-data} request body
 * ({@link UploadService}), a download ({@code info_field}, a server stream) as a plain response body, with
 * ranges and entity tags ({@link DownloadService}). Bound from the method's {@code google.api.http} rule;
 * every name of the declaration is checked against the messages here, and a wrong one stops the start.
 *
 * <p>An upload's route has its own request length limit (UPLOAD_MAX_BYTES), set where it is bound because
 * Armeria checks it as the request arrives, before the service runs; neither route has a request timeout
 * (a large file takes its time; the client's going away ends the call).
 */
final class ByteRoutes {

    private ByteRoutes() {}

    /** Adds the routes of the method, and returns them as {@code POST /v1/...} lines. */
    static List<String> addTo(ServerBuilder sb, ServerMethodDefinition<?, ?> method, MethodDescriptor descriptor,
                              GrpcJsonMarshaller json, StreamConfig config) {
        final HttpBytes bytes = descriptor.getOptions().getExtension(HttpBytesProto.httpBytes);
        if (!descriptor.getOptions().hasExtension(AnnotationsProto.http)) {
            throw new IllegalStateException(descriptor.getFullName() + " has (sextant.api.v1.http_bytes) but no "
                                            + "google.api.http rule to give its route");
        }
        final boolean upload = !bytes.getHeadField().isEmpty();
        if (upload == !bytes.getInfoField().isEmpty()) {
            throw new IllegalStateException(descriptor.getFullName() + "'s (sextant.api.v1.http_bytes) must declare "
                                            + "either head_field (an upload) or info_field (a download)");
        }
        final HttpRule rule = descriptor.getOptions().getExtension(AnnotationsProto.http);
        final List<HttpRule> bindings = new ArrayList<>();
        bindings.add(rule);
        bindings.addAll(rule.getAdditionalBindingsList());
        final List<String> added = new ArrayList<>();
        for (HttpRule binding : bindings) {
            final HttpRuleRoute route = HttpRuleRoute.of(binding);
            if (upload) {
                final UploadDeclaration declaration = UploadDeclaration.of(descriptor, bytes, route.variables());
                sb.route().addRoute(route.route())
                  .maxRequestLength(config.uploadMaxBytes())
                  .requestTimeoutMillis(0)
                  .build(new UploadService(method, route, json, declaration,
                                           responseBody(descriptor, binding.getResponseBody())));
            } else {
                final DownloadDeclaration declaration = DownloadDeclaration.of(descriptor, bytes);
                final RequestBinding request = new RequestBinding(descriptor.getInputType(), "", route.variables());
                if (route.method() != HttpMethod.GET) {
                    throw new IllegalStateException(descriptor.getFullName() + " is a download; its HTTP rule must be a GET");
                }
                sb.route().addRoute(Route.builder().methods(HttpMethod.GET, HttpMethod.HEAD).regex(route.pattern()).build())
                  .requestTimeoutMillis(0)
                  .build(new DownloadService(method, route, request, json, declaration));
            }
            added.add(route.method() + " " + route.template());
        }
        return added;
    }

    /** The JSON name of the rule's response_body field, or null when the answer is the whole response. */
    private static String responseBody(MethodDescriptor descriptor, String field) {
        if (field.isEmpty()) {
            return null;
        }
        final FieldDescriptor found = descriptor.getOutputType().findFieldByName(field);
        if (found == null) {
            throw new IllegalStateException(descriptor.getFullName() + "'s HTTP rule answers with " + field + ", which "
                                            + descriptor.getOutputType().getFullName() + " does not have");
        }
        return found.getJsonName();
    }
}
