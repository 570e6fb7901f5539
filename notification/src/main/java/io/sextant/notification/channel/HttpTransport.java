package io.sextant.notification.channel;

import java.io.ByteArrayOutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.ResponseTimeoutException;
import com.linecorp.armeria.client.UnprocessedRequestException;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.proxy.ProxyConfig;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.IpAddressRejectedException;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.SplitHttpResponse;

/**
 * The one HTTP client of a provider: its own Armeria client factory (connection pool) with a connect
 * timeout, a response timeout that bounds the whole exchange (a server that sends its body one byte a
 * second is cut off too), no redirects followed (Armeria follows none unless asked), no proxy, and a
 * response body read up to a bound: what lies past it is not read (the connection is reset), never
 * buffered. An optional filter decides which IP addresses may be connected to; Armeria applies it to
 * the address it actually connects to, after resolving the name, so a name that resolves to a public
 * address when checked and to a private one when connected (DNS rebinding) is refused too.
 */
final class HttpTransport implements AutoCloseable {

    /** What a provider's server answered: its status, headers and at most the bounded part of its body. */
    record Reply(int status, ResponseHeaders headers, byte[] body, boolean truncated) {

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        boolean success() {
            return status >= 200 && status < 300;
        }

        /** The server's Retry-After (seconds or an HTTP date) as a delay from now, or null. */
        Duration retryAfter(Clock clock) {
            return HttpTransport.retryAfter(headers.get(HttpHeaderNames.RETRY_AFTER), clock);
        }
    }

    /** Why no reply came: the kind decides whether trying again may help. */
    static final class Failure extends Exception {

        enum Kind {
            /** The response did not come in time. */
            TIMEOUT,
            /** No connection: refused, unreachable, the name did not resolve, a TLS handshake failed. */
            UNREACHABLE,
            /** The address filter refused the address the name resolved to. */
            ADDRESS_REFUSED,
            /** The connection broke mid-exchange, or something else failed. */
            OTHER
        }

        private static final long serialVersionUID = 1L;

        private final Kind kind;

        Failure(Kind kind, String message, Throwable cause) {
            super(message, cause);
            this.kind = kind;
        }

        Kind kind() {
            return kind;
        }
    }

    private final ClientFactory factory;
    private final WebClient client;
    private final Duration responseTimeout;
    private final int maxBodyBytes;

    /**
     * @param addressFilter which addresses may be connected to; null: any
     */
    HttpTransport(HttpTimeouts timeouts, int maxBodyBytes, Predicate<InetSocketAddress> addressFilter) {
        final var builder = ClientFactory.builder()
                                         .connectTimeout(timeouts.connect())
                                         .idleTimeout(Duration.ofSeconds(30))
                                         .proxyConfig(ProxyConfig.direct());
        if (addressFilter != null) {
            builder.ipAddressFilter(addressFilter);
        }
        this.factory = builder.build();
        this.responseTimeout = timeouts.response();
        this.maxBodyBytes = maxBodyBytes;
        this.client = WebClient.builder()
                               .factory(factory)
                               .responseTimeout(timeouts.response())
                               .writeTimeout(timeouts.response())
                               .addHeader(HttpHeaderNames.USER_AGENT, "sextant-notification")
                               .build();
    }

