package io.sextant.gateway;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import com.linecorp.armeria.common.grpc.GrpcJsonMarshaller;
import com.linecorp.armeria.common.grpc.GrpcSerializationFormats;
import com.linecorp.armeria.server.grpc.GrpcService;
import com.linecorp.armeria.server.grpc.GrpcServiceBuilder;
import com.linecorp.armeria.server.grpc.HttpJsonTranscodingOptions;
import com.linecorp.armeria.server.grpc.HttpJsonTranscodingQueryParamMatchRule;

import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.sextant.gateway.backends.Backend;
import io.sextant.gateway.backends.BackendChannels;
import io.sextant.gateway.backends.BackendHealth;
import io.sextant.gateway.backends.ForwardingService;
import io.sextant.gateway.edge.AccessLog;
import io.sextant.gateway.edge.Cors;
import io.sextant.gateway.edge.EdgeConfig;
import io.sextant.gateway.edge.EdgeGuard;
import io.sextant.gateway.edge.RouteLimiter;
import io.sextant.gateway.edge.RequestGuard;
import io.sextant.gateway.edge.RequestsInFlight;
import io.sextant.gateway.edge.RestResponseHeaders;
import io.sextant.gateway.edge.StrictJsonMarshaller;
import io.sextant.gateway.errors.ExceptionToGrpcStatus;
import io.sextant.gateway.errors.GrpcStatusToRest;
import io.sextant.gateway.errors.HttpErrorToRest;
import io.sextant.gateway.errors.PlainTextErrorToRest;
import io.sextant.gateway.openapi.OpenApiDocument;
import io.sextant.gateway.openapi.OpenApiService;
import io.sextant.gateway.streaming.RestStreams;
import io.sextant.gateway.streaming.StreamSlots;
import io.sextant.platform.db.Database;
import io.sextant.platform.grpc.GrpcLimits;
import io.sextant.platform.identity.RemoteIdentity;
import io.sextant.platform.server.SextantServer;

/**
 * The gateway: on one port, the public API of every service behind it as REST/JSON (transcoded
 * from the {@code google.api.http} rules of the contracts), gRPC and gRPC-Web, every call forwarded
 * to its service; server-streaming RPCs also as Server-Sent Events, NDJSON or raw bodies
 * ({@link RestStreams}); {@code GET /health} with the health of every service; and the platform's
 * {@code /health/ready} and {@code /docs}. Every error is the REST error body. Its metrics are on the
 * management port (METRICS_PORT), not on this public one.
 */
public final class Gateway {


    private Gateway() {}

    /** The gateway's server, not started; its tests start exactly this. */
    public static SextantServer newServer(GatewayConfig config) {
        // a public port: Netty's guard against rapid-reset floods keeps its default here
        final SextantServer.Builder server = SextantServer.builder(config.service()).publicPort();
        final EdgeConfig edge = config.edge();
        final EdgeGuard guard = edgeGuard(config, server);
        // Unary methods are also REST/JSON (Armeria's transcoder covers unary methods alone); streaming
        // ones are gRPC and gRPC-Web in their own GrpcService. Server streams with an HTTP rule are also
        // served over HTTP (SSE, NDJSON, raw bodies) by the gateway's own routes, through the same
        // interceptors plus a bound on each client's streams.
        final GrpcServiceBuilder streams = grpcService();
        final ServerInterceptor slots = StreamSlots.byKind(config.streams().maxPerClient(),
                                                           config.streams().maxTransfersPerClient());
        final List<ServerServiceDefinition> httpStreams = new ArrayList<>();
        final GrpcServiceBuilder api = grpcService()
                .enableHttpJsonTranscoding(HttpJsonTranscodingOptions.builder()
                        .queryParamMatchRules(HttpJsonTranscodingQueryParamMatchRule.ORIGINAL_FIELD,
                                              HttpJsonTranscodingQueryParamMatchRule.LOWER_CAMEL_CASE)
                        .errorHandler(new GrpcStatusToRest())
                        .build());
        final List<BackendHealth.Probe> probes = new ArrayList<>();
        for (Backend backend : config.backends()) {
            final BackendChannels channels = BackendChannels.of(
                    backend, config.target(backend), config.retryAttempts(), config.circuitBreakerFailures(),
                    config.circuitBreakerOpenFor(), config.backendConcurrency(), server.registry());
            server.closeOnStop(channels);
            for (ServiceDescriptor descriptor : backend.apis()) {
                final ServerServiceDefinition forwarding = ForwardingService.of(
                        descriptor, backend.name(), channels.forwarding(descriptor, GrpcLimits.MAX_MESSAGE_BYTES),
                        config.deadline(backend));
                if (forwarding != null) {
                    addMethods(api, forwarding, true, server, guard);
                    addMethods(streams, forwarding, false, server, guard);
                    final ServerServiceDefinition streaming = subset(forwarding, false);
                    if (streaming != null) {
                        // the last runs first: metrics, the edge's checks, then the bound per client
                        httpStreams.add(ServerInterceptors.intercept(streaming, slots, guard, server.rpcMetrics()));
                    }
                }
            }
            probes.add(new BackendHealth.Probe(backend.name(), channels.health(config.healthTimeout())));
        }
        final GrpcService apis = api.build();
        final GrpcService streaming = streams.build();
        if (edge.tls()) {
            server.tls(edge.tlsCertificate(), edge.tlsKey());
        }
        final byte[] openApi = OpenApiDocument.generate(config.backends()); // once, at start-up
        return server.healthService(new BackendHealth(probes, config.healthTimeout()))
                     // first: past the bound nothing but the request id and the trace is paid for a request
                     .decorator(new RequestsInFlight(edge.maxRequestsInFlight(), server.registry()))
                     .decorator(new RestResponseHeaders())
                     .decorator(new PlainTextErrorToRest())
                     .decorator(new RequestGuard())
                     .customize(sb -> {
                         RestStreams.addTo(sb, httpStreams, Gateway::jsonMarshaller, config.streams());
                         sb.service(apis)
                           .service(streaming)
                           .service(OpenApiService.PATH, OpenApiService.of(openApi))
                           .errorHandler(new HttpErrorToRest())
                           // A slow backend is cut by its deadline, so that the client gets
                           // 504 naming it, not by the server's own request timeout.
                           .requestTimeout(config.longestDeadline().plusSeconds(5))
                           .maxRequestLength(edge.maxRequestBody())
                           .http1MaxHeaderSize(edge.maxHeaderSize())
                           .http2MaxHeaderListSize(edge.maxHeaderSize())
                           .accessLogWriter(new AccessLog(), true);
                         if (!edge.corsOrigins().isEmpty()) {
                             // outermost: a preflight is answered before any other check
                             sb.decorator(Cors.decorator(edge.corsOrigins()));
                         }
                     })
                     .build();
    }

