package io.sextant.notification.channel;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.google.common.net.InetAddresses;

/**
 * Which IP addresses a webhook may be delivered to: the server-side request forgery guard. Public
 * addresses always; the others (loopback, private, shared/CGNAT, link-local, multicast, unique-local,
 * site-local, unspecified and reserved ranges, also when an IPv6 address embeds an IPv4 one: mapped,
 * NAT64, 6to4) only when allowed, all of them or the listed networks.
 */
public final class AddressPolicy {

    /** A network in CIDR notation. */
    public record Network(byte[] prefix, int bits) {

        /** {@code 10.0.0.0/8}, {@code fd00::/8}, or a bare address (the address alone). */
        public static Network parse(String text) {
            final String t = text.trim();
            final int slash = t.indexOf('/');
            final String address = slash < 0 ? t : t.substring(0, slash);
            if (!InetAddresses.isInetAddress(address)) {
                throw new IllegalArgumentException("'" + t + "' is not an IP address or network such as 10.0.0.0/8");
            }
            final byte[] bytes = InetAddresses.forString(address).getAddress();
            final int bits;
            try {
                bits = slash < 0 ? bytes.length * 8 : Integer.parseInt(t.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + t + "' has no prefix length after the '/'");
            }
            if (bits < 0 || bits > bytes.length * 8) {
                throw new IllegalArgumentException("'" + t + "' has a prefix length out of range");
            }
            return new Network(bytes, bits);
        }

        public boolean contains(InetAddress address) {
            final byte[] bytes = address.getAddress();
            if (bytes.length != prefix.length) {
                return false;
            }
            for (int bit = 0; bit < bits; bit++) {
                final int mask = 0x80 >>> (bit % 8);
                if ((bytes[bit / 8] & mask) != (prefix[bit / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }
    }

    private static final AddressPolicy PUBLIC_ONLY = new AddressPolicy(false, List.of());
    private static final AddressPolicy ANY = new AddressPolicy(true, List.of());

    private final boolean allowAll;
    private final List<Network> allowed;

    private AddressPolicy(boolean allowAll, List<Network> allowed) {
        this.allowAll = allowAll;
        this.allowed = List.copyOf(allowed);
    }

    /** Public addresses only. */
    public static AddressPolicy publicOnly() {
        return PUBLIC_ONLY;
    }

    /** Any address (local development and tests only). */
    public static AddressPolicy any() {
        return ANY;
    }

    /** Public addresses and these networks. */
    public static AddressPolicy allowing(List<Network> networks) {
        return new AddressPolicy(false, networks);
    }

    /**
     * Reads WEBHOOK_ALLOW_PRIVATE_ADDRESSES' value: {@code false} (or empty) public only, {@code true} any,
     * or networks separated by commas ({@code 127.0.0.0/8,::1}).
     */
    public static AddressPolicy parse(String value) {
        if (value == null || value.isBlank()) {
            return PUBLIC_ONLY;
        }
        switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "false": case "no": case "0": case "off": return PUBLIC_ONLY;
            case "true": case "yes": case "1": case "on": return ANY;
            default: break;
        }
        final List<Network> networks = new ArrayList<>();
        for (String part : value.split(",")) {
            if (!part.isBlank()) {
                networks.add(Network.parse(part));
            }
        }
        return allowing(networks);
    }

    public boolean allows(InetAddress address) {
        return allowAll || kind(address) == null || allowed.stream().anyMatch(n -> n.contains(address));
    }

    /** For Armeria's {@code ipAddressFilter}: the address the client is about to connect to. */
    boolean allowsSocket(InetSocketAddress socketAddress) {
        final InetAddress address = socketAddress.getAddress();
        return address != null && allows(address);
    }

    /** What kind of non-public address it is ("loopback", "private", ...), or null for a public one. */
    public static String kind(InetAddress address) {
        final byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            return kind4(b);
        }
        if (address instanceof Inet6Address) {
            return kind6(b);
        }
        return "unknown";
    }

    private static String kind4(byte[] b) {
        final int first = b[0] & 0xff;
        final int second = b[1] & 0xff;
        if (first == 0) {
            return "unspecified";
        }
        if (first == 127) {
            return "loopback";
        }
        if (first == 10 || (first == 172 && second >= 16 && second <= 31) || (first == 192 && second == 168)) {
            return "private";
        }
        if (first == 100 && second >= 64 && second <= 127) {
            return "shared (CGNAT)";
        }
        if (first == 169 && second == 254) {
            return "link-local";
        }
        if (first >= 224 && first <= 239) {
            return "multicast";
        }
        if (first >= 240 || (first == 192 && second == 0 && (b[2] & 0xff) == 0)
            || (first == 198 && (second == 18 || second == 19))) {
            return "reserved";
        }
        return null;
    }

    private static String kind6(byte[] b) {
        boolean zeroTo15 = true;
        for (int i = 0; i < 15; i++) {
            zeroTo15 &= b[i] == 0;
        }
        if (zeroTo15 && b[15] == 0) {
            return "unspecified";
        }
        if (zeroTo15 && b[15] == 1) {
            return "loopback";
        }
        boolean zeroTo10 = true;
        for (int i = 0; i < 10; i++) {
            zeroTo10 &= b[i] == 0;
        }
        if (zeroTo10 && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
            return embedded(b, 12, "IPv4-mapped");
        }
        if (zeroTo10 && b[10] == 0 && b[11] == 0) {
            return embedded(b, 12, "IPv4-compatible");
        }
        if (b[0] == 0x00 && b[1] == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b) {
            boolean wellKnownNat64 = true;
            for (int i = 4; i < 12; i++) {
                wellKnownNat64 &= b[i] == 0;
            }
            if (wellKnownNat64) {
                return embedded(b, 12, "NAT64");
            }
        }
        if (b[0] == 0x20 && b[1] == 0x02) {
            return embedded(b, 2, "6to4");
        }
        final int first = b[0] & 0xff;
        if ((first & 0xfe) == 0xfc) {
            return "unique-local";
        }
        if (first == 0xfe && (b[1] & 0xc0) == 0x80) {
            return "link-local";
        }
        if (first == 0xfe && (b[1] & 0xc0) == 0xc0) {
            return "site-local";
        }
        if (first == 0xff) {
            return "multicast";
        }
        return null;
    }

    private static String embedded(byte[] b, int offset, String how) {
        final byte[] v4 = {b[offset], b[offset + 1], b[offset + 2], b[offset + 3]};
        final String kind = kind4(v4);
        return kind == null ? null : kind + " (" + how + ")";
    }

    @Override
    public String toString() {
        return allowAll ? "any address" : allowed.isEmpty() ? "public addresses only"
                : "public addresses and " + allowed.size() + " allowed networks";
    }
}
