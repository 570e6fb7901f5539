package io.sextant.platform.grpc;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.HttpClient;
import com.linecorp.armeria.client.endpoint.EndpointGroup;
import com.linecorp.armeria.client.grpc.GrpcClientBuilder;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServiceDescriptor;
import io.prometheus.client.CollectorRegistry;
import io.sextant.platform.telemetry.RequestIds;
import io.sextant.platform.telemetry.Tracing;

/**
 * The client side of one other service, the one policy for every call a service makes to another
 * and for the gateway's calls to its backends:
 *
 * <ul>
 *   <li>admission control: a bound on the unary calls in flight to the target, adaptive between a
 *       minimum and a maximum ({@link TargetAdmission}, {@link ConcurrencyLimit}); a call past it is
 *       refused at once, never sent, retried or counted by the breaker;</li>
 *   <li>where: the target's endpoints ({@link TargetEndpoints}: {@code host:port}, a
 *       {@code host:port,...} list or a {@code dns:///host:port} name, the last two health-checked
 *       on {@code /health/ready} and called round robin);</li>
 *   <li>a deadline on every unary call ({@link Builder#deadline}), covering its retries;</li>
 *   <li>retries of calls that never reached the target, and of idempotent methods (an HTTP rule
 *       with GET, or {@code idempotency_level} NO_SIDE_EFFECTS or IDEMPOTENT) that it answered
 *       UNAVAILABLE, within a retry budget per target ({@link TargetRetries});</li>
 *   <li>a circuit breaker per target that opens after N failures in a row, where only an
 *       unavailable or too slow target counts ({@link TargetCircuitBreaker});</li>
 *   <li>the request id, the W3C trace context and the caller's credentials go along: the
 *       {@code Authorization} value the server verified ({@link AuthorizationHeader#checked}),
 *       never the raw header read again.</li>
 * </ul>
 *
 * <p>A service declares its client of another in a few lines, and closes it with its server:
 *
 * <pre>{@code
 * ServiceClient auth = ServiceClient.builder("auth", config.authTarget(), AuthServiceGrpc.getServiceDescriptor())
 *                                   .deadline(Duration.ofSeconds(5))
 *                                   .build();
 * builder.closeOnStop(auth);
 * AuthServiceBlockingStub stub = auth.stub(AuthServiceBlockingStub.class);
 * }</pre>
 */
public final class ServiceClient implements AutoCloseable {

    /** Attempts a retried call may take in all, the first one included (the gateway's RETRY_MAX_ATTEMPTS). */
    public static final int DEFAULT_RETRY_ATTEMPTS = 3;
    /** Failures in a row that open the breaker (the gateway's CIRCUIT_BREAKER_FAILURES). */
    public static final int DEFAULT_BREAKER_FAILURES = 5;
    /** How long an open breaker turns calls away before a trial (the gateway's CIRCUIT_BREAKER_OPEN_FOR). */
    public static final Duration DEFAULT_BREAKER_OPEN_FOR = Duration.ofSeconds(10);
    /** The deadline of a unary call unless the builder says otherwise. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(5);

    private final String service;
    private final EndpointGroup endpoints;
    private final Duration deadline;
    private final TargetRetries retries;
    private final TargetCircuitBreaker breaker;
    private final TargetAdmission admission;

    private ServiceClient(Builder builder) {
        service = builder.service;
        endpoints = TargetEndpoints.of(builder.target);
        deadline = builder.deadline;
        retries = new TargetRetries(builder.apis, builder.retryAttempts);
        breaker = new TargetCircuitBreaker(builder.service, builder.breakerFailures, builder.breakerOpenFor);
        admission = new TargetAdmission(builder.service, builder.concurrency, unaryPaths(builder.apis));
        if (builder.registry != null) {
            ClientMetrics.of(builder.registry).add(builder.caller, service, breaker, admission);
        }
    }

    /** The HTTP/2 paths ({@code /package.Service/Method}) of the unary methods of the APIs. */
    private static Set<String> unaryPaths(List<ServiceDescriptor> apis) {
        return apis.stream()
                   .flatMap(api -> api.getMethods().stream())
                   .filter(method -> method.getType() == MethodType.UNARY)
                   .map(method -> '/' + method.getFullMethodName())
                   .collect(Collectors.toUnmodifiableSet());
    }

    /**
     * A builder of the client of the named service at {@code target} ({@link TargetEndpoints}),
     * whose {@code apis} say which of its methods are idempotent.
     *
     * @throws IllegalArgumentException when the target is none of the forms (configuration checks
     *         it first: {@link io.sextant.platform.config.Targets#check})
     */
    public static Builder builder(String service, String target, ServiceDescriptor... apis) {
        return new Builder(service, target, List.of(apis));
    }

    /** A stub of the service with the whole policy: {@code stub(UsersServiceBlockingStub.class)}. */
    public <T> T stub(Class<T> stubType) {
        return clientBuilder().build(stubType);
    }

    /**
     * A gRPC client builder with the whole policy, for a caller that sets more (its own decorators,
     * which run before the platform's, a client factory, message limits).
     */
    public GrpcClientBuilder clientBuilder() {
        return unguardedClientBuilder()
                // the last added runs first: the breaker sees a call once, after its retries, and
                // turns it away before any retry while open
                .decorator(retries.decorator())
                .decorator(breaker.decorator())
                // first of all: a call past the bound is refused before the breaker or a retry sees it
                .decorator(admission.decorator());
    }

