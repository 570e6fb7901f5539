package io.sextant.notification.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class AddressPolicyTest {

    private static InetAddress ip(String literal) throws UnknownHostException {
        return InetAddress.getByName(literal); // literals only: nothing is resolved
    }

    @ParameterizedTest
    @CsvSource({
            "127.0.0.1, loopback", "127.255.0.9, loopback", "::1, loopback",
            "10.0.0.1, private", "172.16.0.1, private", "172.31.255.255, private", "192.168.1.1, private",
            "100.64.0.1, shared (CGNAT)", "169.254.169.254, link-local", "fe80::1, link-local",
            "224.0.0.1, multicast", "ff02::1, multicast", "fd00::1, unique-local", "fc00::1, unique-local",
            "fec0::1, site-local", "0.0.0.0, unspecified", "::, unspecified", "240.0.0.1, reserved",
            "255.255.255.255, reserved", "198.18.0.1, reserved",
            "64:ff9b::a00:1, private (NAT64)", "2002:a00:1::1, private (6to4)"})
    void recognisesAddressesThatAreNotPublic(String address, String kind) throws UnknownHostException {
        assertThat(AddressPolicy.kind(ip(address))).isEqualTo(kind);
        assertThat(AddressPolicy.publicOnly().allows(ip(address))).isFalse();
        assertThat(AddressPolicy.any().allows(ip(address))).isTrue();
    }

    @Test
    void anIpv4MappedAddressIsJudgedByItsIpv4Address() throws UnknownHostException {
        // Java turns ::ffff:a.b.c.d into the IPv4 address itself; an Inet6Address holding one is judged the same
        final byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        mapped[12] = 10;
        mapped[15] = 1;
        assertThat(AddressPolicy.kind(java.net.Inet6Address.getByAddress(null, mapped, -1)))
                .isEqualTo("private (IPv4-mapped)");
        assertThat(AddressPolicy.kind(ip("::ffff:10.0.0.1"))).startsWith("private");
    }

    @ParameterizedTest
    @ValueSource(strings = {"8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2001:4860:4860::8888",
                            "2606:4700:4700::1111"})
    void publicAddressesAreAllowed(String address) throws UnknownHostException {
        assertThat(AddressPolicy.kind(ip(address))).isNull();
        assertThat(AddressPolicy.publicOnly().allows(ip(address))).isTrue();
    }

    @Test
    void listedNetworksAreAllowedAndNothingElse() throws UnknownHostException {
        final AddressPolicy policy = AddressPolicy.parse("127.0.0.0/8, ::1, 10.20.0.0/16");

        assertThat(policy.allows(ip("127.0.0.1"))).isTrue();
        assertThat(policy.allows(ip("::1"))).isTrue();
        assertThat(policy.allows(ip("10.20.3.4"))).isTrue();
        assertThat(policy.allows(ip("10.21.0.1"))).isFalse();
        assertThat(policy.allows(ip("192.168.0.1"))).isFalse();
        assertThat(policy.allows(ip("fd00::1"))).isFalse();
        assertThat(policy.allows(ip("8.8.8.8"))).isTrue();
    }

    @Test
    void readsTheSettingsWords() throws UnknownHostException {
        assertThat(AddressPolicy.parse(null).allows(ip("10.0.0.1"))).isFalse();
        assertThat(AddressPolicy.parse("false").allows(ip("10.0.0.1"))).isFalse();
        assertThat(AddressPolicy.parse("true").allows(ip("10.0.0.1"))).isTrue();
        assertThatThrownBy(() -> AddressPolicy.parse("10.0.0.0/33")).hasMessageContaining("prefix length");
        assertThatThrownBy(() -> AddressPolicy.parse("intranet.local")).hasMessageContaining("not an IP address");
    }
}