    /** Sends the request (its path an absolute URL) and waits for the reply, at most the response timeout. */
    Reply send(HttpRequest request) throws Failure {
        final SplitHttpResponse split = client.execute(request).split();
        final CompletableFuture<byte[]> body = new CompletableFuture<>();
        final BoundedBody reader = new BoundedBody(maxBodyBytes, body);
        // Armeria's response timeout ends every exchange; the extra wait only guards against a bug there.
        final long waitMillis = responseTimeout.toMillis() + 5_000;
        try {
            final ResponseHeaders headers = split.headers().get(waitMillis, TimeUnit.MILLISECONDS);
            split.body().subscribe(reader);
            final byte[] bytes = body.get(waitMillis, TimeUnit.MILLISECONDS);
            return new Reply(headers.status().code(), headers, bytes, reader.truncated);
        } catch (ExecutionException e) {
            throw classify(e.getCause());
        } catch (TimeoutException e) {
            request.abort();
            throw new Failure(Failure.Kind.TIMEOUT, "no response in " + responseTimeout.toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            request.abort();
            throw new Failure(Failure.Kind.OTHER, "interrupted", e);
        }
    }

    @Override
    public void close() {
        factory.close();
    }

    private Failure classify(Throwable thrown) {
        Throwable cause = thrown;
        while ((cause instanceof UnprocessedRequestException || cause instanceof ExecutionException
                || cause instanceof java.util.concurrent.CompletionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof ResponseTimeoutException) {
            return new Failure(Failure.Kind.TIMEOUT, "no response in " + responseTimeout.toMillis() + " ms", cause);
        }
        if (cause instanceof IpAddressRejectedException) {
            return new Failure(Failure.Kind.ADDRESS_REFUSED, addressOf(cause.getMessage()), cause);
        }
        if (cause instanceof ConnectException || cause instanceof UnknownHostException
            || cause instanceof java.nio.channels.UnresolvedAddressException
            || cause instanceof javax.net.ssl.SSLException
            || cause instanceof io.netty.channel.ConnectTimeoutException
            || thrown instanceof UnprocessedRequestException) {
            return new Failure(Failure.Kind.UNREACHABLE, describe(cause), cause);
        }
        return new Failure(Failure.Kind.OTHER, describe(cause), cause);
    }

    /** The address out of Armeria's "Invalid IP address: host/1.2.3.4:443 (endpoint: ...)". */
    private static String addressOf(String message) {
        if (message == null) {
            return "an address that is not allowed";
        }
        final int start = message.indexOf(": ");
        final int end = message.indexOf(" (endpoint");
        return start >= 0 && end > start ? message.substring(start + 2, end) : message;
    }

    private static String describe(Throwable cause) {
        final String message = cause.getMessage();
        final String type = cause.getClass().getSimpleName();
        return message == null || message.isBlank() ? type : type + ": " + Details.clip(message);
    }

    /** A Retry-After value, delta-seconds or an HTTP date, as a delay from now; null when absent or unreadable. */
    static Duration retryAfter(String value, Clock clock) {
        if (value == null || value.isBlank()) {
            return null;
        }
        final String text = value.trim();
        try {
            final long seconds = Long.parseLong(text);
            return seconds < 0 ? null : Duration.ofSeconds(seconds);
        } catch (NumberFormatException notSeconds) {
            try {
                final Instant at = ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                final Duration delay = Duration.between(clock.instant(), at);
                return delay.isNegative() ? Duration.ZERO : delay;
            } catch (DateTimeParseException notADate) {
                return null;
            }
        }
    }

    /** Reads a response body up to a bound, then cancels the stream: what lies past the bound is never buffered. */
    private static final class BoundedBody implements Subscriber<HttpData> {

        private final int max;
        private final CompletableFuture<byte[]> result;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private Subscription subscription;
        private volatile boolean truncated;

        BoundedBody(int max, CompletableFuture<byte[]> result) {
            this.max = max;
            this.result = result;
        }

        @Override
        public void onSubscribe(Subscription s) {
            subscription = s;
            s.request(1);
        }

        @Override
        public void onNext(HttpData data) {
            if (result.isDone()) {
                return;
            }
            final byte[] bytes = data.array();
            final int room = max - out.size();
            if (bytes.length > room) {
                out.write(bytes, 0, room);
                truncated = true;
                subscription.cancel();
                result.complete(out.toByteArray());
                return;
            }
            out.write(bytes, 0, bytes.length);
            subscription.request(1);
        }

        @Override
        public void onError(Throwable t) {
            if (!result.isDone()) {
                result.completeExceptionally(t);
            }
        }

        @Override
        public void onComplete() {
            result.complete(out.toByteArray());
        }
    }
}
