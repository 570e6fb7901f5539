package io.sextant.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

class MeasurementTest {

    private static final long MILLI = 1_000_000;

    @Test
    void percentilesOfKnownLatenciesComeOutWithinTheHistogramsPrecision() {
        final Measurement measurement = new Measurement();
        for (long millis = 1; millis <= 1000; millis++) {
            measurement.record(Outcome.OK, millis * MILLI);
        }
        final RunResult result = result(measurement.close(), 1000);

        assertThat(result.successes()).isEqualTo(1000);
        // 3 significant digits: within 0.1 %
        assertThat(result.percentileMillis(50)).isCloseTo(500, within(0.5));
        assertThat(result.percentileMillis(90)).isCloseTo(900, within(0.9));
        assertThat(result.percentileMillis(99)).isCloseTo(990, within(1.0));
        assertThat(result.percentileMillis(99.9)).isCloseTo(999, within(1.0));
        assertThat(result.maxMillis()).isCloseTo(1000, within(1.0));
        assertThat(result.throughput()).isCloseTo(100, within(1e-9));
        assertThat(result.errorCount()).isZero();
    }

    @Test
    void errorsAreCountedByKindAndKeptOutOfTheLatencies() {
        final Measurement measurement = new Measurement();
        measurement.record(Outcome.OK, 2 * MILLI);
        measurement.record(Outcome.httpStatus(401), 500 * MILLI);
        measurement.record(Outcome.httpStatus(401), 500 * MILLI);
        measurement.record(Outcome.error("timeout"), 0);
        final RunResult result = result(measurement.close(), 4);

        assertThat(result.errors()).containsExactly(Map.entry("http 401", 2L), Map.entry("timeout", 1L));
        assertThat(result.errorRatio()).isEqualTo(0.75);
        assertThat(result.maxMillis()).isCloseTo(2, within(0.01));
    }

    @Test
    void theKindsOfErrorAreBoundedAndTheRestCountedAsOther() {
        final Measurement measurement = new Measurement();
        for (int i = 0; i < Measurement.MAX_ERROR_KINDS + 10; i++) {
            measurement.error("kind " + i);
        }
        final Map<String, Long> errors = measurement.close().errors();

        assertThat(errors).hasSize(Measurement.MAX_ERROR_KINDS + 1);
        assertThat(errors.get(Measurement.OTHER_ERRORS)).isEqualTo(10);
    }

    @Test
    void latenciesBeyondTheHistogramsRangeAreClampedNotLost() {
        final Measurement measurement = new Measurement();
        measurement.record(Outcome.OK, Measurement.HIGHEST_NANOS * 2);
        final RunResult result = result(measurement.close(), 1);

        assertThat(result.successes()).isEqualTo(1);
        assertThat(result.latencies().getTotalCount()).isEqualTo(1);
    }

    @Test
    void nothingIsRecordedAfterClose() {
        final Measurement measurement = new Measurement();
        measurement.record(Outcome.OK, MILLI);
        final Measurement.Snapshot snapshot = measurement.close();
        measurement.record(Outcome.OK, MILLI);
        measurement.error("late");

        assertThat(snapshot.successes()).isEqualTo(1);
        assertThat(measurement.close().successes()).isEqualTo(1);
        assertThat(measurement.close().errors()).isEmpty();
    }

    private static RunResult result(Measurement.Snapshot snapshot, long requests) {
        return new RunResult("test", 100, Duration.ofSeconds(10), requests, snapshot.successes(), snapshot.errors(),
                             snapshot.latencies(), 0, "0.00",
                             CpuMeter.CpuUse.UNKNOWN);
    }
}
