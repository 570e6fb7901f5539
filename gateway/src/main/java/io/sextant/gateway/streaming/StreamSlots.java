package io.sextant.gateway.streaming;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.sextant.gateway.errors.RestErrorBody;
import io.sextant.platform.error.Errors;
import io.sextant.platform.error.GrpcErrorMapper;
import io.sextant.platform.server.ClientAddress;
import io.sextant.platform.telemetry.CallContext;

/**
 * The bound on the server streams one client has open over HTTP at once: per verified user (the edge's
 * token check has run before this interceptor), else per client address. One more is refused at once
 * with RESOURCE_EXHAUSTED {@code TOO_MANY_STREAMS} (REST 429); a slot is given back when its call ends,
 * however it ends. The map holds only the clients with a stream open.
 *
 * <p>Byte transfers (uploads and downloads of {@code (sextant.api.v1.http_bytes)}) count in a bound of
 * their own ({@link #byKind}): they end when their bytes are through, where an event stream may stay
 * open for an hour, so a client's parallel uploads must not use up the slots of its live feeds, nor
 * the other way round.
 */
public final class StreamSlots implements ServerInterceptor {

    private final int maxPerClient;
    private final String what;
    private final ConcurrentHashMap<String, Integer> open = new ConcurrentHashMap<>();

    public StreamSlots(int maxPerClient) {
        this(maxPerClient, "streams");
    }

    private StreamSlots(int maxPerClient, String what) {
        this.maxPerClient = maxPerClient;
        this.what = what;
    }

    /**
     * One bound for event streams ({@code maxStreams}) and another for byte transfers
     * ({@code maxTransfers}), each per client, chosen by the method called.
     */
    public static ServerInterceptor byKind(int maxStreams, int maxTransfers) {
        final StreamSlots streams = new StreamSlots(maxStreams, "streams");
        final StreamSlots transfers = new StreamSlots(maxTransfers, "uploads and downloads");
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                               ServerCallHandler<Q, R> next) {
                final boolean transfer = call.getMethodDescriptor().getSchemaDescriptor()
                                                 instanceof io.grpc.protobuf.ProtoMethodDescriptorSupplier proto
                                         && proto.getMethodDescriptor().getOptions()
                                                 .hasExtension(io.sextant.api.v1.HttpBytesProto.httpBytes);
                return (transfer ? transfers : streams).interceptCall(call, headers, next);
            }
        };
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        final String user = CallContext.userId();
        final String client = user != null ? "user:" + user : "address:" + ClientAddress.current();
        if (!acquire(client)) {
            return GrpcErrorMapper.closeCall(call, Errors.resourceExhausted(
                    "TOO_MANY_STREAMS", "this client has " + maxPerClient + " " + what + " open, as many as the"
                                        + " gateway allows one client; wait for one to end before starting another",
                    Map.of("max_streams_per_client", String.valueOf(maxPerClient))), RestErrorBody.DOMAIN);
        }
        final AtomicBoolean released = new AtomicBoolean();
        final Runnable release = () -> {
            if (released.compareAndSet(false, true)) {
                open.computeIfPresent(client, (key, count) -> count <= 1 ? null : count - 1);
            }
        };
        final ServerCall<Q, R> counted = new SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                release.run();
                super.close(status, trailers);
            }
        };
        final ServerCall.Listener<Q> listener;
        try {
            listener = next.startCall(counted, headers);
        } catch (RuntimeException e) {
            release.run();
            throw e;
        }
        return new SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onCancel() {
                release.run();
                super.onCancel();
            }

            @Override
            public void onComplete() {
                release.run();
                super.onComplete();
            }
        };
    }

    /** The streams open now, for tests and metrics. */
    int openStreams() {
        return open.values().stream().mapToInt(Integer::intValue).sum();
    }

    private boolean acquire(String client) {
        final boolean[] acquired = new boolean[1];
        open.compute(client, (key, count) -> {
            final int now = count == null ? 0 : count;
            if (now >= maxPerClient) {
                return count;
            }
            acquired[0] = true;
            return now + 1;
        });
        return acquired[0];
    }
}
