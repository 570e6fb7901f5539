package io.sextant.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The mesh is started with the flags of the repository's own sextant script. */
class SextantScriptTest {

    @Test
    void theFlagsAreThoseOfTheExecJavaLine() {
        assertThat(SextantScript.jvmFlags(List.of("case x in", "  up)", "    exec java -XX:+UseSerialGC -Xss512k -jar \"$jar\"")))
                .containsExactly("-XX:+UseSerialGC", "-Xss512k");
        assertThat(SextantScript.jvmFlags(List.of("exec java -jar \"$jar\""))).isEmpty();
    }

    @Test
    void theDefaultsVariableWinsOverTheExecLine() {
        assertThat(SextantScript.jvmFlags(List.of("JAVA_OPTS_DEFAULT=\"-XX:+UseSerialGC -Xmx256m\"",
                                                  "    exec java ${SEXTANT_JAVA_OPTS:-$JAVA_OPTS_DEFAULT} -jar \"$jar\"")))
                .containsExactly("-XX:+UseSerialGC", "-Xmx256m");
    }

    @Test
    void aLineTheBenchCannotEvaluateIsRefusedNotGuessed() {
        assertThatThrownBy(() -> SextantScript.jvmFlags(List.of("exec java $JAVA_OPTS -jar \"$jar\"")))
                .hasMessageContaining("shell expansion");
        assertThatThrownBy(() -> SextantScript.jvmFlags(List.of("java -jar x.jar"))).hasMessageContaining("no 'exec java");
    }

    @Test
    void theRepositorysScriptIsReadable() {
        // the tests run in bench/; the script is at the repository's root
        final List<String> flags = SextantScript.jvmFlags(Path.of("../sextant"));

        assertThat(flags).isNotEmpty().allSatisfy(flag -> assertThat(flag).startsWith("-"));
    }
}
