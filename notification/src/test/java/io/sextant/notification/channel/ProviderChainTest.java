package io.sextant.notification.channel;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

import io.prometheus.client.CollectorRegistry;

/** The chain's order, fall-through and cooldowns, with in-process providers whose answers the test sets. */
class ProviderChainTest {

    /** A provider that answers what it is told, and counts. */
    private static final class Scripted implements Provider {
        final String name;
        volatile Supplier<Outcome> answer;
        final AtomicInteger calls = new AtomicInteger();

        Scripted(String name, Outcome outcome) {
            this.name = name;
            this.answer = () -> outcome;
        }

        void answers(Outcome outcome) {
            answer = () -> outcome;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Outcome deliver(Message message) {
            calls.incrementAndGet();
            return answer.get();
        }
    }

    private static final Outcome.Sent SENT = new Outcome.Sent("id-1");
    private static final Outcome.Retryable DOWN = new Outcome.Retryable("first: 503", null);

    private final TestClock clock = new TestClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final ProviderChain.Cooldown cooldown = new ProviderChain.Cooldown(Duration.ofSeconds(30),
                                                                              Duration.ofMinutes(2));

    private static Message message() {
        return new Message(UUID.randomUUID(), "+15551234567", "", "hi", "", "", Map.of());
    }

    @Test
    void aFailingProviderFallsThroughToTheNextAndCoolsDown() {
        final Scripted first = new Scripted("first", DOWN);
        final Scripted second = new Scripted("second", SENT);
        final ProviderChain chain = new ProviderChain("sms", List.of(first, second), cooldown, clock);
        final List<String> attempts = new ArrayList<>();

        assertThat(chain.deliver(message(), (provider, outcome) -> attempts.add(provider + "=" + outcome)))
                .isEqualTo(SENT);
        assertThat(attempts).containsExactly("first=" + DOWN, "second=" + SENT);

        // cooling: the next messages go straight to the second
        assertThat(chain.deliver(message())).isEqualTo(SENT);
        clock.advance(Duration.ofSeconds(29));
        assertThat(chain.deliver(message())).isEqualTo(SENT);
        assertThat(first.calls).hasValue(1);
        assertThat(second.calls).hasValue(3);
        assertThat(chain.stats().get(0).cooling()).isTrue();

        // the cooldown over, one trial; it fails, so the cooldown doubles
        clock.advance(Duration.ofSeconds(1));
        assertThat(chain.deliver(message())).isEqualTo(SENT);
        assertThat(first.calls).hasValue(2);
        clock.advance(Duration.ofSeconds(59));
        chain.deliver(message());
        assertThat(first.calls).hasValue(2);

        // the second trial is sent: the first is back in front
        clock.advance(Duration.ofSeconds(1));
        first.answers(SENT);
        assertThat(chain.deliver(message())).isEqualTo(SENT);
        assertThat(chain.deliver(message())).isEqualTo(SENT);
        assertThat(first.calls).hasValue(4);
        assertThat(second.calls).hasValue(5);
        assertThat(chain.stats().get(0).cooling()).isFalse();
    }

