package io.sextant.gateway.openapi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.sextant.gateway.backends.Backend;


/** The generator without the gateway around it: comments from the descriptor set, or none without it. */
class OpenApiDocumentTest {

    @Test
    void commentsComeFromTheDescriptorSetInTheProtoJar() {
        final ProtoComments comments = ProtoComments.load(getClass().getClassLoader());

        assertThat(comments.size()).isGreaterThan(100);
        final JsonNode document = OpenApiDocument.generate(Backend.ALL, comments, "1.2.3");
        assertThat(document.at("/info/version").asText()).isEqualTo("1.2.3");
        assertThat(document.at("/paths/~1v1~1auth~1login/post/summary").asText()).isNotBlank();
        assertThat(document.at("/components/schemas/sextant.users.v1.User/description").asText()).isNotBlank();
        // a service's comment describes its tag
        assertThat(document.at("/tags/0/name").asText()).isEqualTo("AuthService");
        assertThat(document.at("/tags/0/description").asText()).isNotBlank();
    }

    @Test
    void withoutTheDescriptorSetTheDocumentIsCompleteButUndescribed() {
        final ClassLoader empty = new ClassLoader(null) { };
        final ProtoComments comments = ProtoComments.load(empty);

        assertThat(comments.size()).isZero();
        final JsonNode document = OpenApiDocument.generate(Backend.ALL, comments, "1.2.3");
        final JsonNode login = document.at("/paths/~1v1~1auth~1login/post");
        assertThat(login.get("operationId").asText()).isEqualTo("Login");
        assertThat(login.has("description")).isFalse();
        assertThat(document.at("/components/schemas/sextant.users.v1.User/description").isMissingNode()).isTrue();
    }

    @Test
    void onlyTheGivenBackendsAreDescribed() {
        final JsonNode document = OpenApiDocument.generate(List.of(Backend.ALL.get(0)), ProtoComments.none(), "x");

        assertThat(document.at("/components/schemas/sextant.auth.v1.Token/type").asText()).isEqualTo("object");
        assertThat(document.at("/paths/~1v1~1auth~1login/post/responses/200/content/application~1json/schema/$ref")
                           .asText()).isEqualTo("#/components/schemas/sextant.auth.v1.Token");
        assertThat(document.at("/paths/~1v1~1users").isMissingNode()).isTrue();
    }
}
