package io.sextant.gateway.streaming;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import com.google.api.AnnotationsProto;
import com.google.api.HttpRule;
import com.google.protobuf.Descriptors;

import com.linecorp.armeria.common.grpc.GrpcJsonMarshaller;
import com.linecorp.armeria.server.ServerBuilder;

import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.protobuf.ProtoMethodDescriptorSupplier;
import io.sextant.api.v1.HttpBytesProto;
import io.sextant.gateway.backends.StreamKind;

/**
 * Server streaming over HTTP, for every server-streaming RPC with a {@code google.api.http} rule, found
 * in the descriptors (no code per method): a route per binding of the rule, served as Server-Sent Events
 * or NDJSON ({@link StreamKind#MESSAGES}) or as one raw body ({@link StreamKind#HTTP_BODY}). The
 * definitions given are the ones the gRPC form of the calls runs through (the edge's checks, metrics, the
 * forwarding to the backend), plus {@link StreamSlots}; the byte streams of a method with
 * {@code (sextant.api.v1.http_bytes)}, uploads and downloads, are plain HTTP bodies ({@link ByteRoutes}); the server's decorators (CORS, request checks,
 * the bound on requests in flight) apply to these routes as to every other.
 */
public final class RestStreams {

    private RestStreams() {}

    /**
     * Adds a route for each HTTP binding of the server-streaming methods of the definitions.
     *
     * @param json the gateway's JSON marshaller of a service, the one its unary REST calls use
     * @return the routes added, as {@code GET /v1/...} lines for the start-up log
     */
    public static List<String> addTo(ServerBuilder sb, List<ServerServiceDefinition> definitions,
                                     Function<ServiceDescriptor, GrpcJsonMarshaller> json,
                                     StreamConfig config) {
        final List<String> added = new ArrayList<>();
        for (ServerServiceDefinition definition : definitions) {
            GrpcJsonMarshaller marshaller = null;
            for (ServerMethodDefinition<?, ?> method : definition.getMethods()) {
                if (!(method.getMethodDescriptor().getSchemaDescriptor() instanceof ProtoMethodDescriptorSupplier proto)) {
                    continue;
                }
                final Descriptors.MethodDescriptor descriptor = proto.getMethodDescriptor();
                if (descriptor.getOptions().hasExtension(HttpBytesProto.httpBytes)) {
                    if (marshaller == null) {
                        marshaller = json.apply(definition.getServiceDescriptor());
                    }
                    added.addAll(ByteRoutes.addTo(sb, method, descriptor, marshaller, config));
                    continue;
                }
                final StreamKind kind = StreamKind.of(descriptor);
                if ((kind != StreamKind.MESSAGES && kind != StreamKind.HTTP_BODY)
                    || !descriptor.getOptions().hasExtension(AnnotationsProto.http)) {
                    continue;
                }
                if (marshaller == null) {
                    marshaller = json.apply(definition.getServiceDescriptor());
                }
                final HttpRule rule = descriptor.getOptions().getExtension(AnnotationsProto.http);
                final List<HttpRule> bindings = new ArrayList<>();
                bindings.add(rule);
                bindings.addAll(rule.getAdditionalBindingsList());
                for (HttpRule binding : bindings) {
                    final HttpRuleRoute route = HttpRuleRoute.of(binding);
                    final RequestBinding request = new RequestBinding(descriptor.getInputType(), binding.getBody(),
                                                                      route.variables());
                    sb.service(route.route(), new RestStreamService(method, route, request, marshaller, config,
                                                                    kind == StreamKind.HTTP_BODY));
                    added.add(route.method() + " " + route.template());
                }
            }
        }
        return added;
    }
}
