package io.sextant.platform.outbox;

/**
 * Delivers the events of one topic, e.g. by calling another service. It may be called more than
 * once for an event (a crash after delivery, before the relay records it): the receiving side must
 * be idempotent on {@link OutboxEvent#eventId()}. Throwing means "not delivered, try again later".
 */
@FunctionalInterface
public interface OutboxHandler {

    void deliver(OutboxEvent event) throws Exception;
}
