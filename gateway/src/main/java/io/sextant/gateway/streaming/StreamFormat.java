package io.sextant.gateway.streaming;

import java.nio.charset.StandardCharsets;
import java.util.List;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.MediaType;

/**
 * How a server stream is written over HTTP. {@link #SSE}: Server-Sent Events, one {@code data:} event per
 * message (its ProtoJSON, {@code id:} its sequence number from 1), {@code : keepalive} comments while idle,
 * and a last {@code end} event ({@code {"reason":"COMPLETED"}} or {@code "MAX_LIFETIME"}) or {@code error}
 * event (the REST error body). {@link #NDJSON}: one message per line, empty lines while idle, and the
 * error as a last line {@code {"error": <REST error body>}}. {@link #RAW}: the bytes of
 * {@code google.api.HttpBody} messages, as one body.
 */
enum StreamFormat {
    SSE(MediaType.parse("text/event-stream; charset=utf-8")),
    NDJSON(MediaType.parse("application/x-ndjson; charset=utf-8")),
    RAW(MediaType.OCTET_STREAM);

    static final MediaType EVENT_STREAM = MediaType.parse("text/event-stream");
    static final MediaType X_NDJSON = MediaType.parse("application/x-ndjson");

    private static final byte[] SSE_HEARTBEAT = ": keepalive\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NDJSON_HEARTBEAT = "\n".getBytes(StandardCharsets.US_ASCII);

    private final MediaType contentType;

    StreamFormat(MediaType contentType) {
        this.contentType = contentType;
    }

    MediaType contentType() {
        return contentType;
    }

    /** SSE, unless the Accept header asks for NDJSON before (or without) text/event-stream. */
    static StreamFormat negotiate(List<MediaType> accept) {
        for (MediaType type : accept) {
            if (type.is(X_NDJSON)) {
                return NDJSON;
            }
            if (type.is(EVENT_STREAM)) {
                return SSE;
            }
        }
        return SSE;
    }

    /** One message, as ProtoJSON: an SSE event with its sequence number, or an NDJSON line. */
    HttpData message(long sequence, byte[] json) {
        if (this == SSE) {
            return HttpData.wrap(event("id: " + sequence + "\n", null, json));
        }
        return HttpData.wrap(line(json));
    }

    /** The heartbeat written while idle: an SSE comment, an empty NDJSON line. */
    HttpData heartbeat() {
        return HttpData.wrap(this == SSE ? SSE_HEARTBEAT : NDJSON_HEARTBEAT);
    }

    /** The end of a stream that ended well, or null when the format has none (NDJSON, RAW: the body ends). */
    HttpData end(String reason) {
        if (this != SSE) {
            return null;
        }
        return HttpData.wrap(event("", "end", ("{\"reason\":\"" + reason + "\"}").getBytes(StandardCharsets.UTF_8)));
    }

    /** The error that ended a stream after its first message: the REST error body in the format's frame. */
    HttpData error(byte[] restErrorBody) {
        if (this == SSE) {
            return HttpData.wrap(event("", "error", restErrorBody));
        }
        final byte[] prefix = "{\"error\":".getBytes(StandardCharsets.US_ASCII);
        final byte[] body = oneLine(restErrorBody);
        final byte[] line = new byte[prefix.length + body.length + 2];
        System.arraycopy(prefix, 0, line, 0, prefix.length);
        System.arraycopy(body, 0, line, prefix.length, body.length);
        line[line.length - 2] = '}';
        line[line.length - 1] = '\n';
        return HttpData.wrap(line);
    }

    /**
     * An SSE event: its fields, then the data, one {@code data:} line per line of the JSON (a JSON
     * printer's line breaks are whitespace, which the client's joining of data lines with LF keeps).
     */
    private static byte[] event(String fields, String type, byte[] data) {
        final StringBuilder event = new StringBuilder(data.length + 32).append(fields);
        if (type != null) {
            event.append("event: ").append(type).append('\n');
        }
        final String json = new String(data, StandardCharsets.UTF_8);
        for (String line : json.split("\r\n|\r|\n", -1)) {
            event.append("data: ").append(line).append('\n');
        }
        return event.append('\n').toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] line(byte[] json) {
        final byte[] one = oneLine(json);
        final byte[] line = new byte[one.length + 1];
        System.arraycopy(one, 0, line, 0, one.length);
        line[one.length] = '\n';
        return line;
    }

    /** The JSON on one line: a raw CR or LF in JSON is whitespace between tokens (in strings it is escaped). */
    private static byte[] oneLine(byte[] json) {
        byte[] copy = null;
        for (int i = 0; i < json.length; i++) {
            if (json[i] == '\n' || json[i] == '\r') {
                if (copy == null) {
                    copy = json.clone();
                }
                copy[i] = ' ';
            }
        }
        return copy == null ? json : copy;
    }
}
