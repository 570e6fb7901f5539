package io.sextant.platform.server;

import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import com.netflix.concurrency.limits.Limiter;
import com.netflix.concurrency.limits.limiter.SimpleLimiter;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.grpc.protocol.GrpcHeaderNames;
import com.linecorp.armeria.common.logging.RequestLog;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.SimpleDecoratingHttpService;

import io.grpc.Status.Code;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import io.prometheus.client.Gauge;
import io.sextant.platform.error.Errors;
import io.sextant.platform.error.GrpcErrorMapper;
import io.sextant.platform.grpc.ConcurrencyLimit;
import io.sextant.platform.grpc.TargetAdmission;

/**
 * A service sheds the unary calls it cannot serve soon: a bound on its calls in flight
 * ({@link ConcurrencyLimit}, SERVER_CONCURRENCY_MIN/MAX, adaptive by default), checked on the event
 * loop before a call is dispatched to an executor. A call past the bound is answered at once
 * UNAVAILABLE, reason {@code SERVER_OVERLOADED}, with a {@code google.rpc.RetryInfo}, rather than
 * queued on the executor until its deadline passes: the caller learns in microseconds, and the
 * calls already admitted keep their latency. Callers' breakers ignore such an answer (the service
 * is alive and pacing them; {@link io.sextant.platform.grpc.TargetCircuitBreaker}).
 *
 * <p>Only unary calls count: a stream (auth's revocation stream to every service, a download) may
 * rightly last for hours. Health checks are never shed.
 *
 * <p>Metrics: {@code sextant_server_concurrency_limit}, {@code sextant_server_calls_in_flight},
 * {@code sextant_server_calls_shed_total}.
 */
final class CallShedding {

    private static final String CANCELLED = String.valueOf(Code.CANCELLED.value());
    private static final String DEADLINE_EXCEEDED = String.valueOf(Code.DEADLINE_EXCEEDED.value());
    private static final String UNAVAILABLE = String.valueOf(Code.UNAVAILABLE.value());

    private final SimpleLimiter<Void> limiter;
    private final Set<String> unaryPaths;
    private final Counter shed;
    private final String statusDetails;
    private final String message;

    CallShedding(String service, ConcurrencyLimit limit, Set<String> unaryPaths, CollectorRegistry registry) {
        this.limiter = limit.newLimiter(service);
        this.unaryPaths = Set.copyOf(unaryPaths);
        this.message = "the " + service + " service is overloaded; try again later";
        // the same answer every time: made once
        final com.google.rpc.Status status = GrpcErrorMapper.toStatusProto(
                Errors.of(Code.UNAVAILABLE, "SERVER_OVERLOADED", message, Map.of("service", service)),
                service + ".sextant.io", TargetAdmission.RETRY_AFTER);
        this.statusDetails = Base64.getEncoder().withoutPadding().encodeToString(status.toByteArray());
        shed = Counter.build("sextant_server_calls_shed", "Unary calls refused at once: the bound on calls in "
                                                          + "flight was reached").register(registry);
        Gauge.build("sextant_server_concurrency_limit", "The bound on unary calls in flight now")
             .create().setChild(new Gauge.Child() {
                 @Override
                 public double get() {
                     return limiter.getLimit();
                 }
             }).register(registry);
        Gauge.build("sextant_server_calls_in_flight", "Unary calls in flight")
             .create().setChild(new Gauge.Child() {
                 @Override
                 public double get() {
                     return limiter.getInflight();
                 }
             }).register(registry);
    }

    /** The decorator of the server's gRPC service. */
    Function<? super HttpService, ? extends HttpService> decorator() {
        return delegate -> new SimpleDecoratingHttpService(delegate) {
            @Override
            public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) throws Exception {
                if (!unaryPaths.contains(ctx.path())) {
                    return unwrap().serve(ctx, req);
                }
                final Optional<Limiter.Listener> admitted = limiter.acquire(null);
                if (admitted.isEmpty()) {
                    shed.inc();
                    return refusal(req);
                }
                final Limiter.Listener listener = admitted.get();
                ctx.log().whenComplete().thenAccept(log -> learn(listener, log));
                return unwrap().serve(ctx, req);
            }
        };
    }

    /** A trailers-only gRPC answer: UNAVAILABLE, with the status details (ErrorInfo, RetryInfo). */
    private HttpResponse refusal(HttpRequest req) {
        final MediaType type = req.contentType();
        return HttpResponse.of(ResponseHeaders.builder(HttpStatus.OK)
                                              .contentType(type != null ? type : MediaType.parse("application/grpc"))
                                              .add(GrpcHeaderNames.GRPC_STATUS, UNAVAILABLE)
                                              .add(GrpcHeaderNames.GRPC_MESSAGE, message)
                                              .add(HttpHeaderNames.of("grpc-status-details-bin"), statusDetails)
                                              .endOfStream(true)
                                              .build());
    }

    private static void learn(Limiter.Listener listener, RequestLog log) {
        final String inTrailers = log.responseTrailers().get(GrpcHeaderNames.GRPC_STATUS);
        final String status = inTrailers != null ? inTrailers : log.responseHeaders().get(GrpcHeaderNames.GRPC_STATUS);
        if (DEADLINE_EXCEEDED.equals(status)) {
            listener.onDropped();
        } else if (status == null || CANCELLED.equals(status)) {
            listener.onIgnore(); // the caller went away: nothing learnt of this service's latency
        } else {
            listener.onSuccess();
        }
    }
}
