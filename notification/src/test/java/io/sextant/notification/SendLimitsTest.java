package io.sextant.notification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.prometheus.client.CollectorRegistry;
import io.sextant.platform.config.ConfigException;
import io.sextant.platform.config.Env;
import io.sextant.platform.error.ServiceException;
import io.sextant.platform.limits.RateLimit;

class SendLimitsTest {

    private static Env env(Map<String, String> values) {
        return Env.of(TestNotificationServers.identity()).with(values);
    }

    @Test
    void byDefaultACallerSends6000AMinuteAndARecipientReceives20AnHourCountedPerReplica() {
        final SendLimits.Settings limits = NotificationConfig.read(env(Map.of())).sendLimits();
        assertThat(limits.caller()).isEqualTo(new RateLimit(6000, Duration.ofMinutes(1)));
        assertThat(limits.recipient()).isEqualTo(new RateLimit(20, Duration.ofHours(1)));
        assertThat(limits.shared()).isFalse();
    }

    @Test
    void eachLimitCanBeSetOrTurnedOffAndTheCountsShared() {
        final SendLimits.Settings limits = NotificationConfig.read(env(Map.of(
                "SEND_LIMIT_CALLER", "off", "SEND_LIMIT_RECIPIENT", "5/10m", "SEND_LIMIT_STORE", "postgres"))).sendLimits();
        assertThat(limits.caller()).isNull();
        assertThat(limits.recipient()).isEqualTo(new RateLimit(5, Duration.ofMinutes(10)));
        assertThat(limits.shared()).isTrue();
        final SendLimits.Settings off = NotificationConfig.read(env(Map.of(
                "SEND_LIMIT_CALLER", "off", "SEND_LIMIT_RECIPIENT", "OFF"))).sendLimits();
        assertThat(off.caller()).isNull();
        assertThat(off.recipient()).isNull();
    }

    @Test
    void badValuesNameTheirVariables() {
        assertThatThrownBy(() -> NotificationConfig.read(env(Map.of(
                "SEND_LIMIT_CALLER", "lots", "SEND_LIMIT_RECIPIENT", "0/1h", "SEND_LIMIT_STORE", "redis"))))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).satisfiesExactlyInAnyOrder(
                        problem -> assertThat(problem).startsWith("SEND_LIMIT_CALLER").contains("'lots'", "600/1m"),
                        problem -> assertThat(problem).startsWith("SEND_LIMIT_RECIPIENT").contains("'0/1h'"),
                        problem -> assertThat(problem).startsWith("SEND_LIMIT_STORE")
                                                      .contains("'redis'", "memory", "postgres")));
    }

    @Test
    void webhooksHaveNoRecipientLimitButCountForTheCaller() {
        final SendLimits.Settings settings = new SendLimits.Settings(new RateLimit(10, Duration.ofHours(1)),
                                                                     new RateLimit(2, Duration.ofHours(1)), false);
        try (SendLimits limits = SendLimits.open(settings, null, new CollectorRegistry())) {
            final var hook = new SendLimits.Recipient("requests[0].notification.recipient", "WEBHOOK",
                                                      "https://hooks.example.com/in", false);
            limits.takeForRecipients(limits.takeForCaller("services/shop", 5), Collections.nCopies(5, hook));
            limits.takeForRecipients(limits.takeForCaller("services/shop", 5), Collections.nCopies(5, hook));
            assertThatThrownBy(() -> limits.takeForCaller("services/shop", 1))
                    .isInstanceOfSatisfying(ServiceException.class,
                                            e -> assertThat(e.reason()).isEqualTo(SendLimits.CALLER_LIMITED));
            final var mail = new SendLimits.Recipient("notification.recipient", "EMAIL", "Ada@Example.com", false);
            final var same = new SendLimits.Recipient("notification.recipient", "EMAIL", "ada@example.COM", false);
            limits.takeForRecipients(limits.takeForCaller("services/other", 2), List.of(mail, same));
            assertThatThrownBy(() -> limits.takeForRecipients(limits.takeForCaller("services/other", 1),
                                                              List.of(mail)))
                    .isInstanceOfSatisfying(ServiceException.class, e -> {
                        assertThat(e.reason()).isEqualTo(SendLimits.RECIPIENT_LIMITED);
                        assertThat(e.retryDelay()).isPositive();
                    });
        }
    }
}
