package io.sextant.gateway.streaming;

import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;

import com.linecorp.armeria.common.HttpResponseWriter;
import com.linecorp.armeria.common.util.SafeCloseable;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;
import io.sextant.gateway.streaming.CallEnds.Failure;

/**
 * A server-streaming RPC called over HTTP, as the gRPC server call that the gateway's interceptors and
 * forwarding handler see: its one request message (bound from the HTTP request) is delivered when the call
 * asks for it, and its responses are written to the HTTP response by the subclass (event streams,
 * {@link RestStreamCall}; a file's bytes, {@link DownloadCall}).
 *
 * <p>Flow control: {@link #isReady()} is false while {@code readyBelow} messages are written but not yet
 * taken by the HTTP connection, so the forwarding asks the backend for the next message only when the
 * client keeps up. The client going away cancels the call, and with it the backend's.
 *
 * <p>Everything but {@link #isReady()} and the counting of {@link #sent} runs on the request's event loop.
 */
abstract class HttpServerCall<Q, R> extends RequestContextCall<Q, R> {

    final HttpResponseWriter response;
    /** Messages handed to sendMessage, and those of them the HTTP connection has taken. */
    final AtomicLong sent = new AtomicLong();
    final AtomicLong consumed = new AtomicLong();
    volatile boolean done;

    private final Callable<Q> request;
    private final int readyBelow;

    // confined to the event loop (wasReady also set false by isReady)
    ServerCall.Listener<Q> listener;
    private boolean requested;
    private boolean delivered;
    private volatile boolean wasReady = true;

    /**
     * @param request    the request message, bound from the HTTP request (its exception is the client's error)
     * @param readyBelow ready for another message while fewer than this many are not yet taken by the connection
     */
    HttpServerCall(ServiceRequestContext ctx, MethodDescriptor<Q, R> method, HttpResponseWriter response,
                   Callable<Q> request, int readyBelow) {
        super(ctx, method);
        this.response = response;
        this.request = request;
        this.readyBelow = readyBelow;
    }

    /** Starts the call through the handler (the interceptors, then the forwarding); on the event loop, in ctx. */
    void start(ServerCallHandler<Q, R> handler, Metadata headers) {
        response.whenComplete().handle((unused, cause) -> {
            if (cause != null) {
                ctx.eventLoop().execute(this::clientGone);
            }
            return null;
        });
        ctx.whenRequestCancelling().thenRun(() -> ctx.eventLoop().execute(this::clientGone));
        starting();
        try (SafeCloseable ignored = ctx.push()) {
            listener = handler.startCall(this, headers);
        } catch (RuntimeException e) {
            fail(Failure.of(ctx, e));
            return;
        }
        deliver();
    }

    /** What the call sets up before it starts (timers). */
    void starting() {}

    /** The end of the call before the client got anything of it: the REST error, with its status. */
    abstract void fail(Failure end);

    /** The end of the call as the backend (or the gateway's interceptors) closed it; on the event loop. */
    abstract void ended(Failure end);

    @Override
    public void close(Status status, Metadata trailers) {
        final Failure end = Failure.of(status, trailers);
        ctx.eventLoop().execute(() -> {
            final boolean first = !done;
            ended(end);
            if (first && listener != null) {
                listener.onComplete();
            }
        });
    }

    /** The client went away (or its request was cancelled): the call, and the backend's, are cancelled. */
    final void clientGone() {
        if (done) {
            return;
        }
        done = true;
        cancelled = true;
        stopping();
        CallEnds.recordStatus(ctx, Status.Code.CANCELLED);
        if (listener != null) {
            listener.onCancel();
        }
    }

    /** What the call stops when it ends early (timers). */
    void stopping() {}

    @Override
    public void request(int numMessages) {
        ctx.eventLoop().execute(() -> {
            requested = true;
            deliver();
        });
    }

    /** The one request message, once it is asked for. */
    private void deliver() {
        if (listener == null || !requested || delivered || done) {
            return;
        }
        delivered = true;
        final Q message;
        try {
            message = request.call();
        } catch (Exception e) {
            fail(Failure.of(ctx, e));
            listener.onCancel();
            return;
        }
        listener.onMessage(message);
        listener.onHalfClose();
        if (isReady()) {
            listener.onReady();
        }
    }

    /** The message numbered {@code mark} is written: it counts as taken once the connection has taken it. */
    void written(long mark) {
        response.whenConsumed().thenRun(() -> ctx.eventLoop().execute(() -> consumedUpTo(mark)));
    }

    /** The messages up to {@code mark} are taken: the backend may send more. */
    void consumedUpTo(long mark) {
        if (mark > consumed.get()) {
            consumed.set(mark);
        }
        if (!wasReady && isReady() && listener != null) {
            wasReady = true;
            listener.onReady();
        }
    }

    @Override
    public boolean isReady() {
        final boolean ready = !done && sent.get() - consumed.get() < readyBelow;
        if (!ready) {
            wasReady = false;
        }
        return ready;
    }
}
