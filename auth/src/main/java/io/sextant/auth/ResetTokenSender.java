package io.sextant.auth;

import java.time.Instant;
import java.util.UUID;

import io.sextant.auth.v1.PasswordResetRequestedEvent;

/**
 * Sends a freshly minted password reset token to the account's owner (the notification service
 * e-mails it). Called by auth's outbox relay, at least once per request; throwing means "try again".
 */
@FunctionalInterface
public interface ResetTokenSender {

    /**
     * @param requestId the outbox event's id: the same on every delivery of one request, so the receiver can
     *                  make the send idempotent (notification's {@code request_id})
     */
    void send(UUID requestId, PasswordResetRequestedEvent request, String resetToken, Instant expiresAt) throws Exception;
}
