package io.sextant.platform.telemetry;

import java.util.List;
import java.util.concurrent.atomic.LongAdder;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.prometheus.client.Collector;
import io.prometheus.client.CounterMetricFamily;

/**
 * Logback's {@link AsyncAppender} (a bounded queue; the thread that logs only enqueues, the
 * appender's own thread formats and writes), counting what it drops: once the queue is nearly full
 * it discards TRACE, DEBUG and INFO events (the access log among them) rather than make a request
 * thread wait, and {@code sextant_log_events_dropped_total} on every service's {@code /metrics}
 * says how many, so a log that lost lines under load says so.
 */
public final class CountingAsyncAppender extends AsyncAppender {

    private static final LongAdder DROPPED = new LongAdder();

    @Override
    protected boolean isDiscardable(ILoggingEvent event) {
        // asked only when the queue is past its discarding threshold: true means the event is dropped
        final boolean discard = super.isDiscardable(event);
        if (discard) {
            DROPPED.increment();
        }
        return discard;
    }

    /** Log events dropped since the start of the process (all appenders of this kind). */
    public static long dropped() {
        return DROPPED.sum();
    }

    /** The counter as a Prometheus collector; register it once per registry. */
    public static Collector collector() {
        return new Collector() {
            @Override
            public List<MetricFamilySamples> collect() {
                final CounterMetricFamily family = new CounterMetricFamily(
                        "sextant_log_events_dropped", "Log events dropped because the asynchronous log queue was full.",
                        List.of());
                family.addMetric(List.of(), dropped());
                return List.of(family);
            }
        };
    }
}