    /**
     * A gRPC client builder over the same endpoints with the deadline and the propagation of the
     * caller's context, but neither retries nor breaker: for a health check, which must see a
     * recovery at once, and for a long-lived stream, which reconnects with its own backoff.
     */
    public GrpcClientBuilder unguardedClientBuilder() {
        return GrpcClients.builder(SessionProtocol.HTTP, endpoints)
                          .factory(GrpcLimits.meshClientFactory())
                          .responseTimeout(deadline)
                          .maxResponseLength(GrpcLimits.MAX_MESSAGE_BYTES)
                          .decorator(ServiceClient::propagate)
                          .decorator(Tracing::propagate);
    }

    /** The service's name, as its breaker and logs call it. */
    public String service() {
        return service;
    }

    /** The endpoints calls go to. */
    public EndpointGroup endpoints() {
        return endpoints;
    }

    /** The deadline of each unary call; {@link Duration#ZERO} for none (set per call). */
    public Duration deadline() {
        return deadline;
    }

    /** The target's breaker. */
    public TargetCircuitBreaker breaker() {
        return breaker;
    }

    /** The bound on the unary calls in flight to the target. */
    public TargetAdmission admission() {
        return admission;
    }

    /** Stops the health checks and DNS queries of the endpoints, if any. */
    @Override
    public void close() {
        endpoints.close();
    }

    @Override
    public String toString() {
        return "ServiceClient{" + service + ", " + endpoints + '}';
    }

    /**
     * Sends the request id and the caller's bearer token of the call being served, if any: the
     * {@code Authorization} value the server checked ({@link AuthorizationHeader#checked}).
     */
    private static HttpResponse propagate(HttpClient delegate, ClientRequestContext ctx, HttpRequest req)
            throws Exception {
        final ServiceRequestContext served = ctx.root();
        if (served == null) {
            return delegate.execute(ctx, req);
        }
        final var headers = req.headers().toBuilder();
        final String requestId = RequestIds.of(served);
        if (requestId != null && !req.headers().contains(RequestIds.HEADER)) {
            headers.set(RequestIds.HEADER, requestId);
        }
        // the value this server verified, not the raw header read again (which of two would it be?)
        final String authorization = AuthorizationHeader.checked(served);
        if (authorization != null && !req.headers().contains(HttpHeaderNames.AUTHORIZATION)) {
            headers.set(HttpHeaderNames.AUTHORIZATION, authorization);
        }
        final HttpRequest newReq = req.withHeaders(headers.build());
        ctx.updateRequest(newReq);
        return delegate.execute(ctx, newReq);
    }

    /** The settings of a {@link ServiceClient}; each has the gateway's default. */
    public static final class Builder {

        private final String service;
        private final String target;
        private final List<ServiceDescriptor> apis = new ArrayList<>();
        private Duration deadline = DEFAULT_DEADLINE;
        private int retryAttempts = DEFAULT_RETRY_ATTEMPTS;
        private int breakerFailures = DEFAULT_BREAKER_FAILURES;
        private Duration breakerOpenFor = DEFAULT_BREAKER_OPEN_FOR;
        private ConcurrencyLimit concurrency = ConcurrencyLimit.DEFAULT_CLIENT;
        private CollectorRegistry registry;
        private String caller;

        private Builder(String service, String target, List<ServiceDescriptor> apis) {
            this.service = service;
            this.target = target;
            this.apis.addAll(apis);
        }

        /** More APIs the service serves, whose methods say which calls are idempotent. */
        public Builder apis(List<ServiceDescriptor> more) {
            apis.addAll(more);
            return this;
        }

        /** The deadline of each unary call, every attempt included; {@link Duration#ZERO}: none, set per call. */
        public Builder deadline(Duration deadline) {
            if (deadline.isNegative()) {
                throw new IllegalArgumentException("deadline: " + deadline);
            }
            this.deadline = deadline;
            return this;
        }

        /** The attempts a retried call may take in all, the first one included; 1 turns retries off. */
        public Builder retryAttempts(int attempts) {
            if (attempts < 1) {
                throw new IllegalArgumentException("retryAttempts: " + attempts);
            }
            this.retryAttempts = attempts;
            return this;
        }

        /** The breaker opens after {@code failures} in a row and turns calls away for {@code openFor}. */
        public Builder circuitBreaker(int failures, Duration openFor) {
            if (failures < 1 || openFor.isNegative() || openFor.isZero()) {
                throw new IllegalArgumentException("circuitBreaker: " + failures + ", " + openFor);
            }
            this.breakerFailures = failures;
            this.breakerOpenFor = openFor;
            return this;
        }

        /** The bound on the unary calls in flight to the target (the gateway's BACKEND_CONCURRENCY_MIN/MAX). */
        public Builder concurrency(ConcurrencyLimit limit) {
            this.concurrency = limit;
            return this;
        }

        /**
         * Exports the breaker's state and the admission bound ({@link ClientMetrics}) in the registry
         * of the server that owns the client, labelled with its service, the {@code caller}.
         */
        public Builder metrics(CollectorRegistry registry, String caller) {
            this.registry = registry;
            this.caller = caller;
            return this;
        }

        /** The client; close it with the service that uses it. */
        public ServiceClient build() {
            return new ServiceClient(this);
        }
    }
}
