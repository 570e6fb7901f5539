package io.sextant.notification.email;

import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPSenderFailedException;

import io.sextant.notification.channel.Outcome;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.internet.AddressException;

/**
 * What an SMTP failure means for the notification: a 4xx reply is retryable, a 5xx reply permanent
 * (RFC 5321); an address that cannot be written is permanent; anything without a reply (no
 * connection, a timeout, a dropped connection, a refused login) is retryable.
 */
public final class SmtpOutcomes {

    private static final int MAX_DETAIL = 1000;

    private SmtpOutcomes() {}

    public static Outcome of(MessagingException e) {
        final int code = replyCode(e);
        final String detail = describe(e);
        if (code >= 500) {
            return new Outcome.Permanent(detail);
        }
        if (code >= 400) {
            return new Outcome.Retryable(detail, null);
        }
        if (e instanceof SendFailedException && e.getNextException() instanceof AddressException) {
            return new Outcome.Permanent(detail);
        }
        return new Outcome.Retryable(detail, null);
    }

    /** The SMTP reply code in the exception or the ones it chains, else 0. */
    static int replyCode(Exception e) {
        Exception at = e;
        for (int depth = 0; at != null && depth < 10; depth++) {
            if (at instanceof SMTPSendFailedException failed && failed.getReturnCode() > 0) {
                return failed.getReturnCode();
            }
            if (at instanceof SMTPAddressFailedException failed && failed.getReturnCode() > 0) {
                return failed.getReturnCode();
            }
            if (at instanceof SMTPSenderFailedException failed && failed.getReturnCode() > 0) {
                return failed.getReturnCode();
            }
            at = at instanceof MessagingException messaging ? messaging.getNextException() : null;
        }
        return 0;
    }

    /** The messages of the chain, each once, at most 1000 characters. */
    static String describe(Exception e) {
        final StringBuilder text = new StringBuilder();
        Throwable at = e;
        for (int depth = 0; at != null && depth < 4; depth++) {
            final String message = at.getMessage() == null ? "" : at.getMessage().strip();
            if (!message.isEmpty() && !text.toString().contains(message)) {
                if (text.length() > 0) {
                    text.append(": ");
                }
                text.append(message);
            }
            at = at instanceof MessagingException m && m.getNextException() != null ? m.getNextException() : at.getCause();
        }
        final String detail = text.length() == 0 ? e.getClass().getSimpleName() : text.toString();
        return detail.length() > MAX_DETAIL ? detail.substring(0, MAX_DETAIL) : detail;
    }
}
