package io.sextant.platform.config;

/**
 * Defaults sized to the JVM's heap ({@code -Xmx}): a bound on things that each hold memory until they
 * end (connections, requests in flight) is only a bound if their number times their cost fits the heap.
 */
public final class HeapBudget {

    private HeapBudget() {}

    /**
     * How many things of {@code bytesEach} the heap's maximum holds, within {@code [min, max]}.
     */
    public static int share(long bytesEach, int min, int max) {
        return share(Runtime.getRuntime().maxMemory(), bytesEach, min, max);
    }

    static int share(long heapBytes, long bytesEach, int min, int max) {
        if (bytesEach <= 0 || min > max) {
            throw new IllegalArgumentException("bytesEach must be positive and min at most max");
        }
        return (int) Math.max(min, Math.min(max, heapBytes / bytesEach));
    }
}
