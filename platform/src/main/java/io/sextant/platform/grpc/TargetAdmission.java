package io.sextant.platform.grpc;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

import com.netflix.concurrency.limits.Limiter;
import com.netflix.concurrency.limits.limiter.SimpleLimiter;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.HttpClient;
import com.linecorp.armeria.client.ResponseTimeoutException;
import com.linecorp.armeria.client.SimpleDecoratingHttpClient;
import com.linecorp.armeria.client.UnprocessedRequestException;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.grpc.protocol.GrpcHeaderNames;
import com.linecorp.armeria.common.logging.RequestLog;

import io.grpc.Status.Code;

/**
 * Admission control of the calls to one target service: a bound on the unary calls in flight to it
 * ({@link ConcurrencyLimit}, adaptive by default), checked before anything is sent. A call past the
 * bound fails at once with a {@link TargetOverloadedException} (UNAVAILABLE to a gRPC stub, which the
 * gateway answers 503 BACKEND_OVERLOADED with a Retry-After), instead of joining a queue where it and
 * the calls behind it would wait until their deadlines pass.
 *
 * <p>It is the outermost of the client's decorators: a refused call reaches neither the retries
 * (retrying would add load where there is too much) nor the circuit breaker (the target did nothing
 * wrong). Streaming calls are not bounded: they are few, may rightly last for minutes, and their
 * length says nothing of the target's latency.
 *
 * <p>What the limit learns from each call: an answer (of any status) is a latency sample; a call
 * that timed out or found the target unavailable is a drop (the limit falls); a call cancelled by
 * its caller teaches nothing.
 */
public final class TargetAdmission {

    /** The Retry-After of a refusal: the bound frees up as soon as calls in flight end. */
    public static final Duration RETRY_AFTER = Duration.ofSeconds(1);

    private static final String CANCELLED = String.valueOf(Code.CANCELLED.value());
    private static final String DEADLINE_EXCEEDED = String.valueOf(Code.DEADLINE_EXCEEDED.value());
    private static final String UNAVAILABLE = String.valueOf(Code.UNAVAILABLE.value());

    private final String target;
    private final SimpleLimiter<Void> limiter;
    private final Set<String> unaryPaths;
    private final LongAdder refused = new LongAdder();

    /**
     * @param unaryPaths the HTTP/2 paths ({@code /package.Service/Method}) of the target's unary
     *                   methods: the calls bounded
     */
    public TargetAdmission(String target, ConcurrencyLimit limit, Set<String> unaryPaths) {
        this.target = target;
        this.limiter = limit.newLimiter(target);
        this.unaryPaths = Set.copyOf(unaryPaths);
    }

    /** The client decorator that applies the bound. */
    public Function<? super HttpClient, ? extends HttpClient> decorator() {
        return delegate -> new SimpleDecoratingHttpClient(delegate) {
            @Override
            public HttpResponse execute(ClientRequestContext ctx, HttpRequest req) throws Exception {
                if (!unaryPaths.contains(req.path())) {
                    return unwrap().execute(ctx, req);
                }
                final Optional<Limiter.Listener> admitted = limiter.acquire(null);
                if (admitted.isEmpty()) {
                    refused.increment();
                    // "unprocessed": the target never saw it, as everyone downstream must know
                    return HttpResponse.ofFailure(UnprocessedRequestException.of(
                            new TargetOverloadedException(target, limiter.getLimit(), RETRY_AFTER)));
                }
                final Limiter.Listener listener = admitted.get();
                ctx.log().whenComplete().thenAccept(log -> learn(listener, log));
                return unwrap().execute(ctx, req);
            }
        };
    }

    private static void learn(Limiter.Listener listener, RequestLog log) {
        final Throwable cause = log.responseCause();
        final String status = grpcStatus(log);
        if (cause instanceof ResponseTimeoutException || DEADLINE_EXCEEDED.equals(status)
            || UNAVAILABLE.equals(status)) {
            listener.onDropped();
        } else if (CANCELLED.equals(status) || (cause != null && status == null)) {
            // cancelled by the caller, or no answer at all (a reset, a closed connection): nothing
            // learnt of the target's latency; the breaker judges those
            listener.onIgnore();
        } else {
            listener.onSuccess();
        }
    }

    private static String grpcStatus(RequestLog log) {
        final String inTrailers = log.responseTrailers().get(GrpcHeaderNames.GRPC_STATUS);
        return inTrailers != null ? inTrailers : log.responseHeaders().get(GrpcHeaderNames.GRPC_STATUS);
    }

    /** The service bounded. */
    public String target() {
        return target;
    }

    /** The bound now. */
    public int limit() {
        return limiter.getLimit();
    }

    /** The unary calls in flight. */
    public int inFlight() {
        return limiter.getInflight();
    }

    /** The calls refused since the start. */
    public long refused() {
        return refused.sum();
    }

    @Override
    public String toString() {
        return "TargetAdmission{" + target + ", limit " + limit() + ", in flight " + inFlight() + '}';
    }
}
