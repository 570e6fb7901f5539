package io.sextant.local;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.icegreen.greenmail.mail.MailAddress;
import com.icegreen.greenmail.mail.MovingMessage;
import com.icegreen.greenmail.user.GreenMailUser;
import com.icegreen.greenmail.user.UserException;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;

import jakarta.mail.MessagingException;

/**
 * The mesh's own mail server for {@code ./sextant up}: an SMTP server on loopback (GreenMail) that the
 * notification service sends to, and that writes every message it receives, as it receives it, into
 * {@code <data>/mail/} as an {@code .eml} file per recipient (any mail program opens them; {@code cat} shows them).
 * Nothing leaves the machine. Bounded: the newest {@value #KEEP} files are kept, and GreenMail's own in-memory
 * copies are purged every few seconds (each was written out before it was stored).
 */
final class LocalMail implements AutoCloseable {

    /** The SMTP port is the base port + 25 (8025 by default), as development mail catchers use. */
    static final int SMTP_PORT_OFFSET = 25;
    static final int KEEP = 1_000;
    private static final Logger log = LoggerFactory.getLogger(LocalMail.class);
    private static final String SINK = "sextant-local-mail";
    /** File names sort by the time received. */
    private static final DateTimeFormatter FILE_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'")
                                                                        .withZone(ZoneOffset.UTC);

    private final GreenMail greenMail;
    private final Path directory;
    private final ScheduledExecutorService housekeeping;
    private final AtomicLong received = new AtomicLong();

    private LocalMail(GreenMail greenMail, Path directory, ScheduledExecutorService housekeeping) {
        this.greenMail = greenMail;
        this.directory = directory;
        this.housekeeping = housekeeping;
    }

    /** Starts the SMTP server on 127.0.0.1:{@code port} (0: a free port), writing into {@code directory}. */
    static LocalMail start(Path directory, int port) {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the mail directory " + directory + ": " + e.getMessage(), e);
        }
        final GreenMail greenMail = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        final ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
            final Thread thread = new Thread(r, "local-mail-housekeeping");
            thread.setDaemon(true);
            return thread;
        });
        final LocalMail mail = new LocalMail(greenMail, directory, housekeeping);
        final GreenMailUser sink;
        try {
            sink = greenMail.getUserManager().createUser(SINK + "@localhost", SINK, SINK);
        } catch (UserException e) {
            throw new IllegalStateException("Cannot set up the local mail server: " + e.getMessage(), e);
        }
        greenMail.getUserManager().setMessageDeliveryHandler((message, recipient) -> {
            mail.write(message, recipient);
            return sink;
        });
        greenMail.start();
        housekeeping.scheduleWithFixedDelay(mail::housekeep, 5, 5, TimeUnit.SECONDS);
        return mail;
    }

    int smtpPort() {
        return greenMail.getSmtp().getPort();
    }

    Path directory() {
        return directory;
    }

    /** Messages received (one per recipient) since the start. */
    long received() {
        return received.get();
    }

    private void write(MovingMessage message, MailAddress recipient) throws MessagingException {
        final String name = FILE_TIME.format(Instant.now()) + "-" + received.incrementAndGet() + "-"
                            + recipient.getEmail().replaceAll("[^A-Za-z0-9@._+-]", "_") + ".eml";
        try (OutputStream out = Files.newOutputStream(directory.resolve(name), StandardOpenOption.CREATE_NEW)) {
            message.getMessage().writeTo(out);
        } catch (IOException e) {
            // the sender sees a failed delivery and retries: nothing is lost silently
            throw new MessagingException("cannot write " + name + ": " + e.getMessage(), e);
        }
    }

    private void housekeep() {
        try {
            greenMail.purgeEmailFromAllMailboxes();
            final List<Path> files;
            try (Stream<Path> listed = Files.list(directory)) {
                files = listed.filter(p -> p.getFileName().toString().endsWith(".eml"))
                              .sorted(Comparator.comparing(p -> p.getFileName().toString()))
                              .toList();
            }
            for (Path old : files.subList(0, Math.max(0, files.size() - KEEP))) {
                Files.deleteIfExists(old);
            }
        } catch (Exception e) {
            log.warn("Local mail housekeeping failed: {}", e.toString());
        }
    }

    @Override
    public void close() {
        housekeeping.shutdownNow();
        greenMail.stop();
    }
}
