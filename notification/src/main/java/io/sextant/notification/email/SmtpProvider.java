package io.sextant.notification.email;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.sextant.notification.channel.Message;
import io.sextant.notification.channel.Outcome;
import io.sextant.notification.channel.Provider;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;

/**
 * The EMAIL channel over SMTP (Angus Mail). Connections are kept open and reused: a fixed set of at
 * most {@code connections} transports, each connected on first use and again after a failure; a
 * delivery whose reused connection turns out dead is tried once more on a fresh one. SMTP replies
 * map to outcomes: 4xx is retryable, 5xx permanent; no connection, a timeout or a failed login are
 * retryable (the server or its configuration may come back).
 *
 * <p>Each message carries the notification id as its {@code Message-ID}
 * ({@code <id@sextant.notification>}), its category as {@code X-Sextant-Category}, and the
 * {@link Message#headers()}. With an HTML body it is multipart/alternative (text, then HTML).
 */
public final class SmtpProvider implements Provider, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SmtpProvider.class);

    private final SmtpSettings settings;
    private final Session session;
    private final InternetAddress from;
    private final BlockingQueue<Transport> transports;
    private final String protocol;

    public SmtpProvider(SmtpSettings settings) {
        this.settings = settings;
        this.protocol = settings.tls().equals("tls") ? "smtps" : "smtp";
        this.session = Session.getInstance(properties(settings, protocol));
        try {
            this.from = new InternetAddress(settings.from(), true);
        } catch (AddressException e) {
            throw new IllegalArgumentException("SMTP_FROM is not an e-mail address: " + e.getMessage(), e);
        }
        this.transports = new ArrayBlockingQueue<>(settings.connections());
        for (int i = 0; i < settings.connections(); i++) {
            try {
                transports.add(session.getTransport(protocol));
            } catch (MessagingException e) {
                throw new IllegalStateException("no SMTP transport: " + e.getMessage(), e);
            }
        }
    }

    private static Properties properties(SmtpSettings settings, String protocol) {
        final Properties props = new Properties();
        final String p = "mail." + protocol + ".";
        final String timeout = String.valueOf(settings.timeout().toMillis());
        props.put(p + "host", settings.host());
        props.put(p + "port", String.valueOf(settings.port()));
        props.put(p + "connectiontimeout", timeout);
        props.put(p + "timeout", timeout);
        props.put(p + "writetimeout", timeout);
        props.put(p + "auth", String.valueOf(!settings.username().isEmpty()));
        switch (settings.tls()) {
            case "starttls" -> {
                props.put(p + "starttls.enable", "true");
                props.put(p + "starttls.required", "true");
                props.put(p + "ssl.checkserveridentity", "true");
            }
            case "tls" -> {
                props.put(p + "ssl.enable", "true");
                props.put(p + "ssl.checkserveridentity", "true");
            }
            default -> { }
        }
        if (settings.caFile() != null && !settings.tls().equals("none")) {
            props.put(p + "ssl.socketFactory", trusting(settings.caFile()));
        }
        return props;
    }

    /** TLS sockets that trust the certificate authorities of a PEM file, and only those. */
    public static SSLSocketFactory trusting(Path caFile) {
        try (InputStream in = Files.newInputStream(caFile)) {
            final KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            trusted.load(null, null);
            int n = 0;
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trusted.setCertificateEntry("ca-" + n++, certificate);
            }
            if (n == 0) {
                throw new IllegalArgumentException("SMTP_CA_FILE " + caFile + " holds no PEM certificate");
            }
            final TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            final SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context.getSocketFactory();
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("SMTP_CA_FILE " + caFile + " cannot be read as PEM certificates: "
                                               + e.getMessage(), e);
        }
    }

    @Override
    public String name() {
        return "smtp";
    }

    @Override
    public Outcome deliver(Message message) {
        final MimeMessage mime;
        try {
            mime = mime(message);
        } catch (AddressException e) {
            return new Outcome.Permanent("invalid address: " + e.getMessage());
        } catch (MessagingException e) {
            return new Outcome.Permanent("cannot build the message: " + e.getMessage());
        }
        final Transport transport;
        try {
            transport = transports.poll(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome.Retryable("interrupted while waiting for an SMTP connection", null);
        }
        if (transport == null) {
            return new Outcome.Retryable("no SMTP connection was free within " + settings.timeout().toMillis() + " ms",
                                         null);
        }
        try {
            final boolean reused = transport.isConnected();
            try {
                return send(transport, mime);
            } catch (MessagingException e) {
                if (!reused || isReply(e)) {
                    throw e;
                }
                // the kept connection had died (the server closed it while idle): once more on a new one
                close(transport);
                return send(transport, mime);
            }
        } catch (MessagingException e) {
            close(transport);
            if (e instanceof AuthenticationFailedException) {
                log.warn("The SMTP server refused the login of SMTP_USERNAME: {}", e.getMessage());
            }
            return SmtpOutcomes.of(e);
        } finally {
            transports.add(transport);
        }
    }

    private Outcome send(Transport transport, MimeMessage mime) throws MessagingException {
        if (!transport.isConnected()) {
            if (settings.username().isEmpty()) {
                transport.connect();
            } else {
                transport.connect(settings.host(), settings.port(), settings.username(), settings.password());
            }
        }
        transport.sendMessage(mime, mime.getAllRecipients());
        return new Outcome.Sent(mime.getMessageID());
    }

    private MimeMessage mime(Message message) throws MessagingException {
        final String messageId = "<" + message.id() + "@sextant.notification>";
        final MimeMessage mime = new MimeMessage(session) {
            @Override
            protected void updateMessageID() throws MessagingException {
                setHeader("Message-ID", messageId);
            }
        };
        mime.setFrom(from);
        mime.setRecipients(jakarta.mail.Message.RecipientType.TO, InternetAddress.parse(message.recipient(), true));
        mime.setSubject(message.subject(), StandardCharsets.UTF_8.name());
        if (message.htmlBody().isEmpty()) {
            mime.setText(message.body(), StandardCharsets.UTF_8.name());
        } else {
            final MimeBodyPart text = new MimeBodyPart();
            text.setText(message.body(), StandardCharsets.UTF_8.name());
            final MimeBodyPart html = new MimeBodyPart();
            html.setText(message.htmlBody(), StandardCharsets.UTF_8.name(), "html");
            mime.setContent(new MimeMultipart("alternative", text, html));
        }
        if (!message.category().isEmpty()) {
            mime.setHeader("X-Sextant-Category", message.category());
        }
        for (Map.Entry<String, String> header : message.headers().entrySet()) {
            mime.setHeader(header.getKey(), header.getValue());
        }
        mime.setSentDate(new java.util.Date());
        mime.saveChanges();
        return mime;
    }

    /** Whether the server answered (an SMTP reply code), rather than the connection failing. */
    private static boolean isReply(MessagingException e) {
        return SmtpOutcomes.replyCode(e) > 0;
    }

    private static void close(Transport transport) {
        try {
            transport.close();
        } catch (MessagingException e) {
            // it was broken already
        }
    }

    @Override
    public void close() {
        for (Transport transport : transports) {
            close(transport);
        }
    }

    @Override
    public String toString() {
        return "SmtpProvider[" + settings + "]";
    }
}
