package io.sextant.platform.server;

import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.common.util.EventLoopGroups;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.Route;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceBindingBuilder;
import com.linecorp.armeria.server.docs.DocService;
import com.linecorp.armeria.server.grpc.GrpcService;
import com.linecorp.armeria.server.grpc.GrpcServiceBuilder;
import com.linecorp.armeria.server.healthcheck.SettableHealthChecker;
import com.linecorp.armeria.server.grpc.GrpcHealthCheckService;

import io.grpc.BindableService;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.common.TextFormat;
import io.prometheus.client.hotspot.GarbageCollectorExports;
import io.prometheus.client.hotspot.MemoryPoolsExports;
import io.prometheus.client.hotspot.StandardExports;
import io.prometheus.client.hotspot.ThreadExports;
import io.sextant.platform.config.CommonConfig;
import io.sextant.platform.config.HeapBudget;
import io.sextant.platform.db.Database;
import io.sextant.platform.error.GrpcErrorMapper;
import io.sextant.platform.grpc.ConcurrencyLimit;
import io.sextant.platform.grpc.GrpcLimits;
import io.sextant.platform.grpc.ValidationInterceptor;
import io.sextant.platform.identity.AuthInterceptor;
import io.sextant.platform.identity.RemoteIdentity;
import io.sextant.platform.identity.TokenVerifier;
import io.sextant.platform.jobs.ScheduledJobs;
import io.sextant.platform.policy.RpcPolicy;
import io.sextant.platform.telemetry.CountingAsyncAppender;
import io.sextant.platform.telemetry.RequestIds;
import io.sextant.platform.telemetry.RpcMetrics;
import io.sextant.platform.telemetry.Tracing;

/**
 * One service's server: a single port serving its gRPC services (h2c, with protovalidate, token
 * verification, the error mapper and RED metrics on every RPC), {@code grpc.health.v1},
 * {@code GET /health} (liveness), {@code GET /health/ready} (readiness: the database answers),
 * {@code GET /metrics} (Prometheus text) and {@code /docs}. A service's {@code newServer(config)}
 * builds one with {@link #builder(CommonConfig)}; its tests start exactly that.
 *
 * <p>With METRICS_PORT set ({@link CommonConfig#metricsPort()}), {@code /metrics} is not on the
 * service's port but on a management port of its own, bound to METRICS_ADDRESS (loopback by default):
 * the gateway's port is public, and the metrics of a service are no business of its clients. Every
 * answer carries the {@link SecurityHeaders}, and none names the server software.
 *
 * <p>Past its capacity a service sheds: {@link CallShedding} answers the unary calls beyond
 * SERVER_CONCURRENCY_MAX (adaptive from SERVER_CONCURRENCY_MIN) UNAVAILABLE at once. Its port is
 * mesh-internal (the gateway and other services call it), so Netty's guard against rapid-reset
 * floods allows HTTP2_MAX_RESETS_PER_MINUTE (60,000) there: a caller that cancels the calls whose
 * deadline passed resets a stream each, and at the default of 400 a minute an overloaded gateway had
 * its whole connection, every call on it, closed. A server whose port is public ({@link
 * Builder#publicPort}, the gateway's) keeps Armeria's default.
 */