    @Test
    void theCooldownDoublesUpToItsCapAndHonoursALongerRetryAfter() {
        assertThat(cooldown.after(0, null)).isEqualTo(Duration.ofSeconds(30));
        assertThat(cooldown.after(1, null)).isEqualTo(Duration.ofSeconds(60));
        assertThat(cooldown.after(2, null)).isEqualTo(Duration.ofSeconds(120));
        assertThat(cooldown.after(30, null)).isEqualTo(Duration.ofSeconds(120));
        assertThat(cooldown.after(0, Duration.ofSeconds(90))).isEqualTo(Duration.ofSeconds(90));
        assertThat(cooldown.after(0, Duration.ofHours(5))).isEqualTo(Duration.ofSeconds(120));
        assertThat(cooldown.after(1, Duration.ofSeconds(5))).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void aPermanentAnswerEndsTheChain() {
        final Outcome.Permanent invalid = new Outcome.Permanent("first: 400 21211 not a valid phone number");
        final Scripted first = new Scripted("first", invalid);
        final Scripted second = new Scripted("second", SENT);
        final ProviderChain chain = new ProviderChain("sms", List.of(first, second), cooldown, clock);

        assertThat(chain.deliver(message())).isEqualTo(invalid);
        assertThat(second.calls).hasValue(0);
        assertThat(chain.stats().get(0).cooling()).isFalse();
    }

    @Test
    void whenAllAreCoolingTheChainSaysWhenTheFirstIsBackWithoutCallingAny() {
        final Scripted first = new Scripted("first", new Outcome.Retryable("first: 429", Duration.ofSeconds(45)));
        final Scripted second = new Scripted("second", new Outcome.Retryable("second: timeout", null));
        final ProviderChain chain = new ProviderChain("sms", List.of(first, second), cooldown, clock);

        final Outcome failed = chain.deliver(message());
        assertThat(failed).isEqualTo(new Outcome.Retryable("first: 429; second: timeout", Duration.ofSeconds(30)));

        clock.advance(Duration.ofSeconds(10));
        final Outcome skipped = chain.deliver(message());
        assertThat(skipped).isInstanceOf(Outcome.Retryable.class);
        assertThat(((Outcome.Retryable) skipped).retryAfter()).isEqualTo(Duration.ofSeconds(20));
        assertThat(skipped.detail()).isEqualTo("first: cooling down for 35 s more; second: cooling down for 20 s more");
        assertThat(first.calls).hasValue(1);
        assertThat(second.calls).hasValue(1);
        assertThat(chain.stats()).extracting(ProviderChain.ProviderStats::skipped).containsExactly(1L, 1L);
    }

    @Test
    void onlyOneTrialAtATimeWhileTheOthersGoToTheNextProvider() throws Exception {
        final Scripted first = new Scripted("first", DOWN);
        final Scripted second = new Scripted("second", SENT);
        final ProviderChain chain = new ProviderChain("sms", List.of(first, second), cooldown, clock);
        chain.deliver(message());
        clock.advance(Duration.ofSeconds(30));

        final CountDownLatch trialStarted = new CountDownLatch(1);
        final CountDownLatch trialMayEnd = new CountDownLatch(1);
        first.answer = () -> {
            trialStarted.countDown();
            try {
                trialMayEnd.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new Outcome.Sent("trial");
        };
        final ExecutorService thread = Executors.newSingleThreadExecutor();
        final CompletableFuture<Outcome> trial = CompletableFuture.supplyAsync(() -> chain.deliver(message()), thread);
        assertThat(trialStarted.await(10, TimeUnit.SECONDS)).isTrue();

        final List<Outcome> during = Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 5; i++) {
            during.add(chain.deliver(message()));
        }
        assertThat(during).containsOnly(SENT);
        assertThat(first.calls).hasValue(2);

        trialMayEnd.countDown();
        assertThat(trial.get(10, TimeUnit.SECONDS)).isEqualTo(new Outcome.Sent("trial"));
        thread.shutdown();
        assertThat(chain.stats().get(0).cooling()).isFalse();
    }

    @Test
    void failuresOfCallsThatBeganBeforeTheCooldownDoNotLengthenIt() throws Exception {
        final Scripted first = new Scripted("first", SENT);
        final Scripted second = new Scripted("second", SENT);
        final ProviderChain chain = new ProviderChain("sms", List.of(first, second), cooldown, clock);
        final CountDownLatch inFlight = new CountDownLatch(3);
        final CountDownLatch fail = new CountDownLatch(1);
        first.answer = () -> {
            inFlight.countDown();
            try {
                fail.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return DOWN;
        };
        final List<CompletableFuture<Outcome>> calls = new ArrayList<>();
        final ExecutorService threads = Executors.newFixedThreadPool(3);
        for (int i = 0; i < 3; i++) {
            calls.add(CompletableFuture.supplyAsync(() -> chain.deliver(message()), threads));
        }
        assertThat(inFlight.await(10, TimeUnit.SECONDS)).isTrue();
        fail.countDown();
        for (CompletableFuture<Outcome> call : calls) {
            assertThat(call.get(10, TimeUnit.SECONDS)).isEqualTo(SENT);
        }
        threads.shutdown();
        assertThat(chain.stats().get(0).cooldowns()).isEqualTo(1);

        first.answers(SENT);
        clock.advance(Duration.ofSeconds(30)); // the first cooldown, not a doubled one
        chain.deliver(message());
        assertThat(first.calls).hasValue(4);
    }

    @Test
    void withoutACooldownEveryMessageTriesTheProviderAndItsOutcomeIsPassedOn() {
        final Outcome.Retryable busy = new Outcome.Retryable("webhook: the endpoint answered 429", Duration.ofSeconds(60));
        final Scripted webhook = new Scripted("webhook", busy);
        final ProviderChain chain = new ProviderChain("webhook", List.of(webhook), null, clock);

        assertThat(chain.deliver(message())).isEqualTo(busy);
        assertThat(chain.deliver(message())).isEqualTo(busy);
        assertThat(webhook.calls).hasValue(2);
        assertThat(chain.name()).isEqualTo("webhook");
    }

    @Test
    void countsWhatEachProviderDidInTheServersRegistry() {
        final Scripted first = new Scripted("first", DOWN);
        final Scripted second = new Scripted("second", SENT);
        final ProviderChain chain = new ProviderChain("sms", List.of(first, second), cooldown, clock);
        final CollectorRegistry registry = new CollectorRegistry();
        ProviderMetrics.of(registry).add(chain);

        chain.deliver(message());
        chain.deliver(message());

        assertThat(registry.getSampleValue("sextant_notification_provider_attempts_total",
                                           new String[] {"channel", "provider", "outcome"},
                                           new String[] {"sms", "first", "retryable"})).isEqualTo(1.0);
        assertThat(registry.getSampleValue("sextant_notification_provider_attempts_total",
                                           new String[] {"channel", "provider", "outcome"},
                                           new String[] {"sms", "second", "sent"})).isEqualTo(2.0);
        assertThat(registry.getSampleValue("sextant_notification_provider_skipped_total",
                                           new String[] {"channel", "provider"}, new String[] {"sms", "first"}))
                .isEqualTo(1.0);
        assertThat(registry.getSampleValue("sextant_notification_provider_cooling",
                                           new String[] {"channel", "provider"}, new String[] {"sms", "first"}))
                .isEqualTo(1.0);
        assertThat(chain.name()).isEqualTo("first,second");
    }
}
