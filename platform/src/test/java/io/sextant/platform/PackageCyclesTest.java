package io.sextant.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.sextant.platform.testing.PackageCycles;

class PackageCyclesTest {

    @Test
    void platformPackagesHaveNoCycle() {
        assertThat(PackageCycles.of(Path.of("target/classes"), "io.sextant.platform"))
                .as("package cycles in the platform (each set depends on itself through the others)")
                .isEmpty();
    }

    @Test
    void aCycleThroughAThirdPackageIsFound() {
        assertThat(PackageCycles.of(Map.of("a.identity", Set.of("a.grpc"),
                                           "a.grpc", Set.of("a.server", "a.error"),
                                           "a.server", Set.of("a.identity"),
                                           "a.error", Set.of())))
                .containsExactly(Set.of("a.identity", "a.grpc", "a.server"));
    }
}
