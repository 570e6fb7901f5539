package io.sextant.platform.grpc;

import java.io.IOException;
import java.io.InputStream;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;

import io.grpc.stub.ServerCallStreamObserver;

/**
 * Sends bytes from an {@link InputStream} as the messages of a server-streaming call, with the
 * call's flow control: a chunk is read and sent only while the client's window has room
 * ({@link ServerCallStreamObserver#isReady()}), and sending resumes from the call's on-ready
 * handler. However slow the client, at most one chunk per call waits in memory beyond what the
 * transport buffers, and no thread waits for the client.
 *
 * <pre>{@code
 * response.onNext(DownloadFileResponse.newBuilder().setInfo(info).build());
 * StreamedBytes.send((ServerCallStreamObserver<DownloadFileResponse>) response, in, info.getRangeLength(),
 *                    StreamedBytes.MAX_CHUNK, data -> DownloadFileResponse.newBuilder().setData(data).build(),
 *                    e -> Errors.of(Code.DATA_LOSS, "READ_FAILED", "..."));
 * }</pre>
 *
 * <p>Call it from the RPC method itself (gRPC accepts the on-ready and on-cancel handlers only
 * there). The stream is closed when all bytes are sent, on a read failure and on cancellation.
 */
public final class StreamedBytes<T> {

    private static final Logger log = LoggerFactory.getLogger(StreamedBytes.class);

    /** The largest chunk the contracts allow in one message (1 MiB). */
    public static final int MAX_CHUNK = 1 << 20;
    /** The most bytes asked of the input in one read. */
    static final int READ_SLICE = 256 * 1024;

    private final ServerCallStreamObserver<T> out;
    private final InputStream in;
    private final int chunkSize;
    private final Function<ByteString, T> wrap;
    private final Function<IOException, RuntimeException> failure;
    private long remaining;
    private boolean done;

    private StreamedBytes(ServerCallStreamObserver<T> out, InputStream in, long length, int chunkSize,
                          Function<ByteString, T> wrap, Function<IOException, RuntimeException> failure) {
        this.out = out;
        this.in = in;
        this.remaining = length;
        this.chunkSize = chunkSize;
        this.wrap = wrap;
        this.failure = failure;
    }

    /**
     * Sends {@code length} bytes of {@code in}, each message made by {@code wrap} from at most
     * {@code chunkSize} bytes, then completes the call; a read that fails (or ends early) ends the
     * call with {@code failure}'s error.
     */
    public static <T> void send(ServerCallStreamObserver<T> out, InputStream in, long length, int chunkSize,
                                Function<ByteString, T> wrap, Function<IOException, RuntimeException> failure) {
        if (chunkSize < 1 || chunkSize > MAX_CHUNK) {
            throw new IllegalArgumentException("chunkSize must be 1 to " + MAX_CHUNK + ": " + chunkSize);
        }
        final StreamedBytes<T> stream = new StreamedBytes<>(out, in, length, chunkSize, wrap, failure);
        out.setOnCancelHandler(stream::cancelled);
        out.setOnReadyHandler(stream::drain);
        stream.drain();
    }

    private synchronized void drain() {
        if (done) {
            return;
        }
        try {
            while (remaining > 0 && out.isReady()) {
                final int size = (int) Math.min(chunkSize, remaining);
                final byte[] chunk = new byte[size];
                int read = 0;
                while (read < size) {
                    // in slices: a file channel's stream reads through a temporary direct buffer of the
                    // read's size, which the JDK keeps per thread (READ_SLICE, not 1 MiB, per blocking thread)
                    final int n = in.readNBytes(chunk, read, Math.min(READ_SLICE, size - read));
                    if (n == 0) {
                        break;
                    }
                    read += n;
                }
                if (read < size) {
                    throw new IOException("the stream ended " + (remaining - read) + " bytes early");
                }
                remaining -= size;
                // a new array, never written again: wrapped, not copied
                out.onNext(wrap.apply(UnsafeByteOperations.unsafeWrap(chunk)));
            }
        } catch (IOException e) {
            finish();
            out.onError(failure.apply(e));
            return;
        } catch (RuntimeException e) {
            // the call ended under us (cancelled, closed): nothing more to send
            finish();
            throw e;
        }
        if (remaining == 0) {
            finish();
            out.onCompleted();
        }
    }

    private synchronized void cancelled() {
        finish();
    }

    private void finish() {
        if (done) {
            return;
        }
        done = true;
        try {
            in.close();
        } catch (IOException e) {
            log.debug("Closing a streamed input failed: {}", e.toString());
        }
    }
}
