package io.sextant.gateway.edge;

import static net.logstash.logback.argument.StructuredArguments.keyValue;

import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.common.RequestContext;
import com.linecorp.armeria.common.logging.RequestLog;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.logging.AccessLogWriter;

import io.sextant.platform.server.ClientAddress;
import io.sextant.platform.telemetry.CallContext;
import io.sextant.platform.telemetry.RequestIds;
import io.sextant.platform.telemetry.Tracing;

/**
 * One line per request on the logger {@code sextant.access}: with LOG_FORMAT=json a JSON object
 * whose fields are method, route (the route's pattern, or the gRPC method: never the raw path,
 * which may hold a share token, nor the query), rpc, status, grpc_status, latency_ms,
 * request_bytes, response_bytes, client, user_id, request_id and trace_id. No header is logged, so
 * no token or password can be.
 */
public final class AccessLog implements AccessLogWriter {

    private static final Logger log = LoggerFactory.getLogger("sextant.access");

    @Override
    public void log(RequestLog requestLog) {
        if (!log.isInfoEnabled()) {
            return;
        }
        final RequestContext context = requestLog.context();
        final String route = context instanceof ServiceRequestContext served
                             ? served.config().route().patternString() : "";
        final String rpc = requestLog.isAvailable(com.linecorp.armeria.common.logging.RequestLogProperty.NAME)
                           && requestLog.serviceName() != null && requestLog.name() != null
                           ? requestLog.serviceName() + "/" + requestLog.name() : "";
        final String grpcStatus = requestLog.responseTrailers().get(
                "grpc-status", requestLog.responseHeaders().get("grpc-status", RestResponseHeaders.grpcStatus(context)));
        log.info("{} {} {} {} {} {} {} {} {} {} {}", keyValue("method", requestLog.requestHeaders().method().name()),
                 keyValue("route", rpc.isEmpty() ? route : rpc),
                 keyValue("status", requestLog.responseHeaders().status().code()),
                 keyValue("grpc_status", grpcStatus),
                 keyValue("latency_ms", TimeUnit.NANOSECONDS.toMicros(requestLog.totalDurationNanos()) / 1000.0),
                 keyValue("request_bytes", requestLog.requestLength()),
                 keyValue("response_bytes", requestLog.responseLength()),
                 keyValue("client", ClientAddress.of(context)),
                 keyValue("user_id", CallContext.userId(context)),
                 keyValue("request_id", RequestIds.of(context)),
                 keyValue("trace_id", Tracing.traceId(context)));
    }
}
