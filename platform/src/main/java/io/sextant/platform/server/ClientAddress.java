package io.sextant.platform.server;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import com.google.common.net.InetAddresses;

import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.RequestContext;
import com.linecorp.armeria.common.util.InetAddressPredicates;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.netty.util.AttributeKey;

/**
 * The address of the client of a call, as brute-force counters and logs need it: the peer, unless
 * the peer is one of TRUSTED_PROXIES, in which case the rightmost X-Forwarded-For address that is
 * not itself a trusted proxy. Proxies append to X-Forwarded-For, so everything left of the last
 * untrusted hop may have been written by the client and is never believed.
 */
public final class ClientAddress {

    private static final AttributeKey<String> KEY = AttributeKey.valueOf(ClientAddress.class, "CLIENT_ADDRESS");

    private final Predicate<InetAddress> trusted;

    /** @param trustedProxies comma-separated CIDRs; empty trusts nobody (the right default at the edge) */
    public ClientAddress(String trustedProxies) {
        final List<Predicate<InetAddress>> filters = new ArrayList<>();
        for (String cidr : trustedProxies.split(",")) {
            if (!cidr.isBlank()) {
                filters.add(InetAddressPredicates.ofCidr(cidr.trim()));
            }
        }
        trusted = address -> filters.stream().anyMatch(f -> f.test(address));
    }

    /** The decorator that resolves the address once per call. */
    public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req) throws Exception {
        ctx.setAttr(KEY, resolve(((InetSocketAddress) ctx.remoteAddress()).getAddress(),
                                 req.headers().getAll("x-forwarded-for")).getHostAddress());
        return delegate.serve(ctx, req);
    }

    InetAddress resolve(InetAddress peer, List<String> forwardedFor) {
        if (!trusted.test(peer)) {
            return peer;
        }
        final List<String> hops = new ArrayList<>();
        for (String header : forwardedFor) {
            for (String hop : header.split(",")) {
                if (!hop.isBlank()) {
                    hops.add(hop.trim());
                }
            }
        }
        InetAddress client = peer;
        for (int i = hops.size() - 1; i >= 0; i--) {
            if (!InetAddresses.isInetAddress(hops.get(i))) {
                break; // garbage: stop believing the header here
            }
            client = InetAddresses.forString(hops.get(i));
            if (!trusted.test(client)) {
                break;
            }
        }
        return client;
    }

    /** The client address of the current call, or "unknown" outside a call. */
    public static String current() {
        final RequestContext ctx = RequestContext.currentOrNull();
        return ctx == null ? "unknown" : of(ctx);
    }

    /** The client address of the given call (for access logs, written after it), or "unknown". */
    public static String of(RequestContext ctx) {
        RequestContext served = ctx;
        if (served instanceof com.linecorp.armeria.client.ClientRequestContext client) {
            served = client.root();
        }
        final String address = served == null ? null : served.attr(KEY);
        return address == null ? "unknown" : address;
    }
}
