package io.sextant.platform.identity;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.DecoratingHttpClientFunction;
import com.linecorp.armeria.client.HttpClient;
import com.linecorp.armeria.client.UnprocessedRequestException;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.sextant.auth.v1.AuthServiceGrpc;
import io.sextant.auth.v1.ExchangeApiKeyRequest;
import io.sextant.auth.v1.Token;
import io.sextant.platform.error.Errors;
import io.sextant.platform.error.ServiceException;
import io.sextant.platform.grpc.ServiceClient;

/**
 * A service's own identity for its east-west calls that no end user makes (resolving a recipient,
 * sending an alert, a heartbeat): a short-lived service token with subject {@code services/<name>}
 * and the permissions auth's SERVICE_ACCOUNTS give the service. Every service but auth obtains it
 * with {@link #exchanging}: its {@link ServiceSecret} for a token at auth's ExchangeApiKey; auth signs
 * its own ({@link #of}).
 *
 * <ul>
 *   <li>the token is cached and renewed when half its life is gone, in the background while it is
 *       still good, so calls rarely wait for auth;</li>
 *   <li>one exchange at a time: callers that need a token while one is being obtained share it;</li>
 *   <li>when auth is away (or refuses the secret) the calls that need a token fail at once with
 *       UNAVAILABLE, reason {@code SERVICE_TOKEN_UNAVAILABLE} ({@link #refusal}), never sent; after a
 *       failed exchange, calls fail for {@link #RETRY_AFTER} without asking auth again.</li>
 * </ul>
 *
 * <p>{@link #asService()} makes a client's calls carry it:
 *
 * <pre>{@code
 * UsersServiceBlockingStub users = usersClient.clientBuilder().decorator(identity.asService())
 *                                             .build(UsersServiceBlockingStub.class);
 * }</pre>
 */
public final class ServiceIdentity implements AutoCloseable {

    /** A token and how long it lives from when it was obtained. */
    public record IssuedToken(String token, Duration lifetime) {
        @Override
        public String toString() {
            return "IssuedToken[" + lifetime + "]";
        }
    }

    /** Where the tokens come from: auth's ExchangeApiKey, or auth's own signing key. */
    @FunctionalInterface
    public interface TokenSource {
        /** A new token; blocking is fine (it runs on the identity's own thread). */
        IssuedToken issue();
    }

    /** The reason of the error of a call that had no token to carry. */
    public static final String UNAVAILABLE_REASON = "SERVICE_TOKEN_UNAVAILABLE";
    /** How long calls fail without asking auth again after an exchange failed. */
    public static final Duration RETRY_AFTER = Duration.ofSeconds(1);
    /** The deadline of an exchange at auth. */
    public static final Duration EXCHANGE_DEADLINE = Duration.ofSeconds(2);
    /** The subject prefix of the services' own tokens. */
    public static final String SUBJECT_PREFIX = Authz.SERVICES;

    private static final Logger log = LoggerFactory.getLogger(ServiceIdentity.class);

    private final String subject;
    private final TokenSource source;
    private final Clock clock;
    private final AutoCloseable resources;
    /** One thread, one queued task at most: exchanges are one at a time by construction. */
    private final ThreadPoolExecutor exchanges;

    private record Current(String authorization, Instant renewAt, Instant usableUntil) {}

    private volatile Current current;
    /** Guarded by this. */
    private CompletableFuture<Current> inFlight;
    /** Guarded by this: the last failure, while calls fail without asking again. */
    private CompletableFuture<Current> failed;
    private Instant failedUntil = Instant.MIN;

