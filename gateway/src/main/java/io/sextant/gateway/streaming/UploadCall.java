package io.sextant.gateway.streaming;

import java.io.ByteArrayOutputStream;
import java.io.IOException;

import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.protobuf.UnsafeByteOperations;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpObject;
import com.linecorp.armeria.common.HttpResponseWriter;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.grpc.GrpcJsonMarshaller;
import com.linecorp.armeria.common.stream.StreamMessage;
import com.linecorp.armeria.common.util.Exceptions;
import com.linecorp.armeria.common.util.SafeCloseable;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;
import io.sextant.gateway.errors.RestErrorBody;
import io.sextant.gateway.streaming.CallEnds.Failure;

/**
 * One upload (a client-streaming RPC with {@code (sextant.api.v1.http_bytes)} {@code head_field}) called
 * over HTTP: the server call the gateway's interceptors and forwarding handler see, whose first message is
 * the head and whose later ones carry the body's bytes, re-chunked into messages of {@value #MIN_CHUNK} to
 * {@value #MAX_CHUNK} bytes (the last may be smaller).
 *
 * <p>Flow control: the body is read from the HTTP request only as the backend asks for messages (the
 * forwarding requests the next one when the backend's call is ready), so the gateway holds at most one
 * chunk and one piece of the body per upload, and the client's sending slows to the backend's pace. The
 * client going away, or a body past the route's length limit (413), cancels the backend's call, which
 * then keeps nothing. The answer is the unary response as JSON (its {@code response_body} field if the
 * rule has one), or the REST error.
 *
 * <p>Everything runs on the request's event loop.
 */
final class UploadCall<Q, R> extends RequestContextCall<Q, R> implements Subscriber<HttpObject> {

    /** The least bytes of a data message but the last. */
    static final int MIN_CHUNK = 256 * 1024;
    /** The most bytes of a data message. */
    static final int MAX_CHUNK = 1024 * 1024;

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final UploadDeclaration declaration;
    private final Message prototype;
    private final HttpResponseWriter response;
    private final GrpcJsonMarshaller json;
    private final String responseBody;
    private Runnable afterBody;

    // confined to the event loop
    private ServerCall.Listener<Q> listener;
    private Message head;
    private Subscription body;
    private boolean done;
    private int demand;
    private boolean awaiting;
    private boolean bodyRead;
    private boolean halfClosed;
    private byte[] chunk;
    private int filled;
    private HttpData piece;
    private int pieceOffset;
    private R answer;

    /**
     * @param responseBody the JSON name of the response's field the answer is, or null for the whole response
     */
    @SuppressWarnings("unchecked")
    UploadCall(ServiceRequestContext ctx, MethodDescriptor<Q, R> method, UploadDeclaration declaration,
               HttpResponseWriter response, GrpcJsonMarshaller json, String responseBody) {
        super(ctx, method);
        this.declaration = declaration;
        this.prototype = (Message) ((MethodDescriptor.PrototypeMarshaller<Q>) method.getRequestMarshaller())
                .getMessagePrototype();
        this.response = response;
        this.json = json;
        this.responseBody = responseBody;
    }

    /** A new builder of the head message. */
    Message.Builder newHead() {
        return prototype.newBuilderForType().newBuilderForField(declaration.head());
    }

    /**
     * Starts the call with its head (the interceptors, then the forwarding), then streams the body's bytes
     * as the backend asks for them; on the event loop.
     *
     * @param afterBody what follows the bytes (a form checks that no part comes after the file); it ends with
     *                  {@link #bodyComplete()} or {@link #refuse}
     */
    void start(ServerCallHandler<Q, R> handler, Metadata headers, Message head, StreamMessage<? extends HttpObject> bytes,
               Runnable afterBody) {
        this.head = head;
        this.afterBody = afterBody;
        response.whenComplete().handle((unused, cause) -> {
            if (cause != null) {
                ctx.eventLoop().execute(() -> clientGone(cause));
            }
            return null;
        });
        ctx.whenRequestCancelling().thenRun(() -> ctx.eventLoop().execute(() -> clientGone(null)));
        try (SafeCloseable ignored = ctx.push()) {
            listener = handler.startCall(this, headers);
        } catch (RuntimeException e) {
            fail(Failure.of(ctx, e));
            return;
        }
        bytes.subscribe(this, ctx.eventLoop());
    }

    // --- the body, as the backend asks for it -------------------------------------------------------

    @Override
    public void request(int numMessages) {
        ctx.eventLoop().execute(() -> {
            demand += numMessages;
            pump();
        });
    }

    @Override
    public void onSubscribe(Subscription subscription) {
        body = subscription;
        if (done) {
            subscription.cancel();
            return;
        }
        pump();
    }

    @Override
    public void onNext(HttpObject object) {
        awaiting = false;
        if (done) {
            return;
        }
        if (object instanceof HttpData data && !data.isEmpty()) {
            piece = data;
            pieceOffset = 0;
        }
        pump();
    }

    @Override
    public void onError(Throwable cause) {
        awaiting = false;
        final Throwable peeled = Exceptions.peel(cause);
        if (peeled instanceof ContentTooLargeException) {
            refuse(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "the upload is larger than the " + ctx.maxRequestLength()
                                                        + " bytes the gateway accepts (UPLOAD_MAX_BYTES)");
        } else {
            clientGone(cause);
        }
    }

    @Override
    public void onComplete() {
        awaiting = false;
        bodyRead = true;
        pump();
    }

