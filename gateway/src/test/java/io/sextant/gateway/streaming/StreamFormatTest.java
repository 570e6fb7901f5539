package io.sextant.gateway.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.linecorp.armeria.common.MediaType;

class StreamFormatTest {

    @Test
    void sseEventsCarryTheirNumberAndOneDataLinePerLine() {
        assertThat(text(StreamFormat.SSE.message(7, bytes("{\"a\":\"x\\ny\"}"))))
                .isEqualTo("id: 7\ndata: {\"a\":\"x\\ny\"}\n\n");
        // a printer's line breaks become data lines, which the client joins with LF again
        assertThat(text(StreamFormat.SSE.message(1, bytes("{\n  \"a\": 1\n}"))))
                .isEqualTo("id: 1\ndata: {\ndata:   \"a\": 1\ndata: }\n\n");
        assertThat(text(StreamFormat.SSE.end("COMPLETED"))).isEqualTo("event: end\ndata: {\"reason\":\"COMPLETED\"}\n\n");
        assertThat(text(StreamFormat.SSE.error(bytes("{\"error\":\"X\"}")))).isEqualTo("event: error\ndata: {\"error\":\"X\"}\n\n");
        assertThat(text(StreamFormat.SSE.heartbeat())).isEqualTo(": keepalive\n\n");
    }

    @Test
    void ndjsonIsOneLinePerMessageAndTheErrorWrapped() {
        assertThat(text(StreamFormat.NDJSON.message(1, bytes("{\n  \"a\": 1\n}")))).isEqualTo("{   \"a\": 1 }\n");
        assertThat(text(StreamFormat.NDJSON.error(bytes("{\"error\":\"X\"}")))).isEqualTo("{\"error\":{\"error\":\"X\"}}\n");
        assertThat(StreamFormat.NDJSON.end("COMPLETED")).isNull();
        assertThat(text(StreamFormat.NDJSON.heartbeat())).isEqualTo("\n");
    }

    @Test
    void theClientChoosesByAccept() {
        assertThat(StreamFormat.negotiate(List.of())).isEqualTo(StreamFormat.SSE);
        assertThat(StreamFormat.negotiate(List.of(MediaType.ANY_TYPE))).isEqualTo(StreamFormat.SSE);
        assertThat(StreamFormat.negotiate(List.of(MediaType.parse("application/x-ndjson")))).isEqualTo(StreamFormat.NDJSON);
        assertThat(StreamFormat.negotiate(List.of(MediaType.parse("text/event-stream"),
                                                  MediaType.parse("application/x-ndjson")))).isEqualTo(StreamFormat.SSE);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(com.linecorp.armeria.common.HttpData data) {
        return data.toStringUtf8();
    }
}
