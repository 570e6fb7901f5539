package io.sextant.notification.channel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.Server;

/**
 * A real HTTP server on loopback (any free port) that answers as the test says and keeps every request it
 * got, in order, for the test to look at.
 */
final class StubServer implements AutoCloseable {

    /** One request as the server received it. */
    record Received(RequestHeaders headers, String body) {

        String path() {
            return headers.path();
        }

        String header(String name) {
            return headers.get(name);
        }

        /** The body as application/x-www-form-urlencoded, decoded independently of the code under test. */
        Map<String, String> form() {
            final Map<String, String> form = new LinkedHashMap<>();
            for (String pair : body.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                final int eq = pair.indexOf('=');
                final String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                final String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                if (form.put(name, value) != null) {
                    throw new AssertionError("form field " + name + " sent twice");
                }
            }
            return form;
        }
    }

    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private final Server server;

    StubServer(Function<Received, HttpResponse> answer) {
        server = Server.builder()
                       .http(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                       .requestTimeout(Duration.ofMinutes(1))
                       .serviceUnder("/", (ctx, req) -> HttpResponse.of(req.aggregate().thenApply(request -> {
                           final Received r = new Received(request.headers(), request.contentUtf8());
                           received.add(r);
                           return answer.apply(r);
                       })))
                       .build();
        server.start().join();
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.activeLocalPort() + path;
    }

    int port() {
        return server.activeLocalPort();
    }

    /** The next request received, waiting for it a little. */
    Received take() {
        try {
            final Received r = received.poll(10, TimeUnit.SECONDS);
            if (r == null) {
                throw new AssertionError("the server received no request");
            }
            return r;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    int pending() {
        return received.size();
    }

    void clear() {
        received.clear();
    }

    /** A loopback port that nothing listens on (it was free a moment ago). */
    static int closedPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        server.stop().join();
    }
}