    /**
     * The edge's token check (keys and revocations from auth, like every service) and rate limits
     * (in memory, or in PostgreSQL when replicas share them).
     */
    private static EdgeGuard edgeGuard(GatewayConfig config, SextantServer.Builder server) {
        final RemoteIdentity identity = new RemoteIdentity(config.target(Backend.AUTH), Clock.systemUTC()).start();
        server.closeOnStop(identity);
        final EdgeConfig edge = config.edge();
        Database database = null;
        if (edge.rateLimitDb() != null) {
            // not the server's readiness database: the limits fail open while it is away
            database = Database.open("gateway", edge.rateLimitDb(), server.registry());
            server.closeOnStop(database);
        }
        final RouteLimiter limiter = RouteLimiter.of(edge, database);
        if (limiter != null) {
            server.closeOnStop(limiter);
        }
        return new EdgeGuard(identity.verifier(), EdgeGuard.knownKeyOf(identity), limiter);
    }

    private static GrpcServiceBuilder grpcService() {
        return GrpcService.builder()
                .supportedSerializationFormats(GrpcSerializationFormats.values())
                // Armeria ignores unknown JSON fields by default; a typo in a field name must be a 400,
                // and so must a value of the wrong JSON type (StrictJsonMarshaller)
                .jsonMarshallerFactory(Gateway::jsonMarshaller)
                .exceptionHandler(new ExceptionToGrpcStatus())
                .maxRequestMessageLength(GrpcLimits.MAX_MESSAGE_BYTES)
                .maxResponseMessageLength(GrpcLimits.MAX_MESSAGE_BYTES);
    }

    /**
     * The JSON marshaller of a service's REST and gRPC-Web JSON calls: Armeria ignores unknown JSON fields
     * by default; a typo in a field name must be a 400, and so must a value of the wrong JSON type
     * ({@link StrictJsonMarshaller}).
     */
    private static GrpcJsonMarshaller jsonMarshaller(ServiceDescriptor descriptor) {
        return new StrictJsonMarshaller(GrpcJsonMarshaller.builder()
                .jsonMarshallerCustomizer(marshaller -> marshaller.ignoringUnknownFields(false))
                .build(descriptor));
    }

    /** Adds the unary (or the streaming) methods of a forwarding service, with RPC metrics. */
    private static void addMethods(GrpcServiceBuilder target, ServerServiceDefinition forwarding, boolean unary,
                                   SextantServer.Builder server, EdgeGuard guard) {
        final ServerServiceDefinition subset = subset(forwarding, unary);
        if (subset == null) {
            return;
        }
        // the last runs first: metrics count every call, refused ones too; then the edge's checks
        target.addService(ServerInterceptors.intercept(subset, guard, server.rpcMetrics()));
    }

    /** The unary (or the streaming) methods of a forwarding service; null if it has none. */
    private static ServerServiceDefinition subset(ServerServiceDefinition forwarding, boolean unary) {
        final ServiceDescriptor all = forwarding.getServiceDescriptor();
        final ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(all.getName())
                                                                      .setSchemaDescriptor(all.getSchemaDescriptor());
        final List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
        for (ServerMethodDefinition<?, ?> method : forwarding.getMethods()) {
            if ((method.getMethodDescriptor().getType() == MethodType.UNARY) == unary) {
                descriptor.addMethod(method.getMethodDescriptor());
                methods.add(method);
            }
        }
        if (methods.isEmpty()) {
            return null;
        }
        final ServerServiceDefinition.Builder subset = ServerServiceDefinition.builder(descriptor.build());
        methods.forEach(subset::addMethod);
        return subset.build();
    }
}
