package io.sextant.notification.feed;

import java.util.UUID;

import org.jdbi.v3.core.Jdbi;

import io.sextant.notification.channel.Message;
import io.sextant.notification.channel.Outcome;
import io.sextant.notification.channel.Provider;
import io.sextant.notification.db.FeedDao;

/**
 * The IN_APP channel: stores the notification in the recipient's feed ({@code feed_items}), once
 * however often it is delivered. The feed's RPCs read it.
 */
public final class InAppProvider implements Provider {

    private final Jdbi jdbi;

    public InAppProvider(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    @Override
    public String name() {
        return "in_app";
    }

    @Override
    public Outcome deliver(Message message) {
        final UUID user;
        try {
            user = UUID.fromString(message.recipient().substring("users/".length()));
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            return new Outcome.Permanent("the recipient is not users/{id}: " + message.recipient());
        }
        try {
            jdbi.useExtension(FeedDao.class, dao -> dao.add(UUID.randomUUID(), user, message.id(), message.subject(),
                                                            message.body(), message.category()));
        } catch (RuntimeException e) {
            return new Outcome.Retryable("the feed could not be written: " + e.getClass().getSimpleName(), null);
        }
        return new Outcome.Sent(message.id().toString());
    }
}
