package io.sextant.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import io.sextant.platform.testing.PackageCycles;

class PackageCyclesTest {

    @Test
    void gatewayPackagesHaveNoCycle() {
        // io.sextant.gateway is the wiring: it uses edge, backends, errors and openapi; none uses it
        assertThat(PackageCycles.of(Path.of("target/classes"), "io.sextant.gateway"))
                .as("package cycles in the gateway (each set depends on itself through the others)")
                .isEmpty();
    }
}
