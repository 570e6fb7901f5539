package io.sextant.platform.telemetry;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import net.logstash.logback.encoder.LogstashEncoder;

/**
 * The log format of every service: one JSON object per line (the default, for machines) or a
 * short human-readable line ({@code LOG_FORMAT=text}, which {@code local/} uses). Both carry the
 * request id, trace id, span id and user id of the call that logged.
 */
public final class SextantLogEncoder extends EncoderBase<ILoggingEvent> {

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    private final boolean json;
    private final LogstashEncoder jsonEncoder = new LogstashEncoder();

    public SextantLogEncoder() {
        String format = System.getProperty("sextant.log.format");
        if (format == null) {
            format = System.getenv("LOG_FORMAT");
        }
        json = !"text".equalsIgnoreCase(format);
        jsonEncoder.setIncludeMdc(true);
    }

    @Override
    public void start() {
        jsonEncoder.setContext(getContext());
        jsonEncoder.start();
        super.start();
    }

    @Override
    public void stop() {
        jsonEncoder.stop();
        super.stop();
    }

    @Override
    public byte[] headerBytes() {
        return null;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        if (json) {
            return jsonEncoder.encode(event);
        }
        final StringBuilder sb = new StringBuilder(160);
        sb.append(TIME.format(Instant.ofEpochMilli(event.getTimeStamp()))).append(' ')
          .append(String.format("%-5s", event.getLevel())).append(' ')
          .append(shortName(event.getLoggerName()));
        final String requestId = event.getMDCPropertyMap().get("request_id");
        if (requestId != null) {
            sb.append(" [").append(requestId, 0, Math.min(8, requestId.length()));
            final String user = event.getMDCPropertyMap().get("user_id");
            if (user != null) {
                sb.append(" user=").append(user);
            }
            sb.append(']');
        }
        sb.append(" - ").append(event.getFormattedMessage()).append('\n');
        final IThrowableProxy throwable = event.getThrowableProxy();
        if (throwable != null) {
            sb.append(ThrowableProxyUtil.asString(throwable)).append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public byte[] footerBytes() {
        return null;
    }

    private static String shortName(String loggerName) {
        final int dot = loggerName.lastIndexOf('.');
        return dot < 0 ? loggerName : loggerName.substring(dot + 1);
    }
}
