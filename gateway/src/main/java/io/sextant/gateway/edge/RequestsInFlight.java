package io.sextant.gateway.edge;

import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.grpc.protocol.GrpcHeaderNames;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.Status.Code;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import io.prometheus.client.Gauge;
import io.sextant.gateway.errors.GrpcContent;
import io.sextant.gateway.errors.RestErrorBody;
import io.sextant.platform.error.Errors;
import io.sextant.platform.error.GrpcErrorMapper;
import io.sextant.platform.grpc.TargetAdmission;

/**
 * The gateway's bound on the requests it holds at once, whatever they are for (MAX_REQUESTS_IN_FLIGHT).
 * The per-backend admission ({@link TargetAdmission}) bounds the calls sent to each service, but past
 * the machine's capacity requests pile up before any backend is chosen: each accepted request holds a
 * server context, a client context and buffers until it ends, and a flood of them exhausted the heap.
 * This decorator is the gateway's first (inside the platform's request ids, tracing and security
 * headers only): a request past the bound is answered at once, before transcoding or the token
 * check, with 503 and {@code Retry-After: 1} in the caller's protocol (the
 * REST error body {@code GATEWAY_OVERLOADED}, or a trailers-only gRPC UNAVAILABLE with the same ErrorInfo
 * and a RetryInfo), so the memory the gateway holds stays bounded and the caller learns in microseconds.
 *
 * <p>Metrics: {@code sextant_gateway_requests_in_flight}, {@code sextant_gateway_requests_refused_total}.
 */
public final class RequestsInFlight implements DecoratingHttpServiceFunction {

    static final String REASON = "GATEWAY_OVERLOADED";

    private final int max;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Counter refused;
    private final com.google.rpc.Status status;
    private final String statusDetails;
    private final String message;

    /** @param max the requests held at once */
    public RequestsInFlight(int max, CollectorRegistry registry) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1: " + max);
        }
        this.max = max;
        this.message = "the gateway has as many requests in flight as it allows (" + max + "); try again later";
        // the same answer every time: made once
        this.status = GrpcErrorMapper.toStatusProto(
                Errors.of(Code.UNAVAILABLE, REASON, message, Map.of("max_requests_in_flight", String.valueOf(max))),
                RestErrorBody.DOMAIN, TargetAdmission.RETRY_AFTER);
        this.statusDetails = Base64.getEncoder().withoutPadding().encodeToString(status.toByteArray());
        refused = Counter.build("sextant_gateway_requests_refused", "Requests answered 503 at once: the gateway "
                                                                    + "held MAX_REQUESTS_IN_FLIGHT requests")
                         .register(registry);
        Gauge.build("sextant_gateway_requests_in_flight", "Requests the gateway holds now")
             .create().setChild(new Gauge.Child() {
                 @Override
                 public double get() {
                     return inFlight.get();
                 }
             }).register(registry);
    }

    @Override
    public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req) throws Exception {
        if (inFlight.incrementAndGet() > max) {
            inFlight.decrementAndGet();
            refused.inc();
            return refusal(ctx, req);
        }
        ctx.log().whenComplete().thenRun(inFlight::decrementAndGet);
        return delegate.serve(ctx, req);
    }

    /** The requests held now. */
    int inFlight() {
        return inFlight.get();
    }

    private HttpResponse refusal(ServiceRequestContext ctx, HttpRequest req) {
        final MediaType type = req.contentType();
        if (GrpcContent.isGrpc(type)) {
            return HttpResponse.of(ResponseHeaders.builder(HttpStatus.OK)
                                                  .contentType(type)
                                                  .add(GrpcHeaderNames.GRPC_STATUS, String.valueOf(Code.UNAVAILABLE.value()))
                                                  .add(GrpcHeaderNames.GRPC_MESSAGE, message)
                                                  .add(HttpHeaderNames.of("grpc-status-details-bin"), statusDetails)
                                                  .endOfStream(true)
                                                  .build());
        }
        return RestErrorBody.ofGrpcStatus(ctx, Code.UNAVAILABLE, message, status).toHttpResponse();
    }
}
