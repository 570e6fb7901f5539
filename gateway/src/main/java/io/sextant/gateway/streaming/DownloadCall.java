package io.sextant.gateway.streaming;

import java.util.concurrent.Callable;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponseWriter;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.ResponseHeadersBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.sextant.gateway.errors.RestErrorBody;
import io.sextant.gateway.streaming.CallEnds.Failure;

/**
 * One download (a server-streaming RPC with {@code (sextant.api.v1.http_bytes)}) called over HTTP: the
 * server call the gateway's interceptors and forwarding handler see, whose first message (the info) becomes
 * the response's headers and every later one (the bytes) its body.
 *
 * <p>Nothing is sent before the info, so an error before it is an ordinary REST error with its status
 * (OUT_OF_RANGE of a Range request: 416 with {@code Content-Range: bytes *}{@code /<size>}). A matching
 * {@code If-None-Match} is 304 and a HEAD request the headers alone; both cancel the backend's call. After the
 * headers, a failure (or a body that is not the announced length) aborts the response, which resets the
 * HTTP/2 stream or closes the HTTP/1 connection: a truncated file never looks complete. Flow control:
 * {@link #isReady()} is false while {@value #READY_BELOW} chunks are written but not yet taken by the
 * connection, so the forwarding asks the backend for the next chunk only as fast as the client reads.
 *
 * <p>Everything but {@link #isReady()} and the counting in {@link #sendMessage} runs on the request's event loop.
 */
final class DownloadCall<Q, R> extends HttpServerCall<Q, R> {

    /** Ready for another chunk while fewer than this many are written and not yet consumed (chunks are ≤ 1 MiB). */
    static final int READY_BELOW = 2;
    /** The policy of a download: a browser that opens it runs nothing in it, and it is its own origin. */
    static final String CONTENT_SECURITY_POLICY = "sandbox";

    private final DownloadDeclaration declaration;
    private final boolean headersOnly;
    private final String ifNoneMatch;

    // confined to the event loop
    private boolean committed;
    private long messages;
    private long expectedBytes;
    private long writtenBytes;

    /**
     * @param request     the request message, bound from the HTTP request (a Range included)
     * @param headersOnly a HEAD request: the headers, then the backend's call is cancelled
     */
    DownloadCall(ServiceRequestContext ctx, MethodDescriptor<Q, R> method, DownloadDeclaration declaration,
                 HttpResponseWriter response, Callable<Q> request, boolean headersOnly, String ifNoneMatch) {
        super(ctx, method, response, request, READY_BELOW);
        this.declaration = declaration;
        this.headersOnly = headersOnly;
        this.ifNoneMatch = ifNoneMatch;
    }

    @Override
    public void sendHeaders(Metadata headers) {
        // the headers wait for the info: its file decides them
    }

    @Override
    public void sendMessage(R message) {
        sent.incrementAndGet();
        ctx.eventLoop().execute(() -> received((Message) message));
    }

    private void received(Message message) {
        if (done) {
            return;
        }
        final long mark = ++messages;
        if (!committed) {
            if (!message.hasField(declaration.info())) {
                abort("the backend sent bytes before the " + declaration.info().getName(), true);
                return;
            }
            committed = true;
            if (!answer((Message) message.getField(declaration.info()))) {
                return;
            }
            consumedUpTo(mark);
            return;
        }
        final ByteString data = (ByteString) message.getField(declaration.data());
        writtenBytes += data.size();
        if (!message.hasField(declaration.data()) || writtenBytes > expectedBytes) {
            abort("the backend sent more than the " + expectedBytes + " bytes it announced, or no bytes", true);
            return;
        }
        response.tryWrite(HttpData.wrap(data.toByteArray()));
        written(mark);
    }

