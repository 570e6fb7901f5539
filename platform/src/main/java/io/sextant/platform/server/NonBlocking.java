package io.sextant.platform.server;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an RPC method of a service implementation that never blocks (no JDBC, no password
 * hashing, no blocking call to another service, no lock held for long): {@link SextantServer}
 * runs it on the event loop that received the call, instead of handing it to the blocking task
 * executor and back, which on a small machine costs more than the method itself (two thread
 * hand-offs and their wake-ups per call).
 *
 * <p>Every RPC without it runs on the blocking task executor: forgetting it costs a little speed,
 * never an event loop. A method that does block must not carry it, as it would stall every other
 * call on the same event loop. The interceptors of the platform (token check, validation, metrics)
 * run on the same thread as the method; they do not block either (a token of an unknown key is
 * refused rather than fetched there, see the verifier's {@code KeySource}).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface NonBlocking {
}
