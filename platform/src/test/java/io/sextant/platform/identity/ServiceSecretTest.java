package io.sextant.platform.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.sextant.platform.config.ConfigException;
import io.sextant.platform.config.Env;

class ServiceSecretTest {

    private static final String GOOD = "k4Jd9xQ2mZp7Lw3Vb8Rt1Yc6Nf0Hs5Ga";

    private static ServiceSecret read(Map<String, String> values) {
        final Env env = Env.of(values);
        final ServiceSecret secret = ServiceSecret.read(env, "notification");
        env.check();
        return secret;
    }

    @Test
    void aSecretFromTheSettingOrAFileIsReadAndNeverPrinted(@TempDir Path dir) throws IOException {
        assertThat(read(Map.of("SERVICE_SECRET", GOOD)).value()).isEqualTo(GOOD);
        final Path file = dir.resolve("secret");
        Files.writeString(file, GOOD + "\n");
        final ServiceSecret fromFile = read(Map.of("SERVICE_SECRET_FILE", file.toString()));
        assertThat(fromFile.value()).isEqualTo(GOOD);
        assertThat(fromFile.toString()).doesNotContain(GOOD);
    }

    @Test
    void aMissingShortMalformedOrDoubleSecretIsAStartUpErrorNamingTheSettingWithoutTheValue(@TempDir Path dir) {
        assertThatThrownBy(() -> read(Map.of()))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement().satisfies(
                        p -> assertThat(p).startsWith("SERVICE_SECRET is not set").contains("SERVICE_ACCOUNTS")
                                          .contains("'notification'")));
        assertThatThrownBy(() -> read(Map.of("SERVICE_SECRET", "short-secret-123")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement().satisfies(
                        p -> assertThat(p).startsWith("SERVICE_SECRET must be 32 to 512 characters long")
                                          .doesNotContain("short-secret-123")));
        assertThatThrownBy(() -> read(Map.of("SERVICE_SECRET", GOOD.substring(0, 16) + " " + GOOD.substring(16))))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement().satisfies(
                        p -> assertThat(p).startsWith("SERVICE_SECRET must be printable ASCII").doesNotContain(GOOD.substring(0, 16))));
        assertThatThrownBy(() -> read(Map.of("SERVICE_SECRET", GOOD, "SERVICE_SECRET_FILE", "/x")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement().satisfies(
                        p -> assertThat(p).contains("are both set")));
        final String missing = dir.resolve("nope").toString();
        assertThatThrownBy(() -> read(Map.of("SERVICE_SECRET_FILE", missing)))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement().satisfies(
                        p -> assertThat(p).startsWith("SERVICE_SECRET_FILE is '" + missing + "', which is not a readable file")));
    }
}
