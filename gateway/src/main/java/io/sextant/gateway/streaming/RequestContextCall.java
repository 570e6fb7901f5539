package io.sextant.gateway.streaming;

import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.Attributes;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;

/**
 * A gRPC server call that the gateway makes of an HTTP request of its own routes (event streams, byte
 * uploads and downloads), so that the call runs through the same interceptors and forwarding handler as
 * its gRPC form: what every such call says of itself.
 */
abstract class RequestContextCall<Q, R> extends ServerCall<Q, R> {

    final ServiceRequestContext ctx;
    volatile boolean cancelled;

    private final MethodDescriptor<Q, R> method;

    RequestContextCall(ServiceRequestContext ctx, MethodDescriptor<Q, R> method) {
        this.ctx = ctx;
        this.method = method;
    }

    @Override
    public boolean isCancelled() {
        return cancelled;
    }

    @Override
    public MethodDescriptor<Q, R> getMethodDescriptor() {
        return method;
    }

    @Override
    public Attributes getAttributes() {
        return Attributes.EMPTY;
    }

    @Override
    public String getAuthority() {
        return ctx.request().authority();
    }
}
