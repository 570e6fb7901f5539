package io.sextant.gateway;

import io.grpc.BindableService;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;

/**
 * A stand-in that implements every method of a service by answering the empty response message,
 * after the platform's server has validated the request: a request the contract accepts gets a 200,
 * one it rejects gets the platform's INVALID_ARGUMENT. For the fuzz test of the REST path, where
 * UNIMPLEMENTED would stop every input at the backend.
 */
final class AnsweringStandIn {

    private AnsweringStandIn() {}

    static BindableService of(ServiceDescriptor descriptor) {
        return () -> {
            final ServerServiceDefinition.Builder builder = ServerServiceDefinition.builder(descriptor);
            for (MethodDescriptor<?, ?> method : descriptor.getMethods()) {
                add(builder, method);
            }
            return builder.build();
        };
    }

    private static <Q, R> void add(ServerServiceDefinition.Builder builder, MethodDescriptor<Q, R> method) {
        @SuppressWarnings("unchecked")
        final R empty = ((MethodDescriptor.PrototypeMarshaller<R>) method.getResponseMarshaller()).getMessagePrototype();
        final ServerCallHandler<Q, R> handler = switch (method.getType()) {
            case UNARY -> ServerCalls.asyncUnaryCall((request, response) -> {
                response.onNext(empty);
                response.onCompleted();
            });
            case SERVER_STREAMING -> ServerCalls.asyncServerStreamingCall((request, response) -> response.onCompleted());
            case CLIENT_STREAMING -> ServerCalls.asyncClientStreamingCall(response -> drain(response, empty));
            case BIDI_STREAMING -> ServerCalls.asyncBidiStreamingCall(response -> drain(response, null));
            default -> throw new IllegalStateException("unknown method type of " + method.getFullMethodName());
        };
        builder.addMethod(method, handler);
    }

    /** Reads a request stream to its end, then answers {@code last} (if any) and completes. */
    private static <Q, R> StreamObserver<Q> drain(StreamObserver<R> response, R last) {
        return new StreamObserver<>() {
            @Override
            public void onNext(Q value) {}

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {
                if (last != null) {
                    response.onNext(last);
                }
                response.onCompleted();
            }
        };
    }
}
