package io.sextant.platform.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TargetsTest {

    @ParameterizedTest
    @ValueSource(strings = {"localhost:8001", "auth-0:8001,auth-1:8001", "auth-1:8001, auth-2:8001", "[::1]:8001",
                            "dns:///auth.sextant.svc.cluster.local:8001", "127.0.0.1:1"})
    void everyFormOfATargetIsAccepted(String target) {
        assertThat(Targets.problem(target)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"auth", "auth:notaport", "auth:0", "auth:65536", ":8001", "auth:8001,", "auth:8001,broken",
                            "dns:///auth", "dns:///:8001", "dns:///a:1,b:2", "http://auth:8001"})
    void anythingElseIsRefusedSayingWhichFormsThereAre(String target) {
        assertThat(Targets.problem(target)).contains("host:port");
    }
}
