package io.sextant.platform.resource;

import java.time.Instant;

import com.google.protobuf.Timestamp;

/** {@code google.protobuf.Timestamp} from and to {@link Instant}. */
public final class ProtoTime {

    private ProtoTime() {}

    public static Timestamp timestamp(Instant instant) {
        return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
    }

    public static Instant instant(Timestamp timestamp) {
        return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
    }
}
