package io.sextant.gateway;

import java.util.ArrayList;
import java.util.List;

import com.linecorp.armeria.common.grpc.GrpcJsonMarshaller;
import com.linecorp.armeria.common.grpc.GrpcSerializationFormats;
import com.linecorp.armeria.server.grpc.GrpcService;
import com.linecorp.armeria.server.grpc.GrpcServiceBuilder;
import com.linecorp.armeria.server.grpc.HttpJsonTranscodingOptions;
import com.linecorp.armeria.server.grpc.HttpJsonTranscodingQueryParamMatchRule;

import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.sextant.platform.server.SextantServer;

/**
 * The gateway: on one port, the public API of every service behind it as REST/JSON (transcoded
 * from the {@code google.api.http} rules of the contracts), gRPC and gRPC-Web, every call forwarded
 * to its service; {@code GET /health} with the health of every service; and the platform's
 * {@code /health/ready}, {@code /metrics} and {@code /docs}. Every error is the REST error body.
 */
public final class Gateway {

    private static final int MAX_MESSAGE_LENGTH = 16 * 1024 * 1024;

    private Gateway() {}

    /** The gateway's server, not started; its tests start exactly this. */
    public static SextantServer newServer(GatewayConfig config) {
        final SextantServer.Builder server = SextantServer.builder(config.service());
        final GrpcServiceBuilder api = GrpcService.builder()
                .supportedSerializationFormats(GrpcSerializationFormats.values())
                .enableHttpJsonTranscoding(HttpJsonTranscodingOptions.builder()
                        .queryParamMatchRules(HttpJsonTranscodingQueryParamMatchRule.ORIGINAL_FIELD,
                                              HttpJsonTranscodingQueryParamMatchRule.LOWER_CAMEL_CASE)
                        .errorHandler(new TranscodingErrorHandler())
                        .build())
                // Armeria ignores unknown JSON fields by default; a typo in a field name must be a 400
                .jsonMarshallerFactory(descriptor -> GrpcJsonMarshaller.builder()
                        .jsonMarshallerCustomizer(marshaller -> marshaller.ignoringUnknownFields(false))
                        .build(descriptor))
                .exceptionHandler(new GatewayExceptionHandler())
                .maxRequestMessageLength(MAX_MESSAGE_LENGTH)
                .maxResponseMessageLength(MAX_MESSAGE_LENGTH);
        final List<BackendHealth.Probe> probes = new ArrayList<>();
        for (Backend backend : Backend.ALL) {
            final String target = config.target(backend);
            for (ServiceDescriptor descriptor : backend.apis()) {
                final ServerServiceDefinition forwarding = ForwardingService.of(
                        descriptor, backend.name(),
                        BackendChannels.forwarding(backend, descriptor, target, MAX_MESSAGE_LENGTH),
                        config.backendDeadline());
                if (forwarding != null) {
                    api.addService(ServerInterceptors.intercept(forwarding, server.rpcMetrics()));
                }
            }
            probes.add(new BackendHealth.Probe(backend.name(), BackendChannels.health(target, config.healthTimeout())));
        }
        final GrpcService apis = api.build();
        return server.healthService(new BackendHealth(probes, config.healthTimeout()))
                     .decorator(new PlainTextErrors())
                     .decorator(new RequestGuard())
                     .customize(sb -> sb.service(apis)
                                        .errorHandler(new GatewayErrorHandler())
                                        // A slow backend is cut by BACKEND_DEADLINE, so that the client gets
                                        // 504 naming it, not by the server's own request timeout.
                                        .requestTimeout(config.backendDeadline().plusSeconds(5)))
                     .build();
    }
}