    private ServiceIdentity(String service, TokenSource source, Clock clock, AutoCloseable resources) {
        this.subject = SUBJECT_PREFIX + service;
        this.source = source;
        this.clock = clock;
        this.resources = resources;
        this.exchanges = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1), runnable -> {
            final Thread thread = new Thread(runnable, "service-token-" + service);
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * The identity of {@code service}, exchanging {@code secret} at auth ({@code authTarget}, in any
     * form a {@code <SERVICE>_TARGET} takes) for its tokens.
     */
    public static ServiceIdentity exchanging(String service, ServiceSecret secret, String authTarget, Clock clock) {
        final ServiceClient auth = ServiceClient.builder("auth-token", authTarget, AuthServiceGrpc.getServiceDescriptor())
                                                .deadline(EXCHANGE_DEADLINE)
                                                .build();
        final AuthServiceGrpc.AuthServiceBlockingStub stub = auth.stub(AuthServiceGrpc.AuthServiceBlockingStub.class);
        final ExchangeApiKeyRequest request = ExchangeApiKeyRequest.newBuilder().setApiKey(secret.value()).build();
        return new ServiceIdentity(service, () -> {
            final Token token = stub.exchangeApiKey(request).getToken();
            return new IssuedToken(token.getAccessToken(), Duration.ofSeconds(token.getExpiresIn()));
        }, clock, auth);
    }

    /** The identity of {@code service} with tokens from {@code source} (auth, which signs its own). */
    public static ServiceIdentity of(String service, TokenSource source, Clock clock) {
        return new ServiceIdentity(service, source, clock, () -> { });
    }

    /** {@code services/<name>}. */
    public String subject() {
        return subject;
    }

    /**
     * A client decorator that makes every call as this service: add it last (it runs first), since the
     * platform's propagation keeps an Authorization header that is already set, so no end user's token
     * travels on. A call that has no token to carry fails UNAVAILABLE ({@link #refusal}) and is not sent.
     */
    public DecoratingHttpClientFunction asService() {
        return (HttpClient delegate, ClientRequestContext ctx, HttpRequest req) -> {
            final CompletableFuture<String> authorization = authorization();
            if (authorization.isDone() && !authorization.isCompletedExceptionally()) {
                return execute(delegate, ctx, req, authorization.join());
            }
            return HttpResponse.of(authorization.handleAsync((value, failure) -> {
                if (failure != null) {
                    return HttpResponse.ofFailure(UnprocessedRequestException.of(unwrap(failure)));
                }
                return execute(delegate, ctx, req, value);
            }, ctx.eventLoop()));
        };
    }

    private static HttpResponse execute(HttpClient delegate, ClientRequestContext ctx, HttpRequest req,
                                        String authorization) {
        final HttpRequest withToken = req.withHeaders(
                req.headers().toBuilder().set(HttpHeaderNames.AUTHORIZATION, authorization).build());
        ctx.updateRequest(withToken);
        try {
            return delegate.execute(ctx, withToken);
        } catch (Exception e) {
            return HttpResponse.ofFailure(e);
        }
    }

    /**
     * The value of the Authorization header of a call, {@code Bearer <token>}: at once while the cached
     * token is in the first half of its life (or, while a renewal is under way, still good); otherwise
     * when the exchange under way ends. Fails with a {@link ServiceException} UNAVAILABLE when no token
     * can be had.
     */
    public CompletableFuture<String> authorization() {
        final Current token = current;
        final Instant now = clock.instant();
        if (token != null && now.isBefore(token.renewAt())) {
            return CompletableFuture.completedFuture(token.authorization());
        }
        final CompletableFuture<Current> renewal = renew(now);
        if (token != null && now.isBefore(token.usableUntil())) {
            return CompletableFuture.completedFuture(token.authorization());
        }
        return renewal.thenApply(Current::authorization);
    }

    private synchronized CompletableFuture<Current> renew(Instant now) {
        if (inFlight != null) {
            return inFlight;
        }
        if (failed != null && now.isBefore(failedUntil)) {
            return failed;
        }
        final CompletableFuture<Current> exchange = new CompletableFuture<>();
        inFlight = exchange;
        try {
            exchanges.execute(() -> exchange(exchange));
        } catch (RuntimeException e) {
            // closed
            inFlight = null;
            return CompletableFuture.failedFuture(Errors.unavailable(UNAVAILABLE_REASON, subject + " is shutting down"));
        }
        return exchange;
    }

    private void exchange(CompletableFuture<Current> exchange) {
        final Instant started = clock.instant();
        try {
            final IssuedToken issued = source.issue();
            final Duration life = issued.lifetime();
            if (issued.token().isEmpty() || life.compareTo(Duration.ofSeconds(2)) < 0) {
                throw Errors.unavailable(UNAVAILABLE_REASON, "auth gave " + subject + " a token that lives " + life);
            }
            final Current fresh = new Current("Bearer " + issued.token(), started.plus(life.dividedBy(2)),
                                              started.plus(life.minus(life.dividedBy(10))));
            final boolean first = current == null;
            current = fresh;
            synchronized (this) {
                inFlight = null;
                failed = null;
            }
            if (first) {
                log.info("Service token of {} obtained (lives {})", subject, life);
            }
            exchange.complete(fresh);
        } catch (RuntimeException e) {
            final ServiceException failure = failure(e);
            log.warn("Could not obtain the service token of {}: {}", subject, failure.getMessage());
            synchronized (this) {
                inFlight = null;
                failed = CompletableFuture.failedFuture(failure);
                failedUntil = clock.instant().plus(RETRY_AFTER);
            }
            exchange.completeExceptionally(failure);
        }
    }

    private ServiceException failure(RuntimeException e) {
        if (e instanceof ServiceException service && service.reason().equals(UNAVAILABLE_REASON)) {
            return service;
        }
        final Status status = Status.fromThrowable(e);
        final String why = switch (status.getCode()) {
            case UNAUTHENTICATED -> "auth refused the secret of " + subject + " (is SERVICE_SECRET the one whose SHA-256"
                                    + " auth's SERVICE_ACCOUNTS lists for it?)";
            case UNAVAILABLE, DEADLINE_EXCEEDED -> "auth cannot be reached to obtain the token of " + subject + " ("
                                                   + status.getCode() + ")";
            default -> "auth did not give " + subject + " its token (" + status.getCode()
                       + (status.getDescription() == null ? "" : ": " + status.getDescription()) + ")";
        };
        return Errors.unavailable(UNAVAILABLE_REASON, why + "; try again shortly");
    }

    /**
     * The error a service answers when its call failed for want of its own token: the
     * {@link ServiceException} of {@link #asService()} found in the failure of the call (a
     * {@link StatusRuntimeException} UNAVAILABLE whose cause it is), or null when the call failed for
     * another reason.
     */
    public static ServiceException refusal(Throwable callFailure) {
        for (Throwable t = callFailure; t != null; t = t.getCause()) {
            if (t instanceof ServiceException e && UNAVAILABLE_REASON.equals(e.reason())) {
                return e;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }

    /**
     * The error to answer when a call this service made as itself failed other than with a NOT_FOUND
     * (which the caller tells its own way): UNAVAILABLE with the reason of {@link #refusal} when the
     * service had no token; when the target refused the service (PERMISSION_DENIED, UNAUTHENTICATED:
     * the mesh is configured wrong, not the caller's doing) a logged error naming {@code setting} and
     * UNAVAILABLE {@code refusedReason}; else UNAVAILABLE {@code unavailableReason}.
     *
     * @param what     what was being done, for the messages: {@code "recipient: resolve users/…"}
     * @param target   the service called, e.g. {@code users}
     * @param setting  auth's setting that grants the permission, e.g. {@code SERVICE_ACCOUNT_STORAGE_PERMISSIONS}
     */
    public ServiceException failure(StatusRuntimeException callFailure, String what, String target, String permission,
                                    String setting, String refusedReason, String unavailableReason) {
        final ServiceException noToken = refusal(callFailure);
        if (noToken != null) {
            return Errors.unavailable(noToken.reason(), what + " is not possible now: " + noToken.getMessage());
        }
        final Status.Code code = callFailure.getStatus().getCode();
        if (code == Status.Code.PERMISSION_DENIED || code == Status.Code.UNAUTHENTICATED) {
            log.error("The {} service refused {} ({}: {}); auth's {} must include {}", target, subject, code,
                      callFailure.getStatus().getDescription(), setting, permission);
            return Errors.unavailable(refusedReason, what + ": the " + target + " service refused it to " + subject
                                                     + " (" + code + "); the operators must give it " + permission);
        }
        return Errors.unavailable(unavailableReason, what + ": the " + target + " service did not answer (" + code
                                                     + "); try again");
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** Stops the exchanges and closes the client of auth. */
    @Override
    public void close() {
        exchanges.shutdownNow();
        try {
            resources.close();
        } catch (Exception e) {
            log.debug("Closing the client of auth: {}", e.toString());
        }
    }

    @Override
    public String toString() {
        return "ServiceIdentity{" + subject + '}';
    }
}
