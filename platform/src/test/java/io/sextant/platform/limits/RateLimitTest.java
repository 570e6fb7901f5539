package io.sextant.platform.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.sextant.platform.config.ConfigException;
import io.sextant.platform.config.Env;

class RateLimitTest {

    private static RateLimit read(String text) {
        final Env env = Env.of(Map.of("SOME_LIMIT", text));
        final RateLimit limit = RateLimit.read(env, "SOME_LIMIT", "1/1s");
        env.check();
        return limit;
    }

    @Test
    void readsACountPerPeriod() {
        assertThat(read("600/1m")).isEqualTo(new RateLimit(600, Duration.ofMinutes(1)));
        assertThat(read(" 20 /1h")).isEqualTo(new RateLimit(20, Duration.ofHours(1)));
        assertThat(read("50/500ms")).isEqualTo(new RateLimit(50, Duration.ofMillis(500)));
        assertThat(read("6000/1m").describe()).isEqualTo("6000 per 60 s");
    }

    @Test
    void offIsNoLimitAndTheDefaultAppliesWhenUnset() {
        assertThat(read("off")).isNull();
        assertThat(read("OFF")).isNull();
        final Env env = Env.of(Map.of());
        assertThat(RateLimit.read(env, "SOME_LIMIT", "10/1m")).isEqualTo(new RateLimit(10, Duration.ofMinutes(1)));
    }

    @Test
    void aMalformedLimitIsAProblemNamingTheVariableAndTheSyntax() {
        for (String bad : new String[] {"lots", "0/1m", "-5/1m", "10/0s", "10", "10/1m/2", "10/fortnight", "/1m", "ten/1m"}) {
            assertThatThrownBy(() -> read(bad))
                    .as(bad)
                    .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement()
                            .satisfies(problem -> assertThat(problem).startsWith("SOME_LIMIT")
                                                                      .contains("'" + bad + "'", RateLimit.SYNTAX)));
        }
    }

    @Test
    void aLimitNeedsAPositiveCountAndPeriod() {
        assertThatThrownBy(() -> new RateLimit(0, Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RateLimit(1, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theBucketHoldsTheCountAndRefillsItOverThePeriod() {
        final var bandwidth = new RateLimit(600, Duration.ofMinutes(1)).bucket().getBandwidths();
        assertThat(bandwidth).singleElement().satisfies(b -> {
            assertThat(b.getCapacity()).isEqualTo(600);
            assertThat(b.getRefillTokens()).isEqualTo(600);
            assertThat(b.getRefillPeriodNanos()).isEqualTo(Duration.ofMinutes(1).toNanos());
            assertThat(b.isRefillIntervally()).as("refilled gradually, not all at once").isFalse();
        });
    }
}
