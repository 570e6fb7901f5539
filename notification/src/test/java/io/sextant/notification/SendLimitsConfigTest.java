package io.sextant.notification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.sextant.platform.config.ConfigException;
import io.sextant.platform.config.Env;
import io.sextant.platform.limits.RateLimit;

class SendLimitsConfigTest {

    @Test
    void byDefaultACallerSends6000AMinuteAndARecipientReceives20AnHourCountedPerReplica() {
        final SendLimits.Settings limits = NotificationConfig.read(Env.of(Map.of())).sendLimits();
        assertThat(limits.caller()).isEqualTo(new RateLimit(6000, Duration.ofMinutes(1)));
        assertThat(limits.recipient()).isEqualTo(new RateLimit(20, Duration.ofHours(1)));
        assertThat(limits.shared()).isFalse();
    }

    @Test
    void eachLimitCanBeSetOrTurnedOffAndTheCountsShared() {
        final SendLimits.Settings limits = NotificationConfig.read(Env.of(Map.of(
                "SEND_LIMIT_CALLER", "off", "SEND_LIMIT_RECIPIENT", "5/10m", "SEND_LIMIT_STORE", "postgres"))).sendLimits();
        assertThat(limits.caller()).isNull();
        assertThat(limits.recipient()).isEqualTo(new RateLimit(5, Duration.ofMinutes(10)));
        assertThat(limits.shared()).isTrue();
        final SendLimits.Settings off = NotificationConfig.read(Env.of(Map.of(
                "SEND_LIMIT_CALLER", "off", "SEND_LIMIT_RECIPIENT", "OFF"))).sendLimits();
        assertThat(off.caller()).isNull();
        assertThat(off.recipient()).isNull();
    }

    @Test
    void badValuesNameTheirVariables() {
        assertThatThrownBy(() -> NotificationConfig.read(Env.of(Map.of(
                "SEND_LIMIT_CALLER", "lots", "SEND_LIMIT_RECIPIENT", "0/1h", "SEND_LIMIT_STORE", "redis"))))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).satisfiesExactlyInAnyOrder(
                        problem -> assertThat(problem).startsWith("SEND_LIMIT_CALLER").contains("'lots'", "600/1m"),
                        problem -> assertThat(problem).startsWith("SEND_LIMIT_RECIPIENT").contains("'0/1h'"),
                        problem -> assertThat(problem).startsWith("SEND_LIMIT_STORE")
                                                      .contains("'redis'", "memory", "postgres")));
    }
}
