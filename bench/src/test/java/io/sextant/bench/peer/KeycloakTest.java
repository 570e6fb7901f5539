package io.sextant.bench.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

/** What the Keycloak peer reads and writes without a server; {@code KeycloakIT} runs the real one. */
class KeycloakTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theHashingIsDescribedFromTheStoredCredential() throws Exception {
        // as Keycloak 26.7.3's admin API answered GET /admin/realms/bench/users/{id}/credentials
        final String stored = """
                [{"id":"d744466f-be4d-46a4-b4c5-47b4e209ad06","type":"password","createdDate":1796104111991,
                  "credentialData":"{\\"hashIterations\\":5,\\"algorithm\\":\\"argon2\\",\\"additionalParameters\\":{\\"hashLength\\":[\\"32\\"],\\"memory\\":[\\"7168\\"],\\"type\\":[\\"id\\"],\\"version\\":[\\"1.3\\"],\\"parallelism\\":[\\"1\\"]}}"}]
                """;
        assertThat(Keycloak.describeHashing(JSON.readTree(stored))).isEqualTo("argon2id m=7168 KiB t=5 p=1");
    }

    @Test
    void anotherAlgorithmIsNamedWithItsIterations() throws Exception {
        final String stored = """
                [{"type":"otp","credentialData":"{}"},
                 {"type":"password","credentialData":"{\\"hashIterations\\":210000,\\"algorithm\\":\\"pbkdf2-sha512\\",\\"additionalParameters\\":{}}"}]
                """;
        assertThat(Keycloak.describeHashing(JSON.readTree(stored))).isEqualTo("pbkdf2-sha512 iterations=210000");
    }

    @Test
    void aUserWithoutAPasswordIsAnError() {
        assertThatThrownBy(() -> Keycloak.describeHashing(JSON.readTree("[]")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("no password credential");
    }

    @Test
    void formBodiesAreEncoded() {
        assertThat(Keycloak.form(Map.of("password", "correct horse&battery=", "grant_type", "password")))
                .isEqualTo("grant_type=password&password=correct+horse%26battery%3D");
    }
}
