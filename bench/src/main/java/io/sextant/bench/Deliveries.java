package io.sextant.bench;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.Histogram;

/**
 * The e-mails of one notification run, by sequence number: when each was sent (the gRPC call
 * started), whether the service accepted it, and when it was in the SMTP sink's mailbox. Written
 * from the sending thread, the client's event loops and the sink's connection threads at once.
 * Times are kept relative to the run's creation (at least 1, so 0 means "not yet": System.nanoTime
 * itself may be negative) and handed out as System.nanoTime values.
 */
final class Deliveries implements MailSink.Receiver {

    /** What {@link #lastReceivedNanos} and {@link #lastReceivedAmong} answer when nothing arrived. */
    static final long NONE = Long.MIN_VALUE;

    private final AtomicLongArray sent;
    private final AtomicLongArray accepted;
    private final AtomicLongArray received;
    private final LongAdder acceptedCount = new LongAdder();
    private final LongAdder receivedCount = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder strangers = new LongAdder();
    private final long origin = System.nanoTime() - 1;
    /** Relative, as the arrays; 0: nothing arrived. */
    private volatile long lastReceived;

    /** @param capacity the run's number of sends (warm-up included) */
    Deliveries(int capacity) {
        sent = new AtomicLongArray(capacity);
        accepted = new AtomicLongArray(capacity);
        received = new AtomicLongArray(capacity);
    }

    int capacity() {
        return sent.length();
    }

    void sent(long sequence, long nanos) {
        sent.set((int) sequence, relative(nanos));
    }

    private long relative(long nanos) {
        return Math.max(1, nanos - origin);
    }

    void accepted(long sequence) {
        if (accepted.compareAndSet((int) sequence, 0, 1)) {
            acceptedCount.increment();
        }
    }

    @Override
    public void received(long sequence, long receivedNanos) {
        if (sequence < 0 || sequence >= received.length()) {
            strangers.increment();
            return;
        }
        final long at = relative(receivedNanos);
        if (received.compareAndSet((int) sequence, 0, at)) {
            receivedCount.increment();
            synchronized (this) {
                lastReceived = Math.max(lastReceived, at);
            }
        } else {
            duplicates.increment();
        }
    }

    long acceptedCount() {
        return acceptedCount.sum();
    }

    long receivedCount() {
        return receivedCount.sum();
    }

    /** The same message in the mailbox more than once (sent twice). */
    long duplicates() {
        return duplicates.sum();
    }

    /** Messages with the run's subject prefix and a number it never sent. */
    long strangers() {
        return strangers.sum();
    }

    /** When the call of a sequence number started (System.nanoTime); it must have been sent. */
    long sentAt(int sequence) {
        final long at = sent.get(sequence);
        if (at == 0) {
            throw new IllegalStateException("e-mail " + sequence + " was not sent");
        }
        return at + origin;
    }

    /** The latest receive time (System.nanoTime) among the sequence numbers [from, to); {@link #NONE} if none arrived. */
    long lastReceivedAmong(int from, int to) {
        long last = 0;
        for (int i = from; i < to; i++) {
            last = Math.max(last, received.get(i));
        }
        return last == 0 ? NONE : last + origin;
    }

    /** The latest receive time of any of the run's e-mails (System.nanoTime); {@link #NONE} if none arrived. */
    long lastReceivedNanos() {
        final long last = lastReceived;
        return last == 0 ? NONE : last + origin;
    }

    /** Messages (any sequence) received in [from, to), System.nanoTime values. */
    long receivedBetween(long fromNanos, long toNanos) {
        long count = 0;
        for (int i = 0; i < received.length(); i++) {
            final long at = received.get(i) + origin;
            if (received.get(i) != 0 && at - fromNanos >= 0 && at - toNanos < 0) {
                count++;
            }
        }
        return count;
    }

    /** The figures over the sequence numbers [from, to): the measured part of the run. */
    Summary summary(int from, int to) {
        final Histogram latencies = new Histogram(TimeUnit.MINUTES.toNanos(10), 3);
        long acceptedHere = 0;
        long delivered = 0;
        long deliveredNotAccepted = 0;
        for (int i = from; i < to; i++) {
            final long at = received.get(i);
            if (accepted.get(i) == 1) {
                acceptedHere++;
                if (at != 0) {
                    delivered++;
                    latencies.recordValue(Math.max(0, Math.min(at - sent.get(i), latencies.getHighestTrackableValue())));
                }
            } else if (at != 0) {
                // refused or timed out at the client, but stored and sent all the same
                deliveredNotAccepted++;
            }
        }
        return new Summary(acceptedHere, delivered, deliveredNotAccepted, latencies);
    }

    /**
     * @param accepted             accepted (answered OK) in the range
     * @param delivered            of those, in the mailbox
     * @param deliveredNotAccepted in the mailbox though the call did not answer OK (a client timeout)
     * @param latencies            send (the call) to mailbox, nanoseconds, of the delivered ones
     */
    record Summary(long accepted, long delivered, long deliveredNotAccepted, Histogram latencies) {

        double percentileMillis(double percentile) {
            return latencies.getTotalCount() == 0 ? 0 : latencies.getValueAtPercentile(percentile) / 1e6;
        }

        double maxMillis() {
            return latencies.getTotalCount() == 0 ? 0 : latencies.getMaxValue() / 1e6;
        }
    }
}
