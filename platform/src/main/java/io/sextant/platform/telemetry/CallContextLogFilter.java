package io.sextant.platform.telemetry;

import org.slf4j.MDC;
import org.slf4j.Marker;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;

/**
 * Copies request_id, trace_id, span_id and user_id of the current call into the MDC of the thread
 * that logs, just before the event is made, so that the event keeps them even when it is written
 * later by the asynchronous appender. Outside a call the keys are removed, so nothing stale leaks.
 */
public final class CallContextLogFilter extends TurboFilter {

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        // not logger.isEnabledFor(level): that runs the turbo filters, this one included, again
        if (level == null || !level.isGreaterOrEqual(logger.getEffectiveLevel())) {
            return FilterReply.NEUTRAL;
        }
        put("request_id", CallContext.requestId());
        put("trace_id", Tracing.currentTraceId());
        put("span_id", Tracing.currentSpanId());
        put("user_id", CallContext.userId());
        return FilterReply.NEUTRAL;
    }

    private static void put(String key, String value) {
        if (value == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, value);
        }
    }
}
