package io.sextant.platform.telemetry;

import java.net.URI;
import java.util.concurrent.TimeUnit;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.HttpClient;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.RequestContext;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import com.linecorp.armeria.common.logging.RequestLog;
import com.linecorp.armeria.common.logging.RequestLogProperty;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.netty.util.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.IdGenerator;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;

/**
 * OpenTelemetry tracing with W3C {@code traceparent} across every hop. A server span starts for
 * every call (continuing the caller's trace when it sent one) and is kept in the Armeria request
 * context, so that log lines carry {@code trace_id}/{@code span_id} and outgoing calls made while
 * serving it send it on. Spans are exported over OTLP when {@code OTEL_EXPORTER_OTLP_ENDPOINT} is set.
 *
 * <p>Without an exporter nothing would ever read a recorded span, so none is recorded: the call gets a
 * non-recording span with fresh ids in the caller's trace (what logs and the {@code traceparent} sent
 * on need), which costs two random numbers instead of a span with attributes and a completion callback.
 */
public final class Tracing implements AutoCloseable {

    private static final AttributeKey<Span> SPAN = AttributeKey.valueOf(Tracing.class, "SPAN");
    private static final W3CTraceContextPropagator PROPAGATOR = W3CTraceContextPropagator.getInstance();

    private static final TextMapGetter<RequestHeaders> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(RequestHeaders carrier) {
            return carrier.names().stream().map(Object::toString).toList();
        }

        @Override
        public String get(RequestHeaders carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };
    private static final TextMapSetter<RequestHeadersBuilder> SETTER = (carrier, key, value) -> carrier.set(key, value);

    private final SdkTracerProvider provider;
    private final Tracer tracer;
    /** Whether spans go anywhere; when not, calls get non-recording spans ({@link #serve}). */
    private final boolean exporting;
    private final IdGenerator ids = IdGenerator.random();

    public Tracing(String serviceName, URI otlpEndpoint) {
        final var builder = SdkTracerProvider.builder()
                                             .setResource(Resource.getDefault().toBuilder()
                                                                  .put("service.name", "sextant-" + serviceName)
                                                                  .build());
        if (otlpEndpoint != null) {
            builder.addSpanProcessor(BatchSpanProcessor.builder(
                    OtlpGrpcSpanExporter.builder().setEndpoint(otlpEndpoint.toString()).build())
                                                       .setMaxQueueSize(2048)
                                                       .build());
        }
        exporting = otlpEndpoint != null;
        provider = builder.build();
        tracer = OpenTelemetrySdk.builder().setTracerProvider(provider).build().getTracer("io.sextant.platform");
    }

    /** The server decorator: starts the call's span and ends it when the call is logged as complete. */
    public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req) throws Exception {
        final Context parent = PROPAGATOR.extract(Context.root(), req.headers(), GETTER);
        if (!exporting) {
            ctx.setAttr(SPAN, Span.wrap(childOf(Span.fromContext(parent).getSpanContext())));
            return delegate.serve(ctx, req);
        }
        final Span span = tracer.spanBuilder(req.method() + " " + ctx.path())
                                .setParent(parent)
                                .setSpanKind(SpanKind.SERVER)
                                .startSpan();
        ctx.setAttr(SPAN, span);
        ctx.log().whenComplete().thenAccept(log -> finish(span, log));
        return delegate.serve(ctx, req);
    }

    /** A new span id in the caller's trace (sampled as the caller said), or in a new trace when the caller sent none. */
    private SpanContext childOf(SpanContext parent) {
        if (parent.isValid()) {
            return SpanContext.create(parent.getTraceId(), ids.generateSpanId(), parent.getTraceFlags(),
                                      parent.getTraceState());
        }
        return SpanContext.create(ids.generateTraceId(), ids.generateSpanId(), TraceFlags.getSampled(),
                                  TraceState.getDefault());
    }

    private static void finish(Span span, RequestLog log) {
        span.setAttribute("http.response.status_code", log.responseHeaders().status().code());
        final String rpc = log.isAvailable(RequestLogProperty.NAME) ? log.name() : null;
        if (rpc != null) {
            span.updateName(log.serviceName() + "/" + rpc);
        }
        if (log.responseCause() != null || log.responseHeaders().status().isServerError()) {
            span.setStatus(StatusCode.ERROR);
        }
        span.end();
    }

    /** A client decorator: sends the current call's trace context to the callee. */
    public static HttpResponse propagate(HttpClient delegate, ClientRequestContext ctx, HttpRequest req) throws Exception {
        final Span span = currentSpan();
        if (span == null) {
            return delegate.execute(ctx, req);
        }
        final RequestHeadersBuilder headers = req.headers().toBuilder();
        PROPAGATOR.inject(Context.root().with(span), headers, SETTER);
        final HttpRequest newReq = req.withHeaders(headers.build());
        ctx.updateRequest(newReq);
        return delegate.execute(ctx, newReq);
    }

    /** The span of the call being served, or null. */
    public static Span currentSpan() {
        RequestContext ctx = RequestContext.currentOrNull();
        if (ctx instanceof ClientRequestContext client) {
            ctx = client.root();
        }
        return ctx == null ? null : ctx.attr(SPAN);
    }

    /** The trace id of the call being served, or null. */
    public static String currentTraceId() {
        final Span span = currentSpan();
        if (span == null) {
            return null;
        }
        final SpanContext sc = span.getSpanContext();
        return sc.isValid() ? sc.getTraceId() : null;
    }

    /** The trace id of the given call (or of the call a client call is made for), or null. */
    public static String traceId(RequestContext ctx) {
        final RequestContext served = ctx instanceof ClientRequestContext client && client.root() != null
                                      ? client.root() : ctx;
        final Span span = served.attr(SPAN);
        return span == null || !span.getSpanContext().isValid() ? null : span.getSpanContext().getTraceId();
    }

    /** The span id of the call being served, or null. */
    public static String currentSpanId() {
        final Span span = currentSpan();
        return span == null || !span.getSpanContext().isValid() ? null : span.getSpanContext().getSpanId();
    }

    @Override
    public void close() {
        provider.shutdown().join(5, TimeUnit.SECONDS);
    }
}
