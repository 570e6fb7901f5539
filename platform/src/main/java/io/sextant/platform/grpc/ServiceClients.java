package io.sextant.platform.grpc;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.HttpClient;
import com.linecorp.armeria.client.circuitbreaker.CircuitBreaker;
import com.linecorp.armeria.client.circuitbreaker.CircuitBreakerClient;
import com.linecorp.armeria.client.circuitbreaker.CircuitBreakerRule;
import com.linecorp.armeria.client.endpoint.EndpointGroup;
import com.linecorp.armeria.client.grpc.GrpcClientBuilder;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.sextant.platform.identity.AuthorizationHeader;
import io.sextant.platform.telemetry.RequestIds;
import io.sextant.platform.telemetry.Tracing;

/**
 * gRPC clients for calls between services: a deadline on every call, the trace context and request
 * id sent along, the caller's credentials passed on, and a circuit breaker per target that fails
 * fast while the target is down.
 */
public final class ServiceClients {

    private ServiceClients() {}

    /** Parses {@code host:port[,host:port...]} into an endpoint group. */
    public static EndpointGroup endpoints(String target) {
        final List<Endpoint> endpoints = new ArrayList<>();
        for (String part : target.split(",")) {
            if (!part.isBlank()) {
                endpoints.add(Endpoint.parse(part.trim()));
            }
        }
        return endpoints.size() == 1 ? endpoints.get(0) : EndpointGroup.of(endpoints);
    }

    /**
     * A builder for a client of the named target service, with the platform's decorators. Call
     * {@code build(SomeServiceGrpc.SomeServiceBlockingStub.class)} on it.
     *
     * @param deadline the deadline of each call; {@link Duration#ZERO} for none (long-lived streams)
     */
    public static GrpcClientBuilder builder(String targetName, String target, Duration deadline) {
        final CircuitBreaker breaker = CircuitBreaker.builder(targetName)
                                                     .minimumRequestThreshold(5)
                                                     .failureRateThreshold(0.5)
                                                     .circuitOpenWindow(Duration.ofSeconds(5))
                                                     .build();
        return withPropagation(GrpcClients.builder(SessionProtocol.HTTP, endpoints(target))
                                          .decorator(CircuitBreakerClient.newDecorator(
                                                  breaker, CircuitBreakerRule.onException())),
                               deadline);
    }

    /**
     * As {@link #builder(String, String, Duration)}, with no circuit breaker: for a caller that adds
     * its own around it (the gateway: retries, and a breaker that counts consecutive failures).
     */
    public static GrpcClientBuilder builder(EndpointGroup endpoints, Duration deadline) {
        return withPropagation(GrpcClients.builder(SessionProtocol.HTTP, endpoints), deadline);
    }

    private static GrpcClientBuilder withPropagation(GrpcClientBuilder builder, Duration deadline) {
        return builder.responseTimeout(deadline)
                      .maxResponseLength(GrpcLimits.MAX_MESSAGE_BYTES)
                      .decorator(ServiceClients::propagate)
                      .decorator(Tracing::propagate);
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
}
