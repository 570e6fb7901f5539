package io.sextant.auth;

import java.time.Instant;

import io.sextant.auth.v1.PasswordResetRequestedEvent;

/**
 * Sends a freshly minted password reset token to the account's owner (the notification service
 * e-mails it). Called by auth's outbox relay, at least once per request; throwing means "try again".
 */
@FunctionalInterface
public interface ResetTokenSender {

    void send(PasswordResetRequestedEvent request, String resetToken, Instant expiresAt) throws Exception;
}
