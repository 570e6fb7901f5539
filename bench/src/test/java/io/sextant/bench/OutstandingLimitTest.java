package io.sextant.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class OutstandingLimitTest {

    @Test
    void refusesPastTheBoundUntilAPlaceIsGivenBack() throws InterruptedException {
        final OutstandingLimit limit = new OutstandingLimit(3);

        assertThat(limit.tryAcquire()).isTrue();
        assertThat(limit.tryAcquire()).isTrue();
        assertThat(limit.tryAcquire()).isTrue();
        assertThat(limit.tryAcquire()).isFalse();
        assertThat(limit.outstanding()).isEqualTo(3);
        assertThat(limit.awaitIdle(Duration.ZERO)).isFalse();

        limit.release();
        assertThat(limit.tryAcquire()).isTrue();
        limit.release();
        limit.release();
        limit.release();
        assertThat(limit.outstanding()).isZero();
        assertThat(limit.awaitIdle(Duration.ZERO)).isTrue();
        assertThat(limit.outstanding()).isZero();
    }

    @Test
    void aBoundBelowOneIsRefused() {
        assertThatThrownBy(() -> new OutstandingLimit(0)).isInstanceOf(IllegalArgumentException.class)
                                                         .hasMessageContaining("at least 1");
    }
}
