package io.sextant.notification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.icegreen.greenmail.util.DummySSLServerSocketFactory;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;

import io.sextant.notification.channel.Message;
import io.sextant.notification.channel.Outcome;
import io.sextant.notification.email.SmtpProvider;
import io.sextant.notification.email.SmtpSettings;
import io.sextant.platform.config.ConfigException;
import io.sextant.platform.config.Env;

/**
 * The SMTP provider's TLS and authentication against real servers (GreenMail): SMTPS with a
 * certificate for 127.0.0.1 from a CA of the test's own (made with the JDK's keytool) and SMTP AUTH;
 * a certificate the provider does not trust, a wrong password, and STARTTLS required of a server
 * that does not offer it, all of which must not send.
 */
class SmtpTlsIT {

    private static final String USER = "mailer";
    private static final String PASSWORD = "s3cret-" + UUID.randomUUID();

    @TempDir
    static Path dir;
    private static Path ca;
    private static GreenMail smtps;
    private static GreenMail plain;

    @BeforeAll
    static void start() throws Exception {
        final Path keystore = dir.resolve("smtp.p12");
        keytool("-genkeypair", "-alias", "smtp", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=localhost",
                "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2", "-keystore", keystore.toString(),
                "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit");
        ca = dir.resolve("ca.pem");
        keytool("-exportcert", "-rfc", "-alias", "smtp", "-keystore", keystore.toString(), "-storepass", "changeit",
                "-file", ca.toString());
        // GreenMail's TLS server reads its key from these once per JVM; no other test starts a TLS server
        System.setProperty(DummySSLServerSocketFactory.GREENMAIL_KEYSTORE_FILE_PROPERTY, keystore.toString());
        System.setProperty(DummySSLServerSocketFactory.GREENMAIL_KEYSTORE_PASSWORD_PROPERTY, "changeit");
        System.setProperty(DummySSLServerSocketFactory.GREENMAIL_KEY_PASSWORD_PROPERTY, "changeit");
        smtps = new GreenMail(new ServerSetup(TestNotificationServers.freePort(), "127.0.0.1", ServerSetup.PROTOCOL_SMTPS));
        smtps.setUser("mailer@sextant.test", USER, PASSWORD);
        smtps.getManagers().getSmtpManager().getUserManager().setAuthRequired(true);
        smtps.start();
        plain = new GreenMail(new ServerSetup(TestNotificationServers.freePort(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        plain.start();
    }

    @AfterAll
    static void stop() {
        smtps.stop();
        plain.stop();
    }

    private static void keytool(String... args) throws Exception {
        final Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        final Process process = new ProcessBuilder(Stream.concat(Stream.of(keytool.toString()), Stream.of(args)).toList())
                .redirectErrorStream(true).start();
        final String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
    }

    private static Message message(String to) {
        return new Message(UUID.randomUUID(), to, "Over TLS", "Body", "", "tests", Map.of());
    }

    private static SmtpSettings settings(GreenMail server, String tls, String password, Path caFile) {
        return new SmtpSettings("127.0.0.1", server.getSmtp() != null ? server.getSmtp().getPort()
                                                                       : server.getSmtps().getPort(),
                                USER, password, tls, "from@sextant.test", Duration.ofSeconds(3), 1, caFile);
    }

    @Test
    void smtpsWithTheConfiguredAuthorityAndAuthSends() throws Exception {
        final int before = smtps.getReceivedMessages().length;
        try (SmtpProvider smtp = new SmtpProvider(settings(smtps, "tls", PASSWORD, ca))) {
            final Outcome outcome = smtp.deliver(message("ada@example.test"));
            assertThat(outcome).as(outcome.detail()).isInstanceOf(Outcome.Sent.class);
        }
        assertThat(smtps.getReceivedMessages()).hasSize(before + 1);
    }

    @Test
    void aCertificateTheProviderDoesNotTrustSendsNothing() {
        final int before = smtps.getReceivedMessages().length;
        // the JVM's own authorities do not know the test's
        try (SmtpProvider smtp = new SmtpProvider(settings(smtps, "tls", PASSWORD, null))) {
            final Outcome outcome = smtp.deliver(message("ada@example.test"));
            assertThat(outcome).isNotInstanceOf(Outcome.Sent.class);
            assertThat(outcome.detail()).contains("PKIX");
        }
        assertThat(smtps.getReceivedMessages()).hasSize(before);
    }

    @Test
    void aWrongPasswordSendsNothing() {
        final int before = smtps.getReceivedMessages().length;
        try (SmtpProvider smtp = new SmtpProvider(settings(smtps, "tls", "wrong", ca))) {
            final Outcome outcome = smtp.deliver(message("ada@example.test"));
            assertThat(outcome).isNotInstanceOf(Outcome.Sent.class);
            assertThat(outcome.detail()).containsAnyOf("535", "uthentication");
        }
        assertThat(smtps.getReceivedMessages()).hasSize(before);
    }

    @Test
    void starttlsIsRequiredNotOpportunistic() {
        // the plain server offers no STARTTLS: the message is not sent in clear text
        try (SmtpProvider smtp = new SmtpProvider(settings(plain, "starttls", PASSWORD, ca))) {
            final Outcome outcome = smtp.deliver(message("ada@example.test"));
            assertThat(outcome).isNotInstanceOf(Outcome.Sent.class);
            assertThat(outcome.detail()).contains("STARTTLS");
        }
        assertThat(plain.getReceivedMessages()).isEmpty();
    }

    @Test
    void aCaFileIsCheckedAtStart() throws Exception {
        final Path notPem = Files.writeString(dir.resolve("not.pem"), "not a certificate");
        for (Map.Entry<String, String> bad : List.of(Map.entry("SMTP_CA_FILE", notPem.toString()),
                                                     Map.entry("SMTP_CA_FILE", dir.resolve("missing.pem").toString()))) {
            final Env env = Env.of(TestNotificationServers.identity()).with(Map.of("SMTP_HOST", "127.0.0.1", "SMTP_FROM", "from@sextant.test",
                                          "DB_URL", "jdbc:postgresql://127.0.0.1/x", bad.getKey(), bad.getValue()));
            assertThatThrownBy(() -> NotificationConfig.read(env)).as(bad.toString())
                    .isInstanceOf(ConfigException.class).hasMessageContaining("SMTP_CA_FILE");
        }
        final Env good = Env.of(TestNotificationServers.identity()).with(Map.of("SMTP_HOST", "127.0.0.1", "SMTP_FROM", "from@sextant.test", "SMTP_TLS", "tls",
                                       "DB_URL", "jdbc:postgresql://127.0.0.1/x", "SMTP_CA_FILE", ca.toString()));
        assertThat(NotificationConfig.read(good).smtp().caFile()).isEqualTo(ca);
    }
}
