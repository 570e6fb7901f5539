package io.sextant.notification;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;

import io.sextant.notification.channel.Message;
import io.sextant.notification.channel.Outcome;
import io.sextant.notification.email.SmtpProvider;
import io.sextant.notification.email.SmtpSettings;
import jakarta.mail.internet.MimeMessage;

/** The SMTP provider against a real SMTP server (GreenMail) on loopback. */
class SmtpProviderIT {

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Message message(String to, Map<String, String> headers) {
        return new Message(UUID.randomUUID(), to, "Subject", "Body", "", "tests", headers);
    }

    @Test
    void sendsWithTheHeadersReusesItsConnectionAndReconnectsAfterTheServerRestarts() throws Exception {
        final int port = freePort();
        final SmtpSettings settings = new SmtpSettings("127.0.0.1", port, "", "", "none", "from@sextant.test",
                                                       Duration.ofSeconds(2), 1);
        GreenMail mail = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        mail.start();
        try (SmtpProvider smtp = new SmtpProvider(settings)) {
            final Message first = message("one@mail.test", Map.of("List-Unsubscribe", "<mailto:stop@sextant.test>"));
            assertThat(smtp.deliver(first)).isInstanceOf(Outcome.Sent.class);
            assertThat(smtp.deliver(message("two@mail.test", Map.of()))).isInstanceOf(Outcome.Sent.class);
            final MimeMessage received = mail.getReceivedMessages()[0];
            assertThat(received.getMessageID()).isEqualTo("<" + first.id() + "@sextant.notification>");
            assertThat(received.getHeader("List-Unsubscribe")[0]).isEqualTo("<mailto:stop@sextant.test>");
            assertThat(received.getHeader("X-Sextant-Category")[0]).isEqualTo("tests");
            assertThat(mail.getReceivedMessages()).hasSize(2);

            // the kept connection dies with the server; the next delivery reconnects by itself
            mail.stop();
            final Outcome down = smtp.deliver(message("three@mail.test", Map.of()));
            assertThat(down).isInstanceOf(Outcome.Retryable.class);
            assertThat(down.detail()).isNotEmpty();
            mail = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
            mail.start();
            assertThat(smtp.deliver(message("four@mail.test", Map.of()))).isInstanceOf(Outcome.Sent.class);
            assertThat(mail.getReceivedMessages()).hasSize(1);

            // a server restarted while the connection is idle: the stale connection is retried once on a new one
            mail.stop();
            mail = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
            mail.start();
            assertThat(smtp.deliver(message("five@mail.test", Map.of()))).isInstanceOf(Outcome.Sent.class);
            assertThat(mail.getReceivedMessages()).hasSize(1);

            assertThat(smtp.deliver(message("not an address", Map.of()))).isInstanceOf(Outcome.Permanent.class);
        } finally {
            mail.stop();
        }
    }
}