public final class SextantServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SextantServer.class);

    /** Netty's rapid-reset guard on a mesh-internal port: RST_STREAM frames a minute per connection. */
    public static final int DEFAULT_MAX_RESETS_PER_MINUTE = 60_000;
    /**
     * The heap a connection is allowed in the default of MAX_CONNECTIONS (1,024 with a 256 MiB heap, the least
     * 256): a quarter of the heap for them all, an HTTP/2 connection's buffers and state being about 64 KiB.
     */
    static final long DEFAULT_CONNECTION_HEAP_BYTES = 256 * 1024;
    /** Streams one client connection may have open at once on a public port (nginx allows 128, Go 250). */
    static final int DEFAULT_PUBLIC_MAX_STREAMS = 128;

    private final String name;
    private final Server server;
    /** The management port's server, serving {@code /metrics}; null when the metrics are on the service's port. */
    private final Server management;
    private final List<AutoCloseable> closeables;
    private final CollectorRegistry registry;

    private SextantServer(String name, Server server, Server management, List<AutoCloseable> closeables,
                          CollectorRegistry registry) {
        this.name = name;
        this.server = server;
        this.management = management;
        this.closeables = closeables;
        this.registry = registry;
    }

    public static Builder builder(CommonConfig config) {
        return new Builder(config);
    }

    /** Starts listening; returns once the port is bound. */
    public SextantServer start() {
        server.start().join();
        if (management != null) {
            management.start().join();
            log.info("{} listening on {}, metrics on {}", name, server.activePort().localAddress(),
                     management.activePort().localAddress());
        } else {
            log.info("{} listening on {}", name, server.activePort().localAddress());
        }
        return this;
    }

    /** The bound port (useful with PORT=0 in tests). */
    public int port() {
        return server.activeLocalPort();
    }

    /** The port that serves {@code GET /metrics}: the management port, or the service's own. */
    public int metricsPort() {
        return management != null ? management.activeLocalPort() : port();
    }

    public String name() {
        return name;
    }

    public Server armeria() {
        return server;
    }

    public CollectorRegistry registry() {
        return registry;
    }

    /**
     * Stops gracefully: stops accepting, lets in-flight calls finish within SHUTDOWN_GRACE, then
     * closes what the service registered (relays, clients, the database pool), newest first.
     */
    @Override
    public void close() {
        server.stop().join();
        if (management != null) {
            management.stop().join(); // after the service's port: the last scrape sees the drained calls
        }
        for (int i = closeables.size() - 1; i >= 0; i--) {
            try {
                closeables.get(i).close();
            } catch (Exception e) {
                log.warn("Error while closing {} of {}: {}", closeables.get(i), name, e.toString());
            }
        }
    }

    /** Builds a {@link SextantServer}. */
    public static final class Builder {

        private final CommonConfig config;
        private final List<Hosted> services = new ArrayList<>();
        private final List<AutoCloseable> closeables = new ArrayList<>();
        private final List<Consumer<ServerBuilder>> customizers = new ArrayList<>();
        private final List<DecoratingHttpServiceFunction> decorators = new ArrayList<>();
        private final CollectorRegistry registry = new CollectorRegistry(true);
        private final RpcMetrics rpcMetrics;
        private Database database;
        private HttpService healthService;
        private TokenVerifier verifier;
        private boolean remoteIdentity;
        private java.nio.file.Path tlsCertificate;
        private java.nio.file.Path tlsKey;
        private boolean publicPort;

        private Builder(CommonConfig config) {
            this.config = config;
            new StandardExports().register(registry);
            new MemoryPoolsExports().register(registry);
            new GarbageCollectorExports().register(registry);
            new ThreadExports().register(registry);
            CountingAsyncAppender.collector().register(registry);
            rpcMetrics = new RpcMetrics(registry);
        }

        public CommonConfig config() {
            return config;
        }

        /** The registry this server's {@code /metrics} exposes: register the service's own metrics here. */
        public CollectorRegistry registry() {
            return registry;
        }

        /**
         * The RED metrics interceptor of this server, for gRPC services hosted outside the platform's
         * own {@code GrpcService} (the gateway's transcoding one): a registry takes each metric once.
         */
        public RpcMetrics rpcMetrics() {
            return rpcMetrics;
        }

        /**
         * Serves {@code /health} with this service instead of the default liveness answer (the gateway
         * answers there with the health of every service behind it).
         */
        public Builder healthService(HttpService service) {
            this.healthService = service;
            return this;
        }

        /**
         * A service implementation: its methods run on the blocking task executor, except those
         * marked {@link NonBlocking}, which run on the event loop.
         */
        public Builder grpcService(BindableService service) {
            final ServerServiceDefinition definition = service.bindService();
            services.add(new Hosted(definition, nonBlockingMethods(service.getClass(), definition)));
            return this;
        }

        /** A service definition: all of its methods run on the blocking task executor. */
        public Builder grpcService(ServerServiceDefinition service) {
            services.add(new Hosted(service, Set.of()));
            return this;
        }

        /** The service's database: readiness checks it, and the server closes it on stop. */
        public Builder database(Database database) {
            this.database = database;
            closeables.add(database);
            return this;
        }

        /** Verify tokens with this verifier (auth uses its own keys). */
        public Builder verifier(TokenVerifier verifier) {
            this.verifier = verifier;
            return this;
        }

        /** Verify tokens with keys and revocations from the auth service at AUTH_TARGET. */
        public Builder remoteIdentity() {
            this.remoteIdentity = true;
            return this;
        }

        /** Serve HTTPS (HTTP/1.1 and HTTP/2 over TLS) on the port, and no plaintext, with this PEM chain and PKCS#8 key. */
        public Builder tls(java.nio.file.Path certificateChain, java.nio.file.Path privateKey) {
            this.tlsCertificate = certificateChain;
            this.tlsKey = privateKey;
            return this;
        }

        /**
         * The port is public, not mesh-internal (the gateway's): Netty's guard against rapid-reset
         * floods keeps Armeria's default there, rather than HTTP2_MAX_RESETS_PER_MINUTE.
         */
        public Builder publicPort() {
            this.publicPort = true;
            return this;
        }

        /** Something to close after the server has stopped (relays, clients). */
        public Builder closeOnStop(AutoCloseable closeable) {
            closeables.add(closeable);
            return this;
        }

        /** Extra routes or settings (the gateway's transcoding, for instance). */
        public Builder customize(Consumer<ServerBuilder> customizer) {
            customizers.add(customizer);
            return this;
        }

        /**
         * A decorator of every route that runs inside the platform's tracing and request-id decorators,
         * so that what it answers carries the trace and request ids. (A decorator added through
         * {@link #customize} runs before them.) The first one added runs first.
         */
        public Builder decorator(DecoratingHttpServiceFunction decorator) {
            decorators.add(decorator);
            return this;
        }

        public SextantServer build() {
            final String name = config.serviceName();
            if (remoteIdentity && verifier == null) {
                final RemoteIdentity identity = new RemoteIdentity(config.authTarget(), Clock.systemUTC()).start();
                closeables.add(identity);
                verifier = identity.verifier();
            }
            final ConcurrencyLimit concurrency = ConcurrencyLimit.read(config.env(), "SERVER_CONCURRENCY",
                                                                       ConcurrencyLimit.DEFAULT_SERVER);
            final int resetsPerMinute = publicPort ? 0 : config.env().integer(
                    "HTTP2_MAX_RESETS_PER_MINUTE", DEFAULT_MAX_RESETS_PER_MINUTE, 1, Integer.MAX_VALUE);
            // A public port bounds the streams a client may have open on one connection (HTTP/2's
            // SETTINGS_MAX_CONCURRENT_STREAMS): past it the client waits or opens another connection,
            // which maxNumConnections bounds, so the requests in flight, and the memory they hold, are bounded.
            final int streamsPerConnection = publicPort ? config.env().integer(
                    "HTTP2_MAX_STREAMS_PER_CONNECTION", DEFAULT_PUBLIC_MAX_STREAMS, 1, 100_000) : 0;
            // a connection holds its pipeline, HTTP/2 state and header tables (some 20-40 KiB of heap)
            // while open, idle or not: the default bound is what the heap can afford
            final int maxConnections = config.env().integer(
                    "MAX_CONNECTIONS", HeapBudget.share(DEFAULT_CONNECTION_HEAP_BYTES, 256, 10_000), 1, 1_000_000);
            config.env().check();
            final Tracing tracing = new Tracing(name, config.otlpEndpoint());
            closeables.add(tracing);

            final ServerBuilder sb = Server.builder();
            // BIND_ADDRESS unset: every interface, as a cluster's sidecar and pod network need
            final InetSocketAddress listen = config.bindAddress() == null ? new InetSocketAddress(config.port())
                                                                          : new InetSocketAddress(config.bindAddress(), config.port());
            if (tlsCertificate != null) {
                sb.https(listen).tls(tlsCertificate.toFile(), tlsKey.toFile());
            } else {
                sb.http(listen);
            }
            // the answers say nothing of the software that made them
            sb.disableServerHeader()
              .requestTimeout(Duration.ofSeconds(30))
              .maxRequestLength(GrpcLimits.MAX_MESSAGE_BYTES)
              .maxNumConnections(maxConnections)
              .gracefulShutdownTimeout(Duration.ofMillis(200), config.shutdownGrace());
            if (!publicPort) {
                sb.http2MaxResetFramesPerWindow(resetsPerMinute, 60)
                  .http2InitialStreamWindowSize(GrpcLimits.MESH_STREAM_WINDOW_BYTES)
                  .http2InitialConnectionWindowSize(GrpcLimits.MESH_CONNECTION_WINDOW_BYTES);
            } else {
                sb.http2MaxStreamsPerConnection(streamsPerConnection);
            }
            // Armeria runs decorators in reverse order of insertion: request ids, tracing, then these.
            for (int i = decorators.size() - 1; i >= 0; i--) {
                sb.decorator(decorators.get(i));
            }
            sb.decorator(new SecurityHeaders(tlsCertificate != null))
              .decorator(new ClientAddress(config.trustedProxies())::serve)
              .decorator(tracing::serve)
              .decorator(RequestIds::serve);

            final SettableHealthChecker serving = new SettableHealthChecker(database == null);
            final GrpcServiceBuilder grpc = GrpcService.builder()
                                                       .exceptionHandler(new GrpcErrorMapper(name))
                                                       .useBlockingTaskExecutor(true)
                                                       .maxRequestMessageLength(GrpcLimits.MAX_MESSAGE_BYTES)
                                                       .addService(ProtoReflectionServiceV1.newInstance())
                                                       .addService(GrpcHealthCheckService.builder()
                                                                                         .checkers(serving)
                                                                                         .build());
            // the methods marked @NonBlocking: no hand-off to the blocking executor and back
            final GrpcServiceBuilder eventLoop = GrpcService.builder()
                                                            .exceptionHandler(new GrpcErrorMapper(name))
                                                            .useBlockingTaskExecutor(false)
                                                            .maxRequestMessageLength(GrpcLimits.MAX_MESSAGE_BYTES);
            boolean anyOnEventLoop = false;
            final Set<String> unaryPaths = new HashSet<>();
            final Set<String> clientStreamPaths = new HashSet<>();
            final List<ServerInterceptor> interceptors = new ArrayList<>();
            // the last listed runs first: metrics see everything, auth runs before validation
            interceptors.add(new ValidationInterceptor(name));
            if (verifier != null) {
                interceptors.add(new AuthInterceptor(name, verifier));
            }
            interceptors.add(rpcMetrics);
            for (Hosted hosted : services) {
                // the contract's policy of every method, read now: a contradictory one stops the start
                hosted.definition().getMethods().forEach(method -> RpcPolicy.of(method.getMethodDescriptor()));
                hosted.definition().getMethods().stream()
                      .filter(method -> method.getMethodDescriptor().getType() == MethodType.UNARY)
                      .forEach(method -> unaryPaths.add('/' + method.getMethodDescriptor().getFullMethodName()));
                hosted.definition().getMethods().stream()
                      .filter(method -> !method.getMethodDescriptor().getType().clientSendsOneMessage())
                      .forEach(method -> clientStreamPaths.add('/' + method.getMethodDescriptor().getFullMethodName()));
                final ServerServiceDefinition intercepted = ServerInterceptors.intercept(hosted.definition(), interceptors);
                if (hosted.nonBlocking().isEmpty()) {
                    grpc.addService(intercepted);
                    continue;
                }
                final ServerServiceDefinition blocking = subset(intercepted, method -> !hosted.nonBlocking().contains(method));
                if (blocking != null) {
                    grpc.addService(blocking);
                }
                eventLoop.addService(subset(intercepted, hosted.nonBlocking()::contains));
                anyOnEventLoop = true;
            }
            // one bound for the service's calls, wherever they run, checked before any executor
            final CallShedding shedding = new CallShedding(name, concurrency, unaryPaths, registry);
            bindGrpc(sb, grpc.build(), shedding, clientStreamPaths);
            if (anyOnEventLoop) {
                bindGrpc(sb, eventLoop.build(), shedding, clientStreamPaths);
            }

            sb.service("/health", healthService != null ? healthService : (ctx, req) -> HttpResponse.of(
                    HttpStatus.OK, MediaType.JSON_UTF_8, "{\"status\":\"ok\",\"service\":\"%s\"}", name));
            sb.service("/health/ready", (ctx, req) -> HttpResponse.from(() -> {
                final boolean ready = database == null || database.isReady();
                return HttpResponse.of(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE, MediaType.JSON_UTF_8,
                                       "{\"status\":\"%s\",\"service\":\"%s\",\"checks\":{\"database\":\"%s\"}}",
                                       ready ? "ready" : "not_ready", name,
                                       database == null ? "none" : ready ? "up" : "down");
            }, ctx.blockingTaskExecutor()));
            final HttpService metrics = (ctx, req) -> HttpResponse.from(
                    () -> HttpResponse.of(HttpStatus.OK, MediaType.parse(TextFormat.CONTENT_TYPE_004),
                                          prometheusText(registry)),
                    ctx.blockingTaskExecutor());
            final Server management = config.metricsPort() == CommonConfig.METRICS_ON_SERVICE_PORT
                                      ? null : managementServer(metrics);
            if (management == null) {
                sb.service("/metrics", metrics);
            }
            sb.serviceUnder("/docs", DocService.builder().build());
            customizers.forEach(c -> c.accept(sb));

            if (database != null) {
                closeables.add(ScheduledJobs.on(name + "-readiness")
                                            .every("readiness check", Duration.ZERO, Duration.ofSeconds(2),
                                                   () -> serving.setHealthy(database.isReady())));
            }
            final Server server = sb.build();
            return new SextantServer(name, server, management, List.copyOf(closeables), registry);
        }

        /** A service to host, and the full names of its methods that run on the event loop. */
        private record Hosted(ServerServiceDefinition definition, Set<String> nonBlocking) {}

        /**
         * The full names of the RPCs whose implementing method is marked {@link NonBlocking}. The
         * generated base class names a method after its RPC with a lower-case first letter
         * ({@code ValidateToken}: {@code validateToken}); a marked method that implements no RPC
         * stops the start, as its mark would silently do nothing.
         */
        static Set<String> nonBlockingMethods(Class<?> implementation, ServerServiceDefinition definition) {
            final Set<String> out = new java.util.HashSet<>();
            for (java.lang.reflect.Method method : implementation.getMethods()) {
                if (!method.isAnnotationPresent(NonBlocking.class)) {
                    continue;
                }
                final String fullName = definition.getMethods().stream()
                        .map(m -> m.getMethodDescriptor())
                        .filter(m -> javaName(m.getBareMethodName()).equals(method.getName()))
                        .map(io.grpc.MethodDescriptor::getFullMethodName)
                        .findFirst()
                        .orElseThrow(() -> new IllegalArgumentException(
                                "@NonBlocking on " + implementation.getName() + "." + method.getName()
                                + ", which implements no RPC of " + definition.getServiceDescriptor().getName()));
                out.add(fullName);
            }
            return Set.copyOf(out);
        }

        private static String javaName(String rpc) {
            return Character.toLowerCase(rpc.charAt(0)) + rpc.substring(1);
        }

        /** The methods of a definition whose full name passes, as a definition of the same service; null for none. */
        /**
         * Binds the gRPC service route by route. The server's request length limit (one message's worth)
         * bounds a unary call; an upload stream (a client-streaming method) is unbounded as a whole and
         * bounded per message by the service's message length limit, so its routes have none: the limit
         * must be set where the route is bound, since Armeria checks it as the request arrives, before
         * the service runs (armeria#3803). Nor has it the server's request timeout: a large upload takes
         * its time; a caller's own deadline (grpc-timeout) still bounds it, and its going away ends it.
         */
        private static void bindGrpc(ServerBuilder sb, GrpcService service, CallShedding shedding,
                                     Set<String> clientStreamPaths) {
            for (Route route : service.routes()) {
                final ServiceBindingBuilder binding = sb.route().addRoute(route);
                if (route.paths().stream().anyMatch(clientStreamPaths::contains)) {
                    binding.maxRequestLength(0).requestTimeoutMillis(0);
                }
                binding.decorator(shedding.decorator()).build(service);
            }
        }

        private static ServerServiceDefinition subset(ServerServiceDefinition all,
                                                      java.util.function.Predicate<String> fullName) {
            final io.grpc.ServiceDescriptor full = all.getServiceDescriptor();
            final io.grpc.ServiceDescriptor.Builder descriptor =
                    io.grpc.ServiceDescriptor.newBuilder(full.getName()).setSchemaDescriptor(full.getSchemaDescriptor());
            final List<io.grpc.ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
            for (io.grpc.ServerMethodDefinition<?, ?> method : all.getMethods()) {
                if (fullName.test(method.getMethodDescriptor().getFullMethodName())) {
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

        /** The server of the management port: {@code GET /metrics} alone, plain HTTP, on METRICS_ADDRESS. */
        private Server managementServer(HttpService metrics) {
            final InetAddress address;
            try {
                address = InetAddress.getByName(config.metricsAddress()); // an IP literal: nothing is resolved
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("METRICS_ADDRESS is not an IP address: " + config.metricsAddress(), e);
            }
            return Server.builder()
                         .port(new InetSocketAddress(address, config.metricsPort()), SessionProtocol.HTTP)
                         .disableServerHeader()
                         .gracefulShutdownTimeout(Duration.ZERO, Duration.ofSeconds(1))
                         .decorator(new SecurityHeaders(false))
                         .service("/metrics", metrics)
                         .build();
        }

        /** The registry's samples in the Prometheus text format. */
        public static String prometheusText(CollectorRegistry registry) {
            final StringWriter writer = new StringWriter(16 * 1024);
            try {
                TextFormat.write004(writer, registry.metricFamilySamples());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return writer.toString();
        }
    }
}
