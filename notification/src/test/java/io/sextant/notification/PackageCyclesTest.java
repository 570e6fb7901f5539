package io.sextant.notification;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import io.sextant.platform.testing.PackageCycles;

class PackageCyclesTest {

    @Test
    void notificationPackagesHaveNoCycle() {
        assertThat(PackageCycles.of(Path.of("target/classes"), "io.sextant.notification"))
                .as("package cycles in the notification service (each set depends on itself through the others)")
                .isEmpty();
    }
}
