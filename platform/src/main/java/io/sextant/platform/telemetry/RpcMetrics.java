package io.sextant.platform.telemetry;

import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

import com.linecorp.armeria.common.logging.RequestLog;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import io.prometheus.client.Histogram;

/**
 * RED metrics per RPC, named as operators know them from go-grpc-prometheus:
 * {@code grpc_server_started_total}, {@code grpc_server_handled_total{grpc_code}} (errors are the
 * codes other than OK) and the latency histogram {@code grpc_server_handling_seconds}.
 *
 * <p>The labelled children of each method are looked up once and kept ({@link MethodMetrics}), so
 * a call costs two increments and an observation, not three label lookups.
 */
public final class RpcMetrics implements ServerInterceptor {

    private static final String GRPC_STATUS = "grpc-status";

    private final Counter started;
    private final Counter handled;
    private final Histogram latency;
    private final ConcurrentMap<String, MethodMetrics> methods = new ConcurrentHashMap<>();

    public RpcMetrics(CollectorRegistry registry) {
        started = Counter.build("grpc_server_started_total", "RPCs started on the server.")
                         .labelNames("grpc_service", "grpc_method", "grpc_type")
                         .register(registry);
        handled = Counter.build("grpc_server_handled_total", "RPCs completed on the server, by status code.")
                         .labelNames("grpc_service", "grpc_method", "grpc_type", "grpc_code")
                         .register(registry);
        latency = Histogram.build("grpc_server_handling_seconds", "Time to complete an RPC on the server.")
                           .labelNames("grpc_service", "grpc_method", "grpc_type")
                           .buckets(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
                           .register(registry);
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        final MethodMetrics metrics = methods.computeIfAbsent(call.getMethodDescriptor().getFullMethodName(),
                                                              name -> new MethodMetrics(call.getMethodDescriptor()));
        metrics.started.inc();
        final long start = System.nanoTime();
        final ServiceRequestContext ctx = ServiceRequestContext.currentOrNull();
        if (ctx != null) {
            // The request log, not ServerCall.close: when a service method throws, Armeria closes
            // its own call, so a forwarding close() would never see the errors.
            ctx.log().whenComplete().thenAccept(log -> metrics.handled(grpcCode(log), System.nanoTime() - start));
            return next.startCall(call, headers);
        }
        return next.startCall(new SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                metrics.handled(status.getCode(), System.nanoTime() - start);
                super.close(status, trailers);
            }
        }, headers);
    }

    /** The children of one method's metrics; those of each status code made when first seen. */
    private final class MethodMetrics {

        private final String service;
        private final String method;
        private final String type;
        private final Counter.Child started;
        private final Histogram.Child latency;
        private final AtomicReferenceArray<Counter.Child> handledByCode =
                new AtomicReferenceArray<>(Status.Code.values().length);

        MethodMetrics(MethodDescriptor<?, ?> descriptor) {
            service = descriptor.getServiceName();
            method = descriptor.getBareMethodName();
            type = descriptor.getType().name().toLowerCase(Locale.ROOT);
            started = RpcMetrics.this.started.labels(service, method, type);
            latency = RpcMetrics.this.latency.labels(service, method, type);
        }

        void handled(Status.Code code, long nanos) {
            Counter.Child child = handledByCode.get(code.ordinal());
            if (child == null) {
                child = handled.labels(service, method, type, code.name());
                handledByCode.set(code.ordinal(), child); // the same child if two calls race here
            }
            child.inc();
            latency.observe(nanos / 1e9);
        }
    }

    /** The gRPC status code a call ended with, from its trailers (or headers, for a trailers-only answer). */
    private static Status.Code grpcCode(RequestLog log) {
        String value = log.responseTrailers().get(GRPC_STATUS);
        if (value == null) {
            value = log.responseHeaders().get(GRPC_STATUS);
        }
        if (value != null) {
            try {
                return Status.fromCodeValue(Integer.parseInt(value.trim())).getCode();
            } catch (NumberFormatException e) {
                return Status.Code.UNKNOWN;
            }
        }
        // no status sent: the stream was reset or the client went away
        return log.responseCause() == null ? Status.Code.UNKNOWN
                                           : Status.fromThrowable(log.responseCause()).getCode();
    }
}
