package io.sextant.platform.outbox;

import java.time.Instant;
import java.util.UUID;

import com.google.protobuf.Any;

/** An event in the outbox: its id (the idempotency key for consumers), topic and payload. */
public record OutboxEvent(long sequence, UUID eventId, String topic, Any payload, int attempts, Instant createdAt) {}