    /** Moves the body into chunks and hands each to the backend when it asks for one. */
    private void pump() {
        if (done || listener == null || body == null) {
            return;
        }
        if (head != null && demand > 0) {
            final Message first = prototype.newBuilderForType().setField(declaration.head(), head).build();
            head = null;
            deliver(first);
        }
        while (!done && head == null) {
            if (piece != null) {
                if (chunk == null) {
                    chunk = new byte[MAX_CHUNK];
                }
                final int n = Math.min(piece.length() - pieceOffset, MAX_CHUNK - filled);
                System.arraycopy(piece.array(), pieceOffset, chunk, filled, n);
                filled += n;
                pieceOffset += n;
                if (pieceOffset == piece.length()) {
                    piece = null;
                }
            }
            final boolean full = filled >= MIN_CHUNK;
            if ((full || bodyRead && piece == null && filled > 0) && demand > 0) {
                // the chunk is the message's now, wrapped, not copied: the next one gets a new array
                final ByteString data = UnsafeByteOperations.unsafeWrap(chunk, 0, filled);
                chunk = null;
                filled = 0;
                deliver(prototype.newBuilderForType().setField(declaration.data(), data).build());
                continue;
            }
            if (bodyRead && piece == null && filled == 0) {
                if (!halfClosed) {
                    halfClosed = true;
                    afterBody.run();
                }
                return;
            }
            if (piece == null && !full && !bodyRead && !awaiting) {
                awaiting = true;
                body.request(1);
            }
            return;
        }
    }

    @SuppressWarnings("unchecked")
    private void deliver(Message message) {
        demand--;
        listener.onMessage((Q) message);
    }

    /** The body and what follows it are read: the upload is complete, and the backend answers. */
    void bodyComplete() {
        if (!done) {
            listener.onHalfClose();
        }
    }

    /** The gateway refuses the upload (a part after the file, a body too large): the backend's call is cancelled. */
    void refuse(HttpStatus status, String message) {
        if (done) {
            return;
        }
        done = true;
        cancelled = true;
        if (body != null) {
            body.cancel();
        }
        CallEnds.recordStatus(ctx, status == HttpStatus.REQUEST_ENTITY_TOO_LARGE ? Status.Code.RESOURCE_EXHAUSTED
                                                                                 : Status.Code.INVALID_ARGUMENT);
        write(RestErrorBody.ofHttpStatus(ctx, status, message));
        if (listener != null) {
            listener.onCancel();
        }
    }

    /** A refusal before the call started (a head the gateway could not build): the REST error, no backend call. */
    void refuseWith(Throwable refusal) {
        fail(Failure.of(ctx, refusal));
    }

    // --- the answer ----------------------------------------------------------------------------

    @Override
    public void sendHeaders(Metadata headers) {
        // the answer's headers are the gateway's own
    }

    @Override
    public void sendMessage(R message) {
        ctx.eventLoop().execute(() -> answer = message);
    }

    @Override
    public void close(Status status, Metadata trailers) {
        final Failure end = Failure.of(status, trailers);
        ctx.eventLoop().execute(() -> {
            final boolean first = !done;
            if (status.isOk() && answer != null) {
                answer();
            } else if (status.isOk()) {
                fail(Failure.of(Status.INTERNAL.withDescription("the backend answered the upload with nothing"), null));
            } else {
                fail(end);
            }
            if (first && listener != null) {
                listener.onComplete();
            }
        });
    }

    private void answer() {
        if (done) {
            return;
        }
        done = true;
        stopReading();
        CallEnds.recordStatus(ctx, Status.Code.OK);
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] content;
        try {
            json.serializeMessage(getMethodDescriptor().getResponseMarshaller(), answer, out);
            content = out.toByteArray();
            if (responseBody != null) {
                final JsonNode field = MAPPER.readTree(content).get(responseBody);
                content = MAPPER.writeValueAsBytes(field == null ? MAPPER.createObjectNode() : field);
            }
        } catch (IOException e) {
            throw new IllegalStateException("the answer of " + getMethodDescriptor().getFullMethodName() + " could not be written as JSON", e);
        }
        write(AggregatedHttpResponse.of(ResponseHeaders.of(HttpStatus.OK, "content-type", MediaType.JSON_UTF_8.toString()),
                                        HttpData.wrap(content)));
    }

    /** An error of the backend's or the gateway's: the REST error, with its status. */
    private void fail(Failure end) {
        if (done) {
            return;
        }
        done = true;
        stopReading();
        CallEnds.recordStatus(ctx, end.status().getCode());
        write(end.restError(ctx));
    }

    private void write(AggregatedHttpResponse answer) {
        response.tryWrite(answer.headers());
        if (!answer.content().isEmpty()) {
            response.tryWrite(answer.content());
        }
        response.close();
    }

    /** The rest of the body is not needed: the client's sending stops (the stream is reset, or the connection closed). */
    private void stopReading() {
        piece = null;
        chunk = null;
        if (body != null && !bodyRead) {
            body.cancel();
        }
    }

    /** The client went away (or its body broke off): the call, and the backend's, are cancelled, and nothing is kept. */
    private void clientGone(Throwable cause) {
        if (done) {
            return;
        }
        done = true;
        cancelled = true;
        stopReading();
        CallEnds.recordStatus(ctx, Status.Code.CANCELLED);
        response.abort(cause != null ? cause : new IllegalStateException("the client cancelled the upload"));
        if (listener != null) {
            listener.onCancel();
        }
    }

    @Override
    public boolean isReady() {
        return !done;
    }
}
