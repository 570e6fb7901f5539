package io.sextant.gateway;

import java.time.Duration;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.HttpClient;
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

/** The gRPC clients of a backend: the one calls are forwarded over, and the health checker's. */
final class BackendChannels {

    private static final String X_FORWARDED_FOR = "x-forwarded-for";

    private BackendChannels() {}

    /**
     * A channel for any method of the API, with the platform's client decorators (circuit breaker,
     * caller's Authorization, request id, trace context) and the caller's address. Deadlines are set
     * per call. A response stream (a download) may be of any length; each message is limited.
     */
    static Channel forwarding(Backend backend, ServiceDescriptor api, String target, int maxMessageLength) {
        return ServiceClients.builder(backend.name(), target, Duration.ZERO)
                             .maxResponseLength(0)
                             .maxResponseMessageLength(maxMessageLength)
                             .decorator(BackendChannels::forwardClientAddress)
                             .clientStubFactory(new PlainChannel(api))
                             .build(Channel.class);
    }

    /** A client of the backend's {@code grpc.health.v1} service, with no circuit breaker: it must see recovery at once. */
    static HealthGrpc.HealthStub health(String target, Duration timeout) {
        return GrpcClients.builder(SessionProtocol.HTTP, ServiceClients.endpoints(target))
                          .responseTimeout(timeout)
                          .build(HealthGrpc.HealthStub.class);
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
