package io.sextant.notification.email;

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
 */
public record SmtpSettings(String host, int port, String username, String password, String tls, String from,
                           Duration timeout, int connections) {

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
        return "SmtpSettings[" + host + ":" + port + ", tls " + tls + (username.isEmpty() ? "" : ", user " + username) + "]";
    }
}
