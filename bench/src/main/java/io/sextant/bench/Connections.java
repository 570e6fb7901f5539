package io.sextant.bench;

import java.util.ArrayList;
import java.util.List;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.common.util.EventLoopGroups;

import io.netty.channel.EventLoopGroup;

/**
 * The client side's connections: one Armeria client factory per connection, all on one small
 * event-loop group. Every request goes over HTTP/2 (h2c), and a factory keeps one HTTP/2 connection
 * per server, so {@code count} factories used in turn give {@code count} connections per server.
 */
final class Connections implements AutoCloseable {

    private final EventLoopGroup eventLoops;
    private final List<ClientFactory> factories = new ArrayList<>();

    Connections(int count, int threads) {
        if (count < 1 || threads < 1) {
            throw new IllegalArgumentException("connections and threads must be at least 1");
        }
        eventLoops = EventLoopGroups.newEventLoopGroup(threads);
        for (int i = 0; i < count; i++) {
            factories.add(ClientFactory.builder().workerGroup(eventLoops, false).build());
        }
    }

    List<ClientFactory> factories() {
        return factories;
    }

    @Override
    public void close() {
        factories.forEach(ClientFactory::close);
        eventLoops.shutdownGracefully();
    }
}
