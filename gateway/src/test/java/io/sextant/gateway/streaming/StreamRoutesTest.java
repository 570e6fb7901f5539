package io.sextant.gateway.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.QueryParams;

import io.sextant.gateway.backends.StreamKind;
import io.sextant.platform.error.ServiceException;
import io.sextant.storage.v1.StorageServiceGrpc;
import io.sextant.testing.v1.TickerServiceGrpc;
import io.sextant.testing.v1.WatchChannelRequest;
import io.sextant.testing.v1.WatchRequest;

/** HttpRule templates as routes, and HTTP requests bound to request messages, as the HttpRule spec says. */
class StreamRoutesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void templatesBecomeAnchoredRoutesWithAGroupPerVariable() {
        final HttpRuleRoute verb = HttpRuleRoute.parse(HttpMethod.GET, "/v1/ticks:watch");
        assertThat(verb.pattern().matcher("/v1/ticks:watch").matches()).isTrue();
        assertThat(verb.pattern().matcher("/v1/ticksXwatch").matches()).isFalse();
        assertThat(verb.pattern().matcher("/v1/ticks:watch/more").matches()).isFalse();
        assertThat(verb.variables()).isEmpty();

        final HttpRuleRoute resource = HttpRuleRoute.parse(HttpMethod.POST, "/v1/{name=channels/*}:watch");
        final Matcher matched = resource.pattern().matcher("/v1/channels/news:watch");
        assertThat(matched.matches()).isTrue();
        assertThat(matched.group(HttpRuleRoute.group(0))).isEqualTo("channels/news");
        assertThat(resource.variables()).containsExactly("name");
        assertThat(resource.pattern().matcher("/v1/channels/a/b:watch").matches()).isFalse();
        assertThat(resource.pattern().matcher("/v1/users/news:watch").matches()).isFalse();

        final HttpRuleRoute two = HttpRuleRoute.parse(HttpMethod.GET, "/v1/{parent=files/*}/links/{link.id}/**");
        final Matcher both = two.pattern().matcher("/v1/files/f1/links/l2/a/b");
        assertThat(both.matches()).isTrue();
        assertThat(both.group("v0")).isEqualTo("files/f1");
        assertThat(both.group("v1")).isEqualTo("l2");
        assertThat(two.variables()).containsExactly("parent", "link.id");

        assertThatThrownBy(() -> HttpRuleRoute.parse(HttpMethod.GET, "v1/x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HttpRuleRoute.parse(HttpMethod.GET, "/v1/{name")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void queryParametersAndPathVariablesFillTheirFieldsWithTheirJsonTypes() throws Exception {
        final RequestBinding binding = new RequestBinding(WatchRequest.getDescriptor(), "", List.of());
        final JsonNode request = json(binding.bind(null, List.of(), QueryParams.fromQueryString(
                "count=3&interval_ms=10&loud=true&tags=a&tags=b&label=x%20y&failAfter=2&unknown=1")));
        assertThat(request.get("count").asText()).isEqualTo("3"); // ProtoJSON reads numbers in strings
        assertThat(request.get("intervalMs").asText()).isEqualTo("10");
        assertThat(request.get("failAfter").asText()).isEqualTo("2"); // lowerCamel names too
        assertThat(request.get("loud").isBoolean()).isTrue();
        assertThat(request.get("tags")).hasSize(2);
        assertThat(request.get("label").asText()).isEqualTo("x y");
        assertThat(request.has("unknown")).as("parameters naming no field are ignored, as unary routes do").isFalse();
        // a bool that is no bool stays text, for the strict parser to refuse naming the field
        assertThat(json(binding.bind(null, List.of(), QueryParams.fromQueryString("loud=maybe"))).get("loud").isTextual())
                .isTrue();
    }

    @Test
    void theBodyAndThePathAreBoundTogether() throws Exception {
        final RequestBinding binding = new RequestBinding(WatchChannelRequest.getDescriptor(), "*", List.of("name"));
        final JsonNode request = json(binding.bind("{\"count\": 2}".getBytes(StandardCharsets.UTF_8),
                                                   List.of("channels/news"), QueryParams.fromQueryString("count=9")));
        assertThat(request).isEqualTo(JSON.valueToTree(Map.of("count", 2, "name", "channels/news")));
        assertThatThrownBy(() -> binding.bind("[1]".getBytes(StandardCharsets.UTF_8), List.of("channels/x"),
                                              QueryParams.of()))
                .isInstanceOf(ServiceException.class);
        assertThatThrownBy(() -> binding.bind("{".getBytes(StandardCharsets.UTF_8), List.of("channels/x"),
                                              QueryParams.of()))
                .isInstanceOf(ServiceException.class).hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> new RequestBinding(WatchChannelRequest.getDescriptor(), "", List.of("nmae")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("nmae");
    }

    @Test
    void whatAStreamCarriesIsReadFromItsResponseType() {
        assertThat(kind(TickerServiceGrpc.getWatchMethod().getFullMethodName())).isEqualTo(StreamKind.MESSAGES);
        assertThat(kind(TickerServiceGrpc.getDownloadMethod().getFullMethodName())).isEqualTo(StreamKind.HTTP_BODY);
        assertThat(kind(TickerServiceGrpc.getGetTickMethod().getFullMethodName())).isEqualTo(StreamKind.NONE);
        // storage's downloads are chunks of bytes in its own messages: not events
        assertThat(kind(StorageServiceGrpc.getDownloadFileMethod().getFullMethodName())).isEqualTo(StreamKind.BYTE_CHUNKS);
        assertThat(kind(StorageServiceGrpc.getUploadFileMethod().getFullMethodName())).isEqualTo(StreamKind.NONE);
    }

    private static StreamKind kind(String fullMethodName) {
        final String service = fullMethodName.substring(0, fullMethodName.indexOf('/'));
        final String method = fullMethodName.substring(fullMethodName.indexOf('/') + 1);
        final com.google.protobuf.Descriptors.ServiceDescriptor descriptor = service.startsWith("sextant.testing")
                ? WatchRequest.getDescriptor().getFile().findServiceByName("TickerService")
                : io.sextant.storage.v1.DownloadFileRequest.getDescriptor().getFile().findServiceByName("StorageService");
        return StreamKind.of(descriptor.findMethodByName(method));
    }

    private static JsonNode json(byte[] bytes) throws Exception {
        return JSON.readTree(bytes);
    }
}
