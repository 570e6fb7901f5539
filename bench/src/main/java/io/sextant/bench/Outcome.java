package io.sextant.bench;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

import com.linecorp.armeria.client.ResponseTimeoutException;
import com.linecorp.armeria.client.UnprocessedRequestException;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.ResponseHeaders;

import io.grpc.StatusRuntimeException;

/** The outcome of one request: success, or the kind of error it met (an HTTP status, a gRPC code, ...). */
record Outcome(String error) {

    static final Outcome OK = new Outcome(null);
    static final Outcome REFUSED_WITH_RETRY_AFTER = new Outcome("http 503 + Retry-After");
    static final String TIMEOUT = "timeout";

    boolean ok() {
        return error == null;
    }

    static Outcome error(String kind) {
        return new Outcome(kind);
    }

    static Outcome httpStatus(int status) {
        return status == 200 ? OK : error("http " + status);
    }

    /** An HTTP answer; a 503 with Retry-After (shed load, retry later) is told apart from a bare one. */
    static Outcome http(ResponseHeaders headers) {
        final int status = headers.status().code();
        if (status == 503 && headers.contains(HttpHeaderNames.RETRY_AFTER)) {
            return REFUSED_WITH_RETRY_AFTER;
        }
        return httpStatus(status);
    }

    /** Names a failure by what a reader of the report can act on, not by its wrapper exceptions. */
    static Outcome failure(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
               && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof StatusRuntimeException status) {
            return error("grpc " + status.getStatus().getCode());
        }
        if (cause instanceof ResponseTimeoutException) {
            return error(TIMEOUT);
        }
        if (cause instanceof UnprocessedRequestException unprocessed && unprocessed.getCause() != null) {
            return error("not sent: " + unprocessed.getCause().getClass().getSimpleName());
        }
        return error(cause.getClass().getSimpleName());
    }
}
