package io.sextant.auth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LoginThrottleTest {

    @Test
    void anIpv6ClientCountsAsItsSlash64() {
        assertThat(LoginThrottle.client("2001:db8:1:2:aaaa::1")).isEqualTo("2001:db8:1:2::/64");
        assertThat(LoginThrottle.client("2001:db8:1:2:bbbb:cccc:dddd:eeee")).isEqualTo("2001:db8:1:2::/64");
        assertThat(LoginThrottle.client("2001:db8:1:3::1")).isEqualTo("2001:db8:1:3::/64");
    }

    @Test
    void anIpv4ClientCountsAsItself() {
        assertThat(LoginThrottle.client("203.0.113.7")).isEqualTo("203.0.113.7");
        assertThat(LoginThrottle.client("unknown")).isEqualTo("unknown");
    }
}
