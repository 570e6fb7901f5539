package io.sextant.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class ScheduleTest {

    @Test
    void aFixedRateGivesOneIntendedTimePerPeriodAndTheWarmUpIsNotMeasured() {
        final Schedule schedule = new Schedule(1000, Duration.ofSeconds(10), Duration.ofSeconds(30));

        assertThat(schedule.total()).isEqualTo(40_000);
        assertThat(schedule.measured()).isEqualTo(30_000);
        assertThat(schedule.offsetNanos(0)).isZero();
        assertThat(schedule.offsetNanos(1)).isEqualTo(1_000_000);
        assertThat(schedule.offsetNanos(39_999)).isEqualTo(39_999_000_000L);
        assertThat(schedule.isMeasured(9_999)).isFalse();
        assertThat(schedule.isMeasured(10_000)).isTrue();
    }

    @Test
    void aRateThatDoesNotDivideASecondStillCountsEveryIntendedTimeOnceWithoutDrift() {
        final Schedule schedule = new Schedule(3, Duration.ofSeconds(1), Duration.ofSeconds(2));

        assertThat(schedule.total()).isEqualTo(9);
        assertThat(schedule.measured()).isEqualTo(6);
        long measured = 0;
        for (long i = 0; i < schedule.total(); i++) {
            assertThat(schedule.offsetNanos(i)).isLessThan(3_000_000_000L);
            if (i > 0) {
                assertThat(schedule.offsetNanos(i)).isGreaterThan(schedule.offsetNanos(i - 1));
            }
            measured += schedule.isMeasured(i) ? 1 : 0;
        }
        assertThat(measured).isEqualTo(schedule.measured());
        // computed from the index, not accumulated: the millionth period lands exactly
        assertThat(schedule.offsetNanos(3_000_000)).isEqualTo(1_000_000_000_000_000L);
    }

    @Test
    void noWarmUpMeasuresEverything() {
        final Schedule schedule = new Schedule(20_000, Duration.ZERO, Duration.ofSeconds(1));

        assertThat(schedule.total()).isEqualTo(20_000);
        assertThat(schedule.measured()).isEqualTo(20_000);
    }

    @Test
    void badRatesAndDurationsAreRefusedWithTheValue() {
        assertThatThrownBy(() -> new Schedule(0, Duration.ZERO, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rate");
        assertThatThrownBy(() -> new Schedule(Double.NaN, Duration.ZERO, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NaN");
        assertThatThrownBy(() -> new Schedule(10, Duration.ofSeconds(-1), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("warm-up");
        assertThatThrownBy(() -> new Schedule(10, Duration.ZERO, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("duration");
    }
}
