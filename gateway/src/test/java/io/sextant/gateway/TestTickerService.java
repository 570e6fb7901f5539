package io.sextant.gateway;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.google.api.HttpBody;
import com.google.protobuf.ByteString;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.sextant.platform.error.Errors;
import io.sextant.platform.error.GrpcErrorMapper;
import io.sextant.testing.v1.DownloadRequest;
import io.sextant.testing.v1.GetTickRequest;
import io.sextant.testing.v1.Tick;
import io.sextant.testing.v1.TickerServiceGrpc;
import io.sextant.testing.v1.WatchChannelRequest;
import io.sextant.testing.v1.WatchRequest;

/**
 * The stand-in of a service with server streams: ticks on a timer, sent only while the call is ready
 * (gRPC flow control), with what it sent and which calls were cancelled recorded for the tests.
 */
final class TestTickerService extends TickerServiceGrpc.TickerServiceImplBase implements AutoCloseable {

    static final String DOMAIN = "ticker.testing.sextant.io";
    /** A text with a line break in every tick: it must not break an SSE event or an NDJSON line. */
    static final String NOTE = "first line\nsecond line";

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    /** When each tick of each label was sent (System.nanoTime), in order. */
    final Map<String, List<Long>> sentAt = new ConcurrentHashMap<>();
    /** The labels of the calls cancelled by their caller. */
    final List<String> cancelled = new CopyOnWriteArrayList<>();
    final AtomicInteger started = new AtomicInteger();
    /** Extra bytes in every tick's note (to fill flow-control windows). */
    volatile int padding;

    @Override
    public void watch(WatchRequest request, StreamObserver<Tick> responses) {
        started.incrementAndGet();
        if (request.getCount() < 0) {
            responses.onError(GrpcErrorMapper.toStatusException(
                    Errors.notFound("ticks", "ticks/" + request.getCount()), DOMAIN));
            return;
        }
        final Tick template = Tick.newBuilder().setLabel(request.getLabel()).setLoud(request.getLoud())
                                  .addAllTags(request.getTagsList())
                                  .setNote(NOTE + "x".repeat(padding)).build();
        new Ticks(request.getLabel(), request.getCount(), request.getIntervalMs(), request.getFailAfter(),
                  template, (ServerCallStreamObserver<Tick>) responses).begin();
    }

    @Override
    public void watchChannel(WatchChannelRequest request, StreamObserver<Tick> responses) {
        started.incrementAndGet();
        new Ticks(request.getName(), request.getCount(), 0, 0, Tick.newBuilder().setLabel(request.getName()).build(),
                  (ServerCallStreamObserver<Tick>) responses).begin();
    }

    @Override
    public void download(DownloadRequest request, StreamObserver<HttpBody> responses) {
        for (int i = 1; i <= request.getChunks(); i++) {
            responses.onNext(HttpBody.newBuilder().setContentType("text/plain; charset=utf-8")
                                     .setData(ByteString.copyFromUtf8(request.getName() + " chunk " + i + "\n"))
                                     .build());
        }
        responses.onCompleted();
    }

    @Override
    public void getTick(GetTickRequest request, StreamObserver<Tick> responses) {
        responses.onNext(Tick.newBuilder().setNumber(request.getNumber()).build());
        responses.onCompleted();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    /** One call's ticks: on the timer, each after the interval, and only while the call is ready. */
    private final class Ticks implements Runnable {

        private final String label;
        private final int count;
        private final int intervalMs;
        private final int failAfter;
        private final Tick template;
        private final ServerCallStreamObserver<Tick> responses;
        private final List<Long> sent = new CopyOnWriteArrayList<>();
        private int next = 1;
        private boolean waitingForReady;
        private boolean over;

        Ticks(String label, int count, int intervalMs, int failAfter, Tick template,
              ServerCallStreamObserver<Tick> responses) {
            this.label = label;
            this.count = count;
            this.intervalMs = intervalMs;
            this.failAfter = failAfter;
            this.template = template;
            this.responses = responses;
        }

        void begin() {
            sentAt.put(label, sent);
            responses.setOnCancelHandler(() -> {
                synchronized (this) {
                    over = true;
                }
                cancelled.add(label);
            });
            responses.setOnReadyHandler(() -> {
                synchronized (this) {
                    if (!waitingForReady) {
                        return;
                    }
                    waitingForReady = false;
                }
                timer.execute(this);
            });
            timer.schedule(this, intervalMs, TimeUnit.MILLISECONDS);
        }

        @Override
        public synchronized void run() {
            while (!over) {
                if (next > count) {
                    over = true;
                    responses.onCompleted();
                    return;
                }
                if (failAfter > 0 && next > failAfter) {
                    over = true;
                    responses.onError(GrpcErrorMapper.toStatusException(
                            Errors.failedPrecondition("TICKS_FAILED", "the ticker failed after " + failAfter + " ticks"),
                            DOMAIN));
                    return;
                }
                if (!responses.isReady()) {
                    waitingForReady = true;
                    return;
                }
                responses.onNext(template.toBuilder().setNumber(next++).build());
                sent.add(System.nanoTime());
                if (intervalMs > 0) {
                    timer.schedule(this, intervalMs, TimeUnit.MILLISECONDS);
                    return;
                }
            }
        }
    }
}
