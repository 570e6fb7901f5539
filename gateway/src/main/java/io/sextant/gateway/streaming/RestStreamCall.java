package io.sextant.gateway.streaming;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.api.HttpBody;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponseWriter;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.grpc.GrpcJsonMarshaller;
import com.linecorp.armeria.common.util.SafeCloseable;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;
import io.sextant.gateway.streaming.CallEnds.Failure;

/**
 * One server-streaming RPC called over HTTP: the gRPC server call that the gateway's interceptors (the
 * edge's checks, metrics, the per-client bound) and the forwarding handler see, written to the client as
 * an event stream, NDJSON or a raw body ({@link StreamFormat}).
 *
 * <p>Until the first message (or the backend's headers, or the first heartbeat) nothing is sent, so an
 * error before it is an ordinary REST error with its HTTP status. Flow control: {@link #isReady()} is
 * false while {@value #READY_BELOW} messages are written but not yet taken by the HTTP connection, so
 * the forwarding asks the backend for the next message only when the client keeps up; more than
 * {@value #BUFFER_LIMIT} unconsumed (a sender ignoring flow control) ends the stream. The client going
 * away, the stream's lifetime ending or an error cancel the call, and with it the backend's.
 *
 * <p>Everything but {@link #isReady()} and the counting in {@link #sendMessage} runs on the request's
 * event loop, so the listener's callbacks come one at a time, with the request's context current.
 */
final class RestStreamCall<Q, R> extends ServerCall<Q, R> {

    private static final Logger log = LoggerFactory.getLogger(RestStreamCall.class);

    /** Ready for another message while fewer than this many are written and not yet consumed. */
    static final int READY_BELOW = 4;
    /** More unconsumed messages than this: the sender ignores flow control, and the stream ends. */
    static final int BUFFER_LIMIT = 64;

    private final ServiceRequestContext ctx;
    private final MethodDescriptor<Q, R> method;
    private final GrpcJsonMarshaller json;
    private final StreamFormat format;
    private final HttpResponseWriter response;
    private final StreamConfig config;
    private final Supplier<byte[]> requestJson;

    /** Messages handed to sendMessage, and those of them the HTTP connection has taken. */
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong consumed = new AtomicLong();
    private final AtomicLong sequence = new AtomicLong();
    private volatile boolean cancelled;
    private volatile boolean done;

    // confined to the event loop (wasReady also set false by isReady)
    private ServerCall.Listener<Q> listener;
    private boolean requested;
    private boolean delivered;
    private boolean committed;
    private volatile boolean wasReady = true;
    private long written;
    private long lastWriteNanos = System.nanoTime();
    private ScheduledFuture<?> heartbeat;
    private ScheduledFuture<?> lifetime;

    RestStreamCall(ServiceRequestContext ctx, MethodDescriptor<Q, R> method, GrpcJsonMarshaller json,
                   StreamFormat format, HttpResponseWriter response, StreamConfig config, Supplier<byte[]> requestJson) {
        this.ctx = ctx;
        this.method = method;
        this.json = json;
        this.format = format;
        this.response = response;
        this.config = config;
        this.requestJson = requestJson;
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
        if (format != StreamFormat.RAW) {
            final long every = config.heartbeat().toNanos();
            heartbeat = ctx.eventLoop().scheduleAtFixedRate(this::heartbeat, every, every, TimeUnit.NANOSECONDS);
        }
        lifetime = ctx.eventLoop().schedule(this::lifetimeOver, config.maxLifetime().toNanos(), TimeUnit.NANOSECONDS);
        try (SafeCloseable ignored = ctx.push()) {
            listener = handler.startCall(this, headers);
        } catch (RuntimeException e) {
            finish(statusOf(e));
            return;
        }
        deliver();
    }

    @Override
    public void request(int numMessages) {
        ctx.eventLoop().execute(() -> {
            requested = true;
            deliver();
        });
    }

    /** The one request message, once it is asked for: bound from the HTTP request, parsed as unary calls' are. */
    private void deliver() {
        if (listener == null || !requested || delivered || done) {
            return;
        }
        delivered = true;
        final Q message;
        try {
            message = json.deserializeMessage(method.getRequestMarshaller(), new ByteArrayInputStream(requestJson.get()));
        } catch (Exception e) {
            finish(statusOf(e));
            listener.onCancel();
            return;
        }
        listener.onMessage(message);
        listener.onHalfClose();
        if (isReady()) {
            listener.onReady();
        }
    }

    @Override
    public void sendHeaders(Metadata headers) {
        if (format != StreamFormat.RAW) {
            // the backend took the call: the client sees the stream open (an EventSource's onopen)
            ctx.eventLoop().execute(() -> {
                if (!done) {
                    commit(format.contentType());
                }
            });
        }
    }

