package io.sextant.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

/**
 * The reference for the notification scenario: how fast the SMTP sink itself takes e-mails from a
 * plain Angus Mail client (the library the notification service sends with), closed loop over as
 * many kept-open connections as the two replicas hold, with the same recipient and body. What the
 * service delivers cannot be faster than this.
 */
final class SmtpReference {

    /**
     * @param messagesPerSecond messages the sink received per second of the run
     * @param bench             CPU of the bench's JVM (this client and the sink) per message, microseconds
     */
    record Result(int connections, Duration duration, long messages, double messagesPerSecond, double p50Millis,
                  double p99Millis, double benchMicros, String errors) {}

    private SmtpReference() {}

    static Result run(MailSink sink, int connections, Duration duration) throws InterruptedException {
        final String prefix = "sextant-bench-reference ";
        final AtomicLong sequence = new AtomicLong();
        final AtomicLong received = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final List<String> errorText = new ArrayList<>();
        sink.listen(prefix, (number, at) -> received.incrementAndGet());
        final Properties props = new Properties();
        props.put("mail.smtp.host", "127.0.0.1");
        props.put("mail.smtp.port", Integer.toString(sink.port()));
        props.put("mail.smtp.connectiontimeout", "10000");
        props.put("mail.smtp.timeout", "10000");
        final Session session = Session.getInstance(props);
        final Recorder latencies = new Recorder(TimeUnit.MINUTES.toNanos(1), 3);
        final long end = System.nanoTime() + duration.toNanos();
        final List<Thread> threads = new ArrayList<>();
        final long cpuBefore = ProcessStats.cpuNanos(ProcessHandle.current().pid());
        final long start = System.nanoTime();
        final long receivedBefore = received.get();
        for (int c = 0; c < connections; c++) {
            final Thread thread = new Thread(() -> {
                try (Transport transport = session.getTransport("smtp")) {
                    transport.connect();
                    while (System.nanoTime() < end) {
                        final MimeMessage mime = new MimeMessage(session);
                        mime.setFrom(new InternetAddress("no-reply@sextant.local"));
                        mime.setRecipient(jakarta.mail.Message.RecipientType.TO,
                                          new InternetAddress(NotificationScenario.RECIPIENT));
                        mime.setSubject(prefix + sequence.getAndIncrement());
                        mime.setText(NotificationScenario.BODY, "UTF-8");
                        final long sent = System.nanoTime();
                        transport.sendMessage(mime, mime.getAllRecipients());
                        latencies.recordValue(Math.min(System.nanoTime() - sent, TimeUnit.MINUTES.toNanos(1)));
                    }
                } catch (MessagingException | RuntimeException e) {
                    errors.incrementAndGet();
                    synchronized (errorText) {
                        if (errorText.isEmpty()) {
                            errorText.add(e.getClass().getSimpleName() + ": " + e.getMessage());
                        }
                    }
                }
            }, "smtp-reference-" + c);
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        final double seconds = (System.nanoTime() - start) / 1e9;
        final long cpuAfter = ProcessStats.cpuNanos(ProcessHandle.current().pid());
        sink.forget(prefix);
        final long messages = received.get() - receivedBefore;
        final Histogram histogram = latencies.getIntervalHistogram();
        return new Result(connections, duration, messages, messages / seconds,
                          histogram.getTotalCount() == 0 ? 0 : histogram.getValueAtPercentile(50) / 1e6,
                          histogram.getTotalCount() == 0 ? 0 : histogram.getValueAtPercentile(99) / 1e6,
                          cpuBefore < 0 || cpuAfter < 0 || messages == 0 ? -1 : (cpuAfter - cpuBefore) / 1000.0 / messages,
                          errors.get() == 0 ? "0" : errors.get() + " connections failed (" + errorText.get(0) + ")");
    }
}
