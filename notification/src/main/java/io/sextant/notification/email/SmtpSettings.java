package io.sextant.notification.email;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Where and how {@link SmtpProvider} sends.
 *
 * @param tls         {@code none}, {@code starttls} (required, not opportunistic) or {@code tls} (SMTPS)
 * @param username    empty for no authentication
 * @param from        the From address of every message
 * @param timeout     connect, read and write timeout of one SMTP exchange
 * @param connections the most SMTP connections kept open at once
 * @param caFile      PEM certificates of the authorities whose server certificates are trusted,
 *                    instead of the JVM's; null for the JVM's (a private relay's own CA)
 */
public record SmtpSettings(String host, int port, String username, String password, String tls, String from,
                           Duration timeout, int connections, Path caFile) {

    /** Settings that trust the JVM's certificate authorities. */
    public SmtpSettings(String host, int port, String username, String password, String tls, String from,
                        Duration timeout, int connections) {
        this(host, port, username, password, tls, from, timeout, connections, null);
    }

    public SmtpSettings {
        Objects.requireNonNull(host, "host");
        username = username == null ? "" : username;
        password = password == null ? "" : password;
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(timeout, "timeout");
        if (connections < 1) {
            throw new IllegalArgumentException("connections must be at least 1");
        }
    }

    @Override
    public String toString() {
        // never print the password
        return "SmtpSettings[" + host + ":" + port + ", tls " + tls + (username.isEmpty() ? "" : ", user " + username)
               + (caFile == null ? "" : ", CAs from " + caFile) + "]";
    }
}
