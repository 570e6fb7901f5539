package io.sextant.bench;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import com.icegreen.greenmail.user.GreenMailUser;
import com.icegreen.greenmail.user.UserException;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;

import jakarta.mail.MessagingException;

/**
 * The SMTP server the notification scenario's e-mails go to: a GreenMail on loopback in the bench's
 * own JVM, which notes the moment each message is in its mailbox (after the DATA phase, when
 * GreenMail stores it and before it answers 250). Messages are told apart by their subject,
 * {@code <prefix><sequence number>}: {@link Receiver}s register a prefix and hear of each message with
 * its receive time. GreenMail's in-memory copies are purged every second (the bench keeps only the
 * times), so a long run does not fill the heap.
 */
final class MailSink implements AutoCloseable {

    /** Told of each message whose subject starts with its prefix, on GreenMail's connection thread. */
    interface Receiver {
        void received(long sequence, long receivedNanos);
    }

    private static final String USER = "bench-sink";

    private final GreenMail greenMail;
    private final ScheduledExecutorService purge;
    private final ConcurrentHashMap<String, Receiver> receivers = new ConcurrentHashMap<>();
    private final LongAdder received = new LongAdder();
    private final AtomicLong unmatched = new AtomicLong();

    private MailSink(GreenMail greenMail, ScheduledExecutorService purge) {
        this.greenMail = greenMail;
        this.purge = purge;
    }

    /** Starts on 127.0.0.1:{@code port} (0: a free port). */
    static MailSink start(int port) {
        final GreenMail greenMail = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        final ScheduledExecutorService purge = Executors.newSingleThreadScheduledExecutor(r -> {
            final Thread thread = new Thread(r, "mail-sink-purge");
            thread.setDaemon(true);
            return thread;
        });
        final MailSink sink = new MailSink(greenMail, purge);
        final GreenMailUser user;
        try {
            user = greenMail.getUserManager().createUser(USER + "@localhost", USER, USER);
        } catch (UserException e) {
            throw new IllegalStateException("cannot set up the bench's SMTP sink: " + e.getMessage(), e);
        }
        greenMail.getUserManager().setMessageDeliveryHandler((message, recipient) -> {
            sink.arrived(message.getMessage().getSubject());
            return user;
        });
        greenMail.start();
        purge.scheduleWithFixedDelay(sink::purge, 1, 1, TimeUnit.SECONDS);
        return sink;
    }

    private void arrived(String subject) throws MessagingException {
        final long now = System.nanoTime();
        received.increment();
        if (subject != null) {
            final int space = subject.lastIndexOf(' ');
            if (space > 0) {
                final Receiver receiver = receivers.get(subject.substring(0, space + 1));
                if (receiver != null) {
                    try {
                        receiver.received(Long.parseLong(subject.substring(space + 1)), now);
                        return;
                    } catch (NumberFormatException e) {
                        // not one of the bench's: counted below
                    }
                }
            }
        }
        unmatched.incrementAndGet();
    }

    private void purge() {
        try {
            greenMail.purgeEmailFromAllMailboxes();
        } catch (Exception e) {
            // the next round tries again; a failed purge only keeps copies a little longer
        }
    }

    /** Hears of every message whose subject is {@code prefix + sequence}; the prefix ends with a space. */
    void listen(String prefix, Receiver receiver) {
        if (!prefix.endsWith(" ")) {
            throw new IllegalArgumentException("the prefix must end with a space: '" + prefix + "'");
        }
        receivers.put(prefix, receiver);
    }

    void forget(String prefix) {
        receivers.remove(prefix);
    }

    int port() {
        return greenMail.getSmtp().getPort();
    }

    /** Messages received (one per recipient) since the start. */
    long received() {
        return received.sum();
    }

    /** Messages whose subject no receiver claimed. */
    long unmatched() {
        return unmatched.get();
    }

    @Override
    public void close() {
        purge.shutdownNow();
        greenMail.stop();
    }
}
