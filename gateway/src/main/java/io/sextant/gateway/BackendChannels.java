package io.sextant.gateway;

import java.time.Duration;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.HttpClient;
import com.linecorp.armeria.client.endpoint.EndpointGroup;
import com.linecorp.armeria.client.grpc.GrpcClientStubFactory;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.Channel;
import io.grpc.ServiceDescriptor;
import io.grpc.health.v1.HealthGrpc;
import io.sextant.platform.grpc.ServiceClients;
import io.sextant.platform.server.ClientAddress;

/**
 * The gRPC clients of one backend, over its endpoints ({@link BackendEndpoints}): the one calls are
 * forwarded over, with its retries and circuit breaker, and the health checker's, with neither.
 */
final class BackendChannels implements AutoCloseable {

    private static final String X_FORWARDED_FOR = "x-forwarded-for";

    private final Backend backend;
    private final EndpointGroup endpoints;
    private final BackendRetries retries;
    private final BackendCircuitBreaker breaker;

    private BackendChannels(Backend backend, EndpointGroup endpoints, BackendRetries retries,
                            BackendCircuitBreaker breaker) {
        this.backend = backend;
        this.endpoints = endpoints;
        this.retries = retries;
        this.breaker = breaker;
    }

    /** The clients of the backend as the configuration says; close them with the gateway. */
    static BackendChannels of(Backend backend, GatewayConfig config) {
        return new BackendChannels(backend, BackendEndpoints.of(config.target(backend)),
                                   new BackendRetries(backend.apis(), config.retryAttempts()),
                                   new BackendCircuitBreaker(backend.name(), config.circuitBreakerFailures(),
                                                             config.circuitBreakerOpenFor()));
    }

    /**
     * A channel for any method of the API, with the platform's client decorators (caller's
     * Authorization, request id, trace context), the caller's address, retries and the circuit
     * breaker. Deadlines are set per call. A response stream (a download) may be of any length;
     * each message is limited.
     */
    Channel forwarding(ServiceDescriptor api, int maxMessageLength) {
        return ServiceClients.builder(endpoints, Duration.ZERO)
                             .maxResponseLength(0)
                             .maxResponseMessageLength(maxMessageLength)
                             // the last added runs first: the breaker sees a call once, after its retries,
                             // and turns it away before any retry while open
                             .decorator(retries.decorator())
                             .decorator(breaker.decorator())
                             .decorator(BackendChannels::forwardClientAddress)
                             .clientStubFactory(new PlainChannel(api))
                             .build(Channel.class);
    }

    /** A client of the backend's {@code grpc.health.v1} service, with no circuit breaker: it must see recovery at once. */
    HealthGrpc.HealthStub health(Duration timeout) {
        return GrpcClients.builder(SessionProtocol.HTTP, endpoints)
                          .responseTimeout(timeout)
                          .build(HealthGrpc.HealthStub.class);
    }

    @Override
    public void close() {
        endpoints.close(); // stops the health checks and DNS queries, if any
    }

    @Override
    public String toString() {
        return "BackendChannels{" + backend.name() + '}';
    }

    /**
     * Sends the caller's address as the only X-Forwarded-For value. The gateway resolved it itself
     * ({@link ClientAddress}: the peer, or the rightmost untrusted hop behind its TRUSTED_PROXIES,
     * none by default), so a client cannot make a backend believe another address.
     */
    private static HttpResponse forwardClientAddress(HttpClient delegate, ClientRequestContext ctx, HttpRequest req)
            throws Exception {
        final ServiceRequestContext served = ctx.root();
        if (served == null) {
            return delegate.execute(ctx, req);
        }
        final HttpRequest forwarded = req.withHeaders(
                req.headers().toBuilder().set(X_FORWARDED_FOR, ClientAddress.current()));
        ctx.updateRequest(forwarded);
        return delegate.execute(ctx, forwarded);
    }

    /** Makes the gRPC client builder return a plain {@link Channel} rather than a generated stub. */
    private record PlainChannel(ServiceDescriptor api) implements GrpcClientStubFactory {

        @Override
        public ServiceDescriptor findServiceDescriptor(Class<?> clientType) {
            return clientType == Channel.class ? api : null;
        }

        @Override
        public Object newClientStub(Class<?> clientType, Channel channel) {
            return channel;
        }
    }
}
