package io.sextant.gateway.backends;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.protobuf.ProtoMethodDescriptorSupplier;
import io.sextant.gateway.errors.GrpcContent;
import io.sextant.platform.grpc.TargetCircuitBreaker;
import io.sextant.platform.policy.RpcPolicy;

/**
 * A backend's public API, hosted on the gateway: every method that its contract does not declare
 * internal ({@code sextant.api.v1.policy}, read through {@link RpcPolicy}) forwards each call to the
 * backend as it is, with no code per method. Internal methods (auth's revocation stream, key
 * rotation) are not served here; one with a {@code google.api.http} rule stops the gateway's start.
 *
 * <p>The definition keeps the generated descriptors (and their schema), so that Armeria's transcoder
 * finds the HTTP rules and {@code /docs} the documentation.
 */
public final class ForwardingService {

    private ForwardingService() {}

    /**
     * @param backendDeadline the deadline of a unary call, shortened to the caller's own; a streaming
     *                        call has only the caller's, as a stream may rightly last longer
     * @return the definition, or null when the API has no public method
     */
    public static ServerServiceDefinition of(ServiceDescriptor api, String backend, Channel channel, Duration backendDeadline) {
        final List<MethodDescriptor<?, ?>> exposed = api.getMethods().stream()
                                                        .filter(ForwardingService::isForwarded)
                                                        .toList();
        if (exposed.isEmpty()) {
            return null;
        }
        final ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(api.getName())
                                                                      .setSchemaDescriptor(api.getSchemaDescriptor());
        exposed.forEach(descriptor::addMethod);
        final ServerServiceDefinition.Builder definition = ServerServiceDefinition.builder(descriptor.build());
        for (MethodDescriptor<?, ?> method : exposed) {
            forward(definition, method, backend, channel, backendDeadline);
        }
        return definition.build();
    }

    /** Whether the gateway serves the method: not internal (an internal one with an HTTP rule throws). */
    static boolean isForwarded(MethodDescriptor<?, ?> method) {
        return !RpcPolicy.of(method).isInternal();
    }

    private static <Q, R> void forward(ServerServiceDefinition.Builder definition, MethodDescriptor<Q, R> method,
                                       String backend, Channel channel, Duration backendDeadline) {
        final boolean clientStreams = !method.getType().clientSendsOneMessage();
        definition.addMethod(method, (serverCall, headers) -> {
            final ServiceRequestContext ctx = ServiceRequestContext.currentOrNull();
            if (method.getType() != MethodType.UNARY && ctx != null
                && !ctx.request().headers().contains("grpc-timeout")) {
                // a stream lasts as long as its caller wants (a large download); only a deadline the
                // caller set ends it, not the server's request timeout meant for unary calls
                ctx.clearRequestTimeout();
            }
            if (clientStreams && ctx != null && GrpcContent.isGrpc(ctx.request().contentType())) {
                // An upload stream may exceed the server's request length limit as a whole; each of
                // its messages stays within the gRPC service's message length limit. (Not over REST: an
                // upload route has its own limit, UPLOAD_MAX_BYTES, which stays.)
                ctx.setMaxRequestLength(0);
            }
            final long callerNanos = callerRemainingNanos();
            if (ctx != null && (method.getType() != MethodType.UNARY || callerNanos < backendDeadline.toNanos())) {
                // the caller's deadline, not the gateway's, bounds this call: its timeout is no sign
                // of an unwell backend (a caller must not open the breaker with 1 ms deadlines)
                TargetCircuitBreaker.callersDeadline(ctx);
            }
            return ForwardedCall.start(serverCall, channel.newCall(method, callOptions(method.getType(), callerNanos,
                                                                                       backendDeadline)),
                                       backend);
        });
    }

    private static CallOptions callOptions(MethodType type, long callerNanos, Duration backendDeadline) {
        long nanos = callerNanos;
        if (type == MethodType.UNARY) {
            nanos = Math.min(nanos, backendDeadline.toNanos());
        }
        return nanos == Long.MAX_VALUE ? CallOptions.DEFAULT
                                       : CallOptions.DEFAULT.withDeadlineAfter(Math.max(1, nanos), TimeUnit.NANOSECONDS);
    }

    /** What is left of the caller's own timeout (its grpc-timeout, or the server's request timeout), if any. */
    private static long callerRemainingNanos() {
        final ServiceRequestContext ctx = ServiceRequestContext.currentOrNull();
        if (ctx == null || ctx.requestTimeoutMillis() <= 0) {
            return Long.MAX_VALUE;
        }
        final long elapsed = System.nanoTime() - ctx.log().partial().requestStartTimeNanos();
        return TimeUnit.MILLISECONDS.toNanos(ctx.requestTimeoutMillis()) - elapsed;
    }
}
