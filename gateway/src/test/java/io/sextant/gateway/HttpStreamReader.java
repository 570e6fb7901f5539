package io.sextant.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.SplitHttpResponse;

/**
 * A real HTTP client's view of a streamed response, line by line as the bytes arrive (each with the
 * time it arrived), with its demand in the test's hands: it reads as fast as it can, or only when told,
 * and it can go away mid-stream.
 */
final class HttpStreamReader implements Subscriber<HttpData> {

    /** A line of the body, without its LF, and when it arrived (System.nanoTime). */
    record Line(String text, long arrivedNanos) {}

    /** An SSE event: its fields (data lines joined with LF), the comments before it, when it was complete. */
    record Event(Map<String, String> fields, List<String> comments, long arrivedNanos) {

        String type() {
            return fields.getOrDefault("event", "message");
        }

        String data() {
            return fields.get("data");
        }
    }

    private final BlockingQueue<Line> lines = new LinkedBlockingQueue<>();
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final CompletableFuture<Subscription> subscription = new CompletableFuture<>();
    private final boolean reading;
    final CompletableFuture<ResponseHeaders> headers;

    private HttpStreamReader(SplitHttpResponse response, boolean reading) {
        this.reading = reading;
        this.headers = response.headers();
        response.body().subscribe(this);
    }

    /** Sends the request and reads the answer as it comes (or, with {@code reading} false, only when told to). */
    static HttpStreamReader open(WebClient client, HttpRequest request, boolean reading) {
        return new HttpStreamReader(client.execute(request).split(), reading);
    }

    static WebClient client(int port) {
        return WebClient.builder("http://127.0.0.1:" + port)
                        .responseTimeout(Duration.ZERO)
                        .maxResponseLength(0)
                        .build();
    }

    ResponseHeaders headers() throws Exception {
        return headers.get(10, TimeUnit.SECONDS);
    }

    /** Asks for n more chunks of the body (for a reader that does not read by itself). */
    void request(long n) {
        subscription.join().request(n);
    }

    /** Goes away: the connection's stream is reset, as when a browser tab closes. */
    void cancel() {
        subscription.join().cancel();
    }

    /** The next line, waiting up to the timeout; null at the end of the body. */
    Line nextLine(Duration timeout) throws InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            final Line line = lines.poll(20, TimeUnit.MILLISECONDS);
            if (line != null) {
                return line;
            }
            if (done.isDone() && lines.isEmpty()) {
                return null;
            }
            assertThat(System.nanoTime()).as("a line within " + timeout).isLessThan(deadline);
        }
    }

    /** The next SSE event (comments before it kept in it), or null at the end of the body. */
    Event nextEvent(Duration timeout) throws InterruptedException {
        final Map<String, String> fields = new LinkedHashMap<>();
        final List<String> comments = new ArrayList<>();
        while (true) {
            final Line line = nextLine(timeout);
            if (line == null) {
                assertThat(fields).as("the body ends between events").isEmpty();
                return null;
            }
            if (line.text().isEmpty()) {
                if (!fields.isEmpty()) {
                    return new Event(fields, comments, line.arrivedNanos());
                }
                continue;
            }
            if (line.text().startsWith(":")) {
                comments.add(line.text());
                continue;
            }
            final int colon = line.text().indexOf(':');
            final String name = colon < 0 ? line.text() : line.text().substring(0, colon);
            String value = colon < 0 ? "" : line.text().substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            fields.merge(name, value, (a, b) -> a + "\n" + b);
        }
    }

    /** Waits for the end of the body (normal or not). */
    boolean awaitEnd(Duration timeout) {
        try {
            done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (Exception e) {
            return done.isDone();
        }
    }

    @Override
    public void onSubscribe(Subscription s) {
        subscription.complete(s);
        if (reading) {
            s.request(Long.MAX_VALUE);
        }
    }

    @Override
    public synchronized void onNext(HttpData data) {
        final byte[] bytes = data.array();
        final long now = System.nanoTime();
        for (byte b : bytes) {
            if (b == '\n') {
                lines.add(new Line(partial.toString(StandardCharsets.UTF_8), now));
                partial.reset();
            } else {
                partial.write(b);
            }
        }
    }

    @Override
    public void onError(Throwable t) {
        done.completeExceptionally(t);
    }

    @Override
    public synchronized void onComplete() {
        if (partial.size() > 0) {
            lines.add(new Line(partial.toString(StandardCharsets.UTF_8), System.nanoTime()));
            partial.reset();
        }
        done.complete(null);
    }
}
