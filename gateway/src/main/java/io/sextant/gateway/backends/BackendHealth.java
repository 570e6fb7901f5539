package io.sextant.gateway.backends;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;

/**
 * {@code GET /health} of the gateway: asks every service's {@code grpc.health.v1} service (which
 * answers SERVING when the service and its database are up) in parallel, each within HEALTH_TIMEOUT,
 * and answers {@code {"status": "healthy|degraded|unhealthy", "gateway": "ok", "services": {"auth":
 * "healthy", "users": "unhealthy", ...}}}.
 *
 * <p>The status is healthy when every service is, unhealthy when none is, degraded otherwise. The
 * HTTP status is 200 for healthy and degraded, since the gateway still serves the routes of the
 * services that are up, and 503 for unhealthy, since it can serve nothing. The gateway's own
 * liveness and readiness are {@code /health/ready} (it has no database), so a probe there does not
 * restart the gateway for a backend's outage.
 */
public final class BackendHealth implements HttpService {

    /** One service to ask. */
    public record Probe(String service, HealthGrpc.HealthStub stub) {}

    private final List<Probe> probes;
    private final Duration timeout;

    public BackendHealth(List<Probe> probes, Duration timeout) {
        this.probes = List.copyOf(probes);
        this.timeout = timeout;
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        final Map<String, CompletableFuture<Boolean>> checks = new LinkedHashMap<>();
        for (Probe probe : probes) {
            checks.put(probe.service(), isServing(probe.stub()));
        }
        return HttpResponse.of(CompletableFuture.allOf(checks.values().toArray(CompletableFuture[]::new))
                                                .thenApply(unused -> render(checks)));
    }

    private CompletableFuture<Boolean> isServing(HealthGrpc.HealthStub stub) {
        final CompletableFuture<Boolean> serving = new CompletableFuture<>();
        stub.withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS)
            .check(HealthCheckRequest.getDefaultInstance(), new StreamObserver<>() {
                @Override
                public void onNext(HealthCheckResponse response) {
                    serving.complete(response.getStatus() == ServingStatus.SERVING);
                }

                @Override
                public void onError(Throwable t) {
                    serving.complete(false); // down, too slow, or no health service: not healthy
                }

                @Override
                public void onCompleted() {
                    serving.complete(false); // no effect after onNext
                }
            });
        return serving;
    }

    private static HttpResponse render(Map<String, CompletableFuture<Boolean>> checks) {
        final ObjectNode services = JsonNodeFactory.instance.objectNode();
        int healthy = 0;
        for (Map.Entry<String, CompletableFuture<Boolean>> check : checks.entrySet()) {
            final boolean up = check.getValue().join();
            services.put(check.getKey(), up ? "healthy" : "unhealthy");
            healthy += up ? 1 : 0;
        }
        final String status = healthy == checks.size() ? "healthy" : healthy == 0 ? "unhealthy" : "degraded";
        final ObjectNode body = JsonNodeFactory.instance.objectNode().put("status", status).put("gateway", "ok");
        body.set("services", services);
        final ResponseHeaders headers =
                ResponseHeaders.builder(status.equals("unhealthy") ? HttpStatus.SERVICE_UNAVAILABLE : HttpStatus.OK)
                               .contentType(MediaType.JSON_UTF_8)
                               .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                               .build();
        return HttpResponse.of(headers, HttpData.ofUtf8(body.toString()));
    }
}
