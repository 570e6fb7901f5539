package io.sextant.notification;

import static org.assertj.core.api.Assertions.assertThat;

import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.junit.jupiter.api.Test;

import io.sextant.notification.channel.Outcome;
import io.sextant.notification.email.SmtpOutcomes;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.internet.InternetAddress;

/** SMTP replies become outcomes: 4xx retryable, 5xx permanent, no reply (no connection) retryable. */
class SmtpOutcomeTest {

    @Test
    void replyCodesDecide() throws Exception {
        final InternetAddress to = new InternetAddress("x@example.test");
        final Outcome busy = SmtpOutcomes.of(new SMTPSendFailedException("DATA", 451, "451 try later", null, null,
                                                                         null, null));
        assertThat(busy).isInstanceOf(Outcome.Retryable.class);
        assertThat(busy.detail()).contains("451 try later");

        final Outcome unknown = SmtpOutcomes.of(new SendFailedException("Invalid Addresses",
                new SMTPAddressFailedException(to, "RCPT TO", 550, "550 no such user")));
        assertThat(unknown).isInstanceOf(Outcome.Permanent.class);
        assertThat(unknown.detail()).contains("550 no such user");

        final Outcome mailbox = SmtpOutcomes.of(new SendFailedException("Invalid Addresses",
                new SMTPAddressFailedException(to, "RCPT TO", 452, "452 mailbox full")));
        assertThat(mailbox).isInstanceOf(Outcome.Retryable.class);

        final Outcome refused = SmtpOutcomes.of(new MessagingException("Couldn't connect to host",
                                                                       new java.net.ConnectException("refused")));
        assertThat(refused).isInstanceOf(Outcome.Retryable.class);
        assertThat(refused.detail()).contains("Couldn't connect").contains("refused");
    }
}
