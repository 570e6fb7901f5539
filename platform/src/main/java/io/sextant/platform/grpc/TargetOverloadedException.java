package io.sextant.platform.grpc;

import java.time.Duration;

/**
 * A call refused by the client before it was sent: as many calls to the target as its
 * {@link TargetAdmission} admits are in flight already. The caller learns at once, and the target
 * never saw the call (it is retried by no one: the budget would only add load).
 */
public final class TargetOverloadedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String target;
    private final transient Duration retryAfter;

    TargetOverloadedException(String target, int limit, Duration retryAfter) {
        super("too many calls in flight to " + target + " (limit " + limit + ")", null, false, false);
        this.target = target;
        this.retryAfter = retryAfter;
    }

    /** The service that was not called. */
    public String target() {
        return target;
    }

    /** How long a caller should wait before trying again: the RetryInfo (and Retry-After) it is given. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
