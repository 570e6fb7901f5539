package io.sextant.platform.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.google.common.net.InetAddresses;

class ClientAddressTest {

    private static final ClientAddress BEHIND_PRIVATE_PROXIES = new ClientAddress("127.0.0.0/8,10.0.0.0/8");
    private static final ClientAddress AT_THE_EDGE = new ClientAddress("");

    private static String resolve(ClientAddress addresses, String peer, String... forwardedFor) {
        final InetAddress address = addresses.resolve(InetAddresses.forString(peer), List.of(forwardedFor));
        return address.getHostAddress();
    }

    @Test
    void anUntrustedPeerIsTheClientWhateverItClaims() {
        assertThat(resolve(AT_THE_EDGE, "198.51.100.7", "203.0.113.9")).isEqualTo("198.51.100.7");
        assertThat(resolve(BEHIND_PRIVATE_PROXIES, "198.51.100.7", "10.0.0.1")).isEqualTo("198.51.100.7");
    }

    @Test
    void behindTrustedProxiesTheRightmostUntrustedHopIsTheClient() {
        // the client wrote "6.6.6.6"; the load balancer appended what it saw, 203.0.113.9
        assertThat(resolve(BEHIND_PRIVATE_PROXIES, "10.0.0.5", "6.6.6.6, 203.0.113.9")).isEqualTo("203.0.113.9");
        assertThat(resolve(BEHIND_PRIVATE_PROXIES, "10.0.0.5", "6.6.6.6", "203.0.113.9, 10.0.0.4")).isEqualTo("203.0.113.9");
    }

    @Test
    void aTrustedPeerWithoutHeaderOrWithGarbageStaysThePeerOrTheLastGoodHop() {
        assertThat(resolve(BEHIND_PRIVATE_PROXIES, "10.0.0.5")).isEqualTo("10.0.0.5");
        assertThat(resolve(BEHIND_PRIVATE_PROXIES, "10.0.0.5", "203.0.113.9, not-an-ip")).isEqualTo("10.0.0.5");
        assertThat(resolve(BEHIND_PRIVATE_PROXIES, "10.0.0.5", "10.0.0.9")).isEqualTo("10.0.0.9");
    }
}
