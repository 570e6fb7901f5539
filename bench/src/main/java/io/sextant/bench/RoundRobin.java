package io.sextant.bench;

import java.util.List;

/** Hands out clients in turn; used from the one sending thread only, so a plain counter is enough. */
final class RoundRobin<T> {

    private final List<T> items;
    private int next;

    RoundRobin(List<T> items) {
        if (items.isEmpty()) {
            throw new IllegalArgumentException("nothing to hand out");
        }
        this.items = List.copyOf(items);
    }

    T next() {
        final T item = items.get(next);
        next = (next + 1) % items.size();
        return item;
    }
}
