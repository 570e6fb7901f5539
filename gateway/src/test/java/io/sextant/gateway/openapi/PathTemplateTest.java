package io.sextant.gateway.openapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;

import org.junit.jupiter.api.Test;

class PathTemplateTest {

    @Test
    void aResourceNameIsSpreadOverItsSegments() {
        final PathTemplate path = PathTemplate.parse("/v1/{name=files/*/share-links/*}");

        assertThat(path.path()).isEqualTo("/v1/files/{files_id}/share-links/{share_links_id}");
        assertThat(path.parameters()).containsExactly(
                new PathTemplate.Parameter("files_id", "name", "files/{files_id}/share-links/{share_links_id}"),
                new PathTemplate.Parameter("share_links_id", "name", "files/{files_id}/share-links/{share_links_id}"));
        assertThat(path.boundFieldPaths()).isEqualTo(Set.of("name"));
    }

    @Test
    void aNestedFieldAndACustomVerbStay() {
        final PathTemplate path = PathTemplate.parse("/v1/{template.name=templates/*}:render");

        assertThat(path.path()).isEqualTo("/v1/templates/{templates_id}:render");
        assertThat(path.boundFieldPaths()).isEqualTo(Set.of("template.name"));
    }

    @Test
    void aPlainVariableIsOneParameterNamedByItsField() {
        final PathTemplate path = PathTemplate.parse("/v1/shared/{token}");

        assertThat(path.path()).isEqualTo("/v1/shared/{token}");
        assertThat(path.parameters()).containsExactly(new PathTemplate.Parameter("token", "token", null));
    }

    @Test
    void twoVariablesOverTheSameCollectionGetDistinctNames() {
        final PathTemplate path = PathTemplate.parse("/v1/{parent=users/*}/links/{other=users/*}");

        assertThat(path.path()).isEqualTo("/v1/users/{users_id}/links/users/{users_id_2}");
        assertThat(path.boundFieldPaths()).isEqualTo(Set.of("parent", "other"));
    }

    @Test
    void aMultiSegmentWildcardIsAPathParameter() {
        final PathTemplate path = PathTemplate.parse("/v1/{name=objects/**}");

        assertThat(path.path()).isEqualTo("/v1/objects/{objects_path}");
    }

    @Test
    void aRelativeTemplateIsRefused() {
        assertThatThrownBy(() -> PathTemplate.parse("v1/users")).isInstanceOf(IllegalArgumentException.class)
                                                                 .hasMessageContaining("must start with '/'");
    }
}
