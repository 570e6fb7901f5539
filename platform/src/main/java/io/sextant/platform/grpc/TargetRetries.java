package io.sextant.platform.grpc;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

import com.google.api.AnnotationsProto;
import com.google.api.HttpRule;
import com.google.protobuf.DescriptorProtos.MethodOptions.IdempotencyLevel;
import com.google.protobuf.Descriptors.MethodDescriptor;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.HttpClient;
import com.linecorp.armeria.client.SimpleDecoratingHttpClient;
import com.linecorp.armeria.client.retry.Backoff;
import com.linecorp.armeria.client.retry.RetryConfig;
import com.linecorp.armeria.client.retry.RetryDecision;
import com.linecorp.armeria.client.retry.RetryLimiter;
import com.linecorp.armeria.client.retry.RetryRule;
import com.linecorp.armeria.client.retry.RetryingClient;
import com.linecorp.armeria.common.ClosedSessionException;
import com.linecorp.armeria.common.ExchangeType;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.grpc.protocol.GrpcHeaderNames;
import com.linecorp.armeria.common.stream.ClosedStreamException;

import io.grpc.ServiceDescriptor;
import io.grpc.Status.Code;
import io.grpc.protobuf.ProtoMethodDescriptorSupplier;

/**
 * The retries of the calls to one target service (for the gateway, a backend), with Armeria's {@link RetryingClient}:
 *
 * <ul>
 *   <li>A call that never reached the backend (Armeria's {@code UnprocessedRequestException}: no
 *       connection, no healthy endpoint, a stream the server refused) is retried whatever its
 *       method, since the backend did nothing with it.</li>
 *   <li>An idempotent call (its HTTP rule is GET, or its {@code idempotency_level} is
 *       NO_SIDE_EFFECTS or IDEMPOTENT) is also retried when the backend answers UNAVAILABLE or the
 *       connection breaks under it. Any other method is not: a retried POST could act twice.</li>
 *   <li>At most {@code maxAttempts} attempts in all, after an exponential, jittered backoff, each on
 *       the next endpoint, and never past the call's deadline: the deadline covers every attempt.</li>
 *   <li>Streaming calls are never retried (a retry would have to hold the whole stream).</li>
 *   <li>A budget per backend (Armeria's token-based {@link RetryLimiter}, gRPC's retry throttling):
 *       it holds {@value #BUDGET_TOKENS} tokens; a retry takes {@value #RETRY_COST}, every answer
 *       the backend gives other than UNAVAILABLE brings one back, and no retry happens while
 *       {@value #BUDGET_RESERVE} or fewer are left. So retries add at most a fifth on top of the
 *       calls that succeed, after a first burst of {@value #BURST} retries; against a backend that
 *       keeps failing they stop, rather than multiply its load by {@code maxAttempts}.</li>
 * </ul>
 */
public final class TargetRetries {

    public static final int BUDGET_TOKENS = 100;
    public static final int BUDGET_RESERVE = 50;
    public static final int RETRY_COST = 5;
    public static final int BURST = (BUDGET_TOKENS - BUDGET_RESERVE) / RETRY_COST;

    private static final Backoff BACKOFF = Backoff.exponential(50, 1_000).withJitter(0.3);
    private static final String UNAVAILABLE = String.valueOf(Code.UNAVAILABLE.value());

    private final RetryConfig<HttpResponse> config;

    /**
     * @param apis        the target's APIs, whose methods say which calls are idempotent
     * @param maxAttempts the attempts a call may take in all, the first one included
     */
    public TargetRetries(List<ServiceDescriptor> apis, int maxAttempts) {
        final Set<String> idempotentPaths = idempotentPaths(apis);
        final RetryDecision retry = RetryDecision.retry(BACKOFF, RETRY_COST);
        final RetryRule rule = RetryRule.of(
                // a target shedding load said when to come back (RetryInfo): a retry now only adds load
                RetryRule.builder()
                         .onGrpcTrailers((ctx, trailers) -> TargetCircuitBreaker.isShed(trailers))
                         .build(RetryDecision.noRetry()),
                RetryRule.builder().onUnprocessed().build(retry),
                RetryRule.builder((ctx, headers) -> idempotentPaths.contains(headers.path()))
                         .onGrpcTrailers((ctx, trailers) -> UNAVAILABLE.equals(trailers.get(GrpcHeaderNames.GRPC_STATUS)))
                         .onException((ctx, cause) -> cause instanceof ClosedSessionException
                                                      || cause instanceof ClosedStreamException)
                         .build(retry),
                // the backend answered: it is up, and the budget earns a token back
                RetryRule.builder()
                         .onGrpcTrailers((ctx, trailers) -> !UNAVAILABLE.equals(trailers.get(GrpcHeaderNames.GRPC_STATUS)))
                         .build(RetryDecision.noRetry(-1)));
        config = RetryConfig.builder(rule)
                            .maxTotalAttempts(maxAttempts)
                            .retryLimiter(RetryLimiter.tokenBased(BUDGET_TOKENS, BUDGET_RESERVE))
                            .build();
    }

    /** Whether a call of the method may be sent twice: its HTTP rule is GET, or its proto says so. */
    public static boolean isIdempotent(MethodDescriptor method) {
        final IdempotencyLevel level = method.getOptions().getIdempotencyLevel();
        if (level == IdempotencyLevel.NO_SIDE_EFFECTS || level == IdempotencyLevel.IDEMPOTENT) {
            return true;
        }
        return method.getOptions().hasExtension(AnnotationsProto.http)
               && method.getOptions().getExtension(AnnotationsProto.http).getPatternCase() == HttpRule.PatternCase.GET;
    }

    /** The client decorator: unary calls go through the retrying client, streams straight on. */
    public Function<? super HttpClient, ? extends HttpClient> decorator() {
        return delegate -> {
            final RetryingClient retrying = RetryingClient.builder(config).build(delegate);
            return new SimpleDecoratingHttpClient(delegate) {
                @Override
                public HttpResponse execute(ClientRequestContext ctx, HttpRequest req) throws Exception {
                    return ctx.exchangeType() == ExchangeType.UNARY ? retrying.execute(ctx, req)
                                                                   : unwrap().execute(ctx, req);
                }
            };
        };
    }

    /** The HTTP/2 paths ({@code /package.Service/Method}) of the idempotent methods. */
    private static Set<String> idempotentPaths(List<ServiceDescriptor> apis) {
        final Set<String> paths = new HashSet<>();
        for (ServiceDescriptor api : apis) {
            for (io.grpc.MethodDescriptor<?, ?> method : api.getMethods()) {
                if (method.getSchemaDescriptor() instanceof ProtoMethodDescriptorSupplier supplier
                    && isIdempotent(supplier.getMethodDescriptor())) {
                    paths.add("/" + method.getFullMethodName());
                }
            }
        }
        return Set.copyOf(paths);
    }
}
