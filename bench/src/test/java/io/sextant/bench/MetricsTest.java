package io.sextant.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Reading the mesh's Prometheus text: RPC outcomes and the gateway's breakers. */
class MetricsTest {

    /** As auth's /metrics prints it (simpleclient: a comma before the closing brace). */
    private static final String AUTH = """
            # HELP grpc_server_handled_total RPCs completed on the server, by status code.
            # TYPE grpc_server_handled_total counter
            grpc_server_handled_total{grpc_service="sextant.auth.v1.AuthService",grpc_method="ValidateToken",grpc_type="unary",grpc_code="OK",} 200.0
            grpc_server_handled_total{grpc_service="sextant.auth.v1.AuthService",grpc_method="ValidateToken",grpc_type="unary",grpc_code="UNAUTHENTICATED",} 7.0
            grpc_server_handled_total{grpc_service="sextant.auth.v1.AuthService",grpc_method="ValidateToken",grpc_type="unary",grpc_code="CANCELLED",} 2.0
            grpc_server_handled_total{grpc_service="sextant.auth.v1.AuthService",grpc_method="Login",grpc_type="unary",grpc_code="OK",} 3.0
            grpc_server_handling_seconds_bucket{grpc_service="sextant.auth.v1.AuthService",grpc_method="ValidateToken",grpc_type="unary",le="5.0E-4",} 0.0
            grpc_server_handling_seconds_bucket{grpc_service="sextant.auth.v1.AuthService",grpc_method="ValidateToken",grpc_type="unary",le="+Inf",} 207.0
            process_cpu_seconds_total 12.5
            weird{text="a \\"quoted\\", value"} NaN 1700000000000
            """;

    @Test
    void samplesAreReadWithTheirLabels() {
        final PrometheusText metrics = PrometheusText.parse(AUTH);

        assertThat(metrics.samples()).hasSize(8);
        assertThat(metrics.sum("process_cpu_seconds_total", labels -> true)).isEqualTo(12.5);
        assertThat(metrics.samples().get(5).labels()).containsEntry("le", "+Inf");
        assertThat(metrics.samples().get(7).labels()).containsExactly(Map.entry("text", "a \"quoted\", value"));
        assertThat(metrics.samples().get(7).value()).isNaN();
        assertThat(metrics.has("nothing_of_the_kind")).isFalse();
        assertThatThrownBy(() -> PrometheusText.parse("broken{le=\"1\" 2")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void validateCallsAreCountedByOutcome() {
        final PrometheusText metrics = PrometheusText.parse(AUTH);

        assertThat(Suite.validateCalls(metrics, true)).isEqualTo(200);
        assertThat(Suite.validateCalls(metrics, false)).isEqualTo(9);
        assertThat(Suite.validateCalls(metrics, "CANCELLED")).isEqualTo(2);
    }

    @Test
    void theBreakersAreReadWhenTheGatewayExportsThemAndNotInventedWhenNot() {
        final PrometheusText gateway = PrometheusText.parse("""
                sextant_circuit_breaker_opened_total{caller="gateway",target="auth"} 2.0
                sextant_circuit_breaker_opened_total{caller="gateway",target="users"} 1.0
                sextant_circuit_breaker_state{caller="gateway",target="auth"} 0.0
                sextant_circuit_breaker_state{caller="gateway",target="users"} 2.0
                """);

        final Findings.Breakers breakers = Findings.Breakers.of(gateway);
        final Findings.Breakers absent = Findings.Breakers.of(PrometheusText.parse(AUTH));

        assertThat(breakers.openedTotal()).isEqualTo(3.0);
        assertThat(breakers.worstState()).isEqualTo(2.0);
        assertThat(Report.breaker(new Findings.Breakers(1.0, 0.0), breakers)).isEqualTo("open, opened 2×");
        assertThat(absent).isEqualTo(Findings.Breakers.ABSENT);
        assertThat(Report.breaker(absent, absent)).isEqualTo("n/a");
    }

    @Test
    void theMeshsMemoryIsReadFromProcStatus() {
        final var memory = ProcessStats.memory(List.of("Name:\tjava", "VmHWM:\t  707584 kB", "VmRSS:\t  671744 kB"));

        assertThat(memory).get().extracting(ProcessStats.Memory::rssMib).isEqualTo(656.0);
        assertThat(memory).get().extracting(ProcessStats.Memory::peakMib).isEqualTo(691.0);
        assertThat(ProcessStats.memory(List.of("Name:\tkthreadd"))).isEmpty();
        // this JVM's own, read for real
        assertThat(ProcessStats.memory(ProcessHandle.current().pid())).get()
                .satisfies(m -> assertThat(m.peakMib()).isGreaterThanOrEqualTo(m.rssMib()).isPositive());
    }

    @Test
    void theStoredHashNamesItsCost() {
        assertThat(Suite.describeHash("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"))
                .isEqualTo("argon2id m=19456 KiB t=2 p=1");
        assertThat(Suite.describeHash("$2a$10$abcdefghijklmnopqrstuv")).isEqualTo("$2a$...");
    }
}
