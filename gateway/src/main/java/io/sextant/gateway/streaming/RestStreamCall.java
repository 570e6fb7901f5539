package io.sextant.gateway.streaming;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.concurrent.Callable;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

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
import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
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
final class RestStreamCall<Q, R> extends HttpServerCall<Q, R> {

    private static final Logger log = LoggerFactory.getLogger(RestStreamCall.class);

    /** Ready for another message while fewer than this many are written and not yet consumed. */
    static final int READY_BELOW = 4;
    /** More unconsumed messages than this: the sender ignores flow control, and the stream ends. */
    static final int BUFFER_LIMIT = 64;

    private final GrpcJsonMarshaller json;
    private final StreamFormat format;
    private final StreamConfig config;
    private final AtomicLong sequence = new AtomicLong();

    // confined to the event loop
    private boolean committed;
    private long written;
    private long lastWriteNanos = System.nanoTime();
    private ScheduledFuture<?> heartbeat;
    private ScheduledFuture<?> lifetime;

    /**
     * @param request the request message, bound from the HTTP request and parsed as unary calls' are
     */
    RestStreamCall(ServiceRequestContext ctx, MethodDescriptor<Q, R> method, GrpcJsonMarshaller json,
                   StreamFormat format, HttpResponseWriter response, StreamConfig config, Callable<Q> request) {
        super(ctx, method, response, request, READY_BELOW);
        this.json = json;
        this.format = format;
        this.config = config;
    }

    @Override
    void starting() {
        if (format != StreamFormat.RAW) {
            final long every = config.heartbeat().toNanos();
            heartbeat = ctx.eventLoop().scheduleAtFixedRate(this::heartbeat, every, every, TimeUnit.NANOSECONDS);
        }
        lifetime = ctx.eventLoop().schedule(this::lifetimeOver, config.maxLifetime().toNanos(), TimeUnit.NANOSECONDS);
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
                     getMethodDescriptor().getFullMethodName(), unconsumed);
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
            json.serializeMessage(getMethodDescriptor().getResponseMarshaller(), message, out);
        } catch (IOException e) {
            throw new IllegalStateException("a message of " + getMethodDescriptor().getFullMethodName() + " could not be written as JSON", e);
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
        lastWriteNanos = System.nanoTime();
        written(++written);
    }

    @Override
    void ended(Failure end) {
        fail(end);
    }

    /** The end of the call: the backend's status, the gateway's refusal, or an unreadable request. */
    @Override
    void fail(Failure end) {
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

    @Override
    void stopping() {
        stopTimers();
    }

    private void stopTimers() {
        if (heartbeat != null) {
            heartbeat.cancel(false);
        }
        if (lifetime != null) {
            lifetime.cancel(false);
        }
    }
}
