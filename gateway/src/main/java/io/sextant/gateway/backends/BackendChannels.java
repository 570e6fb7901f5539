package io.sextant.gateway.backends;

import java.time.Duration;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.HttpClient;
import com.linecorp.armeria.client.grpc.GrpcClientStubFactory;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.Channel;
import io.grpc.ServiceDescriptor;
import io.grpc.health.v1.HealthGrpc;
import io.prometheus.client.CollectorRegistry;
import io.sextant.platform.grpc.ConcurrencyLimit;
import io.sextant.platform.grpc.ServiceClient;
import io.sextant.platform.server.ClientAddress;

/**
 * The gRPC clients of one backend: the platform's {@link ServiceClient} (endpoints, retries,
 * breaker, the same policy as every service's calls to another), configured from the gateway's
 * settings. The one calls are forwarded over has its retries and circuit breaker; the health
 * checker's has neither.
 */
public final class BackendChannels implements AutoCloseable {

    private static final String X_FORWARDED_FOR = "x-forwarded-for";

    private final Backend backend;
    private final ServiceClient client;

    private BackendChannels(Backend backend, ServiceClient client) {
        this.backend = backend;
        this.client = client;
    }

    /**
     * The clients of the backend at the target, with the gateway's retry, circuit breaker and
     * admission settings, their metrics in the gateway's registry; close them with the gateway.
     */
    public static BackendChannels of(Backend backend, String target, int retryAttempts,
                                     int circuitBreakerFailures, Duration circuitBreakerOpenFor,
                                     ConcurrencyLimit concurrency, CollectorRegistry registry) {
        return new BackendChannels(backend, ServiceClient.builder(backend.name(), target)
                                                         .apis(backend.apis())
                                                         // set per call: the caller's, or the backend's
                                                         .deadline(Duration.ZERO)
                                                         .retryAttempts(retryAttempts)
                                                         .circuitBreaker(circuitBreakerFailures, circuitBreakerOpenFor)
                                                         .concurrency(concurrency)
                                                         .metrics(registry, "gateway")
                                                         .build());
    }

    /**
     * A channel for any method of the API, with the platform's client decorators (caller's
     * Authorization, request id, trace context), the caller's address, retries and the circuit
     * breaker. Deadlines are set per call. A response stream (a download) may be of any length;
     * each message is limited.
     */
    public Channel forwarding(ServiceDescriptor api, int maxMessageLength) {
        return client.clientBuilder()
                     .maxResponseLength(0)
                     .maxResponseMessageLength(maxMessageLength)
                     .decorator(BackendChannels::forwardClientAddress)
                     .clientStubFactory(new PlainChannel(api))
                     .build(Channel.class);
    }

    /** A client of the backend's {@code grpc.health.v1} service, with no circuit breaker: it must see recovery at once. */
    public HealthGrpc.HealthStub health(Duration timeout) {
        return client.unguardedClientBuilder()
                     .responseTimeout(timeout)
                     .build(HealthGrpc.HealthStub.class);
    }

    @Override
    public void close() {
        client.close(); // stops the health checks and DNS queries, if any
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
