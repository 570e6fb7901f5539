package io.sextant.platform.outbox;

import java.util.UUID;

import org.jdbi.v3.core.Handle;

import com.google.protobuf.Any;
import com.google.protobuf.Message;

/** Writes events into the outbox, inside the caller's transaction. */
public final class Outbox {

    private Outbox() {}

    /**
     * Appends an event in the transaction of {@code handle}: it is delivered if and only if the
     * transaction commits.
     *
     * @return the event id
     */
    public static UUID append(Handle handle, String topic, Message payload) {
        if (!handle.isInTransaction()) {
            throw new IllegalStateException("an outbox event must be written inside the transaction of its cause");
        }
        final UUID eventId = UUID.randomUUID();
        handle.createUpdate("INSERT INTO outbox (event_id, topic, payload) VALUES (:eventId, :topic, :payload)")
              .bind("eventId", eventId)
              .bind("topic", topic)
              .bind("payload", Any.pack(payload).toByteArray())
              .execute();
        return eventId;
    }
}