    @Override
    public void sendMessage(R message) {
        final long unconsumed = sent.incrementAndGet() - consumed.get();
        if (unconsumed > BUFFER_LIMIT) {
            log.warn("{}: {} messages wait for a client that does not read; ending the stream",
                     method.getFullMethodName(), unconsumed);
            ctx.eventLoop().execute(() -> abort(new IllegalStateException("the stream's buffer is full")));
            return;
        }
        final HttpData data;
        final MediaType contentType;
        if (format == StreamFormat.RAW) {
            final HttpBody body = (HttpBody) message;
            data = HttpData.wrap(body.getData().toByteArray());
            contentType = body.getContentType().isEmpty() ? MediaType.OCTET_STREAM : MediaType.parse(body.getContentType());
        } else {
            data = format.message(sequence.incrementAndGet(), toJson(message));
            contentType = format.contentType();
        }
        ctx.eventLoop().execute(() -> write(data, contentType));
    }

    private byte[] toJson(R message) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            json.serializeMessage(method.getResponseMarshaller(), message, out);
        } catch (IOException e) {
            throw new IllegalStateException("a message of " + method.getFullMethodName() + " could not be written as JSON", e);
        }
        return out.toByteArray();
    }

    private void write(HttpData data, MediaType contentType) {
        if (done) {
            return;
        }
        commit(contentType);
        if (!data.isEmpty()) {
            response.tryWrite(data);
        }
        final long mark = ++written;
        lastWriteNanos = System.nanoTime();
        response.whenConsumed().thenRun(() -> ctx.eventLoop().execute(() -> consumedUpTo(mark)));
    }

    private void consumedUpTo(long mark) {
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
        final boolean ready = !done && sent.get() - consumed.get() < READY_BELOW;
        if (!ready) {
            wasReady = false;
        }
        return ready;
    }

    @Override
    public void close(Status status, Metadata trailers) {
        final Failure end = Failure.of(status, trailers);
        ctx.eventLoop().execute(() -> {
            final boolean first = !done;
            finish(end);
            if (first && listener != null) {
                listener.onComplete();
            }
        });
    }

    /** The end of the call: the backend's status, the gateway's refusal, or an unreadable request. */
    private void finish(Failure end) {
        if (done) {
            return;
        }
        done = true;
        stopTimers();
        recordStatus(end.status().getCode());
        if (end.status().isOk()) {
            commit(format.contentType());
            final HttpData last = format.end("COMPLETED");
            if (last != null) {
                response.tryWrite(last);
            }
            response.close();
            return;
        }
        final AggregatedHttpResponse error = end.restError(ctx);
        if (!committed) {
            // nothing sent yet: the ordinary REST error, with its HTTP status
            committed = true;
            response.tryWrite(error.headers());
            response.tryWrite(error.content());
            response.close();
        } else if (format == StreamFormat.RAW) {
            // a byte stream has no place for an error: the body breaks off, which the client sees
            response.abort(new IllegalStateException("the stream failed: " + end.status()));
        } else {
            response.tryWrite(format.error(error.content().array()));
            response.close();
        }
    }

    /** The client went away (or its request was cancelled): the call, and the backend's, are cancelled. */
    private void clientGone() {
        if (done) {
            return;
        }
        done = true;
        cancelled = true;
        stopTimers();
        recordStatus(Status.Code.CANCELLED);
        if (listener != null) {
            listener.onCancel();
        }
    }

    /** The stream has lasted as long as the gateway allows: it ends cleanly and the backend call is cancelled. */
    private void lifetimeOver() {
        if (done) {
            return;
        }
        done = true;
        cancelled = true;
        stopTimers();
        recordStatus(Status.Code.OK); // a clean end, as the gateway intends
        if (listener != null) {
            listener.onCancel();
        }
        commit(format.contentType());
        final HttpData last = format.end("MAX_LIFETIME");
        if (last != null) {
            response.tryWrite(last);
        }
        response.close();
    }

    private void abort(Throwable cause) {
        if (done) {
            return;
        }
        done = true;
        stopTimers();
        recordStatus(Status.Code.RESOURCE_EXHAUSTED);
        response.abort(cause);
        if (listener != null) {
            listener.onCancel();
        }
    }

    private void heartbeat() {
        if (done) {
            return;
        }
        commit(format.contentType());
        final boolean idle = System.nanoTime() - lastWriteNanos >= config.heartbeat().toNanos() / 2;
        if (idle && sent.get() - consumed.get() == 0) {
            response.tryWrite(format.heartbeat());
            lastWriteNanos = System.nanoTime();
        }
    }

    private void recordStatus(Status.Code code) {
        CallEnds.recordStatus(ctx, code);
    }

    /** Sends the response headers, once. */
    private void commit(MediaType contentType) {
        if (committed) {
            return;
        }
        committed = true;
        response.tryWrite(ResponseHeaders.builder(HttpStatus.OK)
                                         .contentType(contentType)
                                         .set(HttpHeaderNames.CACHE_CONTROL, "no-cache, no-store")
                                         // no buffering by a proxy in front (nginx): events must flow as they come
                                         .set("x-accel-buffering", "no")
                                         .build());
    }

    private void stopTimers() {
        if (heartbeat != null) {
            heartbeat.cancel(false);
        }
        if (lifetime != null) {
            lifetime.cancel(false);
        }
    }

    private Failure statusOf(Throwable e) {
        return Failure.of(ctx, e);
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