    /** The response's headers from the info; false when the response is complete with them (304, HEAD). */
    private boolean answer(Message info) {
        final String sha256 = (String) info.getField(declaration.infoField("sha256"));
        final String etag = sha256.isEmpty() ? null : '"' + sha256 + '"';
        if (etag != null && ContentHeaders.matches(ifNoneMatch, etag)) {
            response.tryWrite(ResponseHeaders.builder(HttpStatus.NOT_MODIFIED).set(HttpHeaderNames.ETAG, etag)
                                             .set(HttpHeaderNames.CACHE_CONTROL, "private, no-store").build());
            endWithoutBody();
            return false;
        }
        final boolean partial = (Boolean) info.getField(declaration.infoField("partial"));
        final long size = (Long) info.getField(declaration.infoField("size_bytes"));
        final long start = (Long) info.getField(declaration.infoField("range_start"));
        expectedBytes = (Long) info.getField(declaration.infoField("range_length"));
        final ResponseHeadersBuilder headers =
                ResponseHeaders.builder(partial ? HttpStatus.PARTIAL_CONTENT : HttpStatus.OK)
                               .contentType(contentType((String) info.getField(declaration.infoField("content_type"))))
                               .contentLength(expectedBytes)
                               // always an attachment: a browser saves it, and renders no active content in it
                               .set(HttpHeaderNames.CONTENT_DISPOSITION, ContentHeaders.attachment(
                                       (String) info.getField(declaration.infoField("filename"))))
                               .set(HttpHeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff")
                               // a user's content: no shared cache keeps it (no-store: the gateway's rule for every answer)
                               .set(HttpHeaderNames.CACHE_CONTROL, "private, no-store");
        if (etag != null) {
            headers.set(HttpHeaderNames.ETAG, etag);
        }
        final Timestamp updated = (Timestamp) info.getField(declaration.infoField("update_time"));
        if (updated.getSeconds() > 0) {
            headers.setTimeMillis(HttpHeaderNames.LAST_MODIFIED, updated.getSeconds() * 1000);
        }
        if (declaration.acceptsRanges()) {
            headers.set(HttpHeaderNames.ACCEPT_RANGES, "bytes");
        }
        if (partial) {
            headers.set(HttpHeaderNames.CONTENT_RANGE,
                        "bytes " + start + '-' + (start + expectedBytes - 1) + '/' + size);
        }
        ctx.mutateAdditionalResponseHeaders(
                additional -> additional.set(HttpHeaderNames.CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY));
        response.tryWrite(headers.build());
        if (headersOnly) {
            endWithoutBody();
            return false;
        }
        return true;
    }

    private static MediaType contentType(String declared) {
        if (declared.isBlank()) {
            return MediaType.OCTET_STREAM;
        }
        try {
            return MediaType.parse(declared);
        } catch (IllegalArgumentException e) {
            return MediaType.OCTET_STREAM;
        }
    }

    /** A 304 or a HEAD: the answer is complete, and the backend's call, which would send the bytes, is cancelled. */
    private void endWithoutBody() {
        done = true;
        cancelled = true;
        CallEnds.recordStatus(ctx, Status.Code.OK);
        response.close();
        listener.onCancel();
    }

    @Override
    void ended(Failure end) {
        final Status status = end.status();
        if (status.isOk() && !committed) {
            fail(Failure.of(Status.INTERNAL.withDescription("the backend's download ended without its info"), null));
        } else if (status.isOk() && writtenBytes != expectedBytes) {
            abort("the backend sent " + writtenBytes + " of the " + expectedBytes + " bytes it announced", false);
        } else if (status.isOk()) {
            if (!done) {
                done = true;
                CallEnds.recordStatus(ctx, Status.Code.OK);
                response.close();
            }
        } else if (!committed) {
            fail(end);
        } else {
            abort("the download failed after its headers: " + status, false);
        }
    }

    /** An error before anything was sent: the REST error, with its status. */
    @Override
    void fail(Failure end) {
        if (done) {
            return;
        }
        done = true;
        committed = true;
        CallEnds.recordStatus(ctx, end.status().getCode());
        AggregatedHttpResponse error = end.restError(ctx);
        final String size = RestErrorBody.errorMetadata(end.details(), "size_bytes");
        if (end.status().getCode() == Status.Code.OUT_OF_RANGE && declaration.acceptsRanges() && size != null) {
            // the range is not in the file: 416, and the size, so that the client can ask again (RFC 9110 §15.5.17)
            error = AggregatedHttpResponse.of(error.headers().toBuilder().status(HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
                                                   .set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + size).build(),
                                              error.content());
        }
        response.tryWrite(error.headers());
        response.tryWrite(error.content());
        response.close();
    }

    /** A failure after the headers: the response breaks off (never a clean end); the backend's call is cancelled if it runs. */
    private void abort(String why, boolean cancelBackend) {
        if (done) {
            return;
        }
        done = true;
        cancelled = true;
        CallEnds.recordStatus(ctx, Status.Code.INTERNAL);
        response.abort(new IllegalStateException(why));
        if (cancelBackend && listener != null) {
            listener.onCancel();
        }
    }

}
