package io.sextant.notification.channel;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A channel's providers, tried in order: itself a {@link Provider}. Thread-safe.
 *
 * <ul>
 *   <li>{@link Outcome.Sent} from a provider ends the chain with it.</li>
 *   <li>{@link Outcome.Permanent} ends the chain too: the message itself is bad (an invalid number, an
 *       unregistered device), and another provider would refuse it as well.</li>
 *   <li>{@link Outcome.Retryable} (a timeout, a 5xx, a 429, a refused connection) puts the provider on a
 *       cooldown and the next one is tried. A provider whose credentials or account are refused (401, 403)
 *       answers Retryable as well, not Permanent: that failure is the provider's, not the message's, so it
 *       falls through to the next provider and the message is retried later (an operator may fix the
 *       credentials meanwhile). The providers decide this; {@link Outcome} is unchanged.</li>
 * </ul>
 *
 * <p>Cooldown: a provider that answered Retryable is skipped for the initial cooldown (30 s by default),
 * or for its own Retry-After if longer (at most the cap). When that time is over, one message (and only one,
 * however many are sent at once) is let through as a trial: if it is sent the provider is back; if it fails
 * the cooldown doubles, up to the cap (10 min by default). Failures of calls that began before the provider
 * was cooled do not lengthen its cooldown. When every provider is cooling or failed, the chain answers
 * Retryable with each provider's reason and, as Retry-After, the time until the first of them is back.
 * A chain without a cooldown (the webhook channel: a failing endpoint is the recipient's, not the
 * provider's) tries its providers on every message and passes a lone provider's outcome on unchanged.
 */
public final class ProviderChain implements Provider, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ProviderChain.class);

    /** How long a provider that failed is skipped: {@code initial}, doubling on each failed trial up to {@code max}. */
    public record Cooldown(Duration initial, Duration max) {

        public static final Cooldown DEFAULT = new Cooldown(Duration.ofSeconds(30), Duration.ofMinutes(10));

        public Cooldown {
            Objects.requireNonNull(initial, "initial");
            Objects.requireNonNull(max, "max");
            if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
                throw new IllegalArgumentException("need 0 < initial <= max, not " + initial + ", " + max);
            }
        }

        /** The cooldown after the {@code level}-th failure in a row (0: the first), at least the provider's hint. */
        Duration after(int level, Duration retryAfter) {
            Duration base = initial;
            for (int i = 0; i < level && base.compareTo(max) < 0; i++) {
                base = base.multipliedBy(2);
            }
            if (base.compareTo(max) > 0) {
                base = max;
            }
            if (retryAfter != null && retryAfter.compareTo(base) > 0) {
                return retryAfter.compareTo(max) > 0 ? max : retryAfter;
            }
            return base;
        }
    }

    /** Told of every provider's attempt, in order: for the delivery record. */
    @FunctionalInterface
    public interface AttemptListener {
        void attempted(String provider, Outcome outcome);
    }

    /** One provider's counts and state, for metrics. */
    public record ProviderStats(String provider, long sent, long retryable, long permanent, long skipped,
                                long cooldowns, boolean cooling) {}

    private enum Ticket { CLOSED, TRIAL }

    private static final class Member {

        final Provider provider;
        final LongAdder sent = new LongAdder();
        final LongAdder retryable = new LongAdder();
        final LongAdder permanent = new LongAdder();
        final LongAdder skipped = new LongAdder();
        final LongAdder cooldowns = new LongAdder();

        /** -1: in use; n >= 0: cooling after n + 1 failures in a row. Guarded by this. */
        private int level = -1;
        private Instant until = Instant.MIN;
        private boolean trialInFlight;

        Member(Provider provider) {
            this.provider = provider;
        }

        synchronized Ticket admit(Instant now) {
            if (level < 0) {
                return Ticket.CLOSED;
            }
            if (now.isBefore(until) || trialInFlight) {
                return null;
            }
            trialInFlight = true;
            return Ticket.TRIAL;
        }

        /** Records the outcome; returns the cooldown it began, or null. */
        synchronized Duration record(Ticket ticket, Outcome outcome, Instant now, Cooldown cooldown) {
            if (ticket == Ticket.TRIAL) {
                trialInFlight = false;
            }
            if (!(outcome instanceof Outcome.Retryable retryable)) {
                if (ticket == Ticket.TRIAL) {
                    level = -1;
                }
                return null;
            }
            if (ticket == Ticket.CLOSED && level >= 0) {
                return null;
            }
            level = ticket == Ticket.TRIAL ? level + 1 : 0;
            final Duration duration = cooldown.after(level, retryable.retryAfter());
            until = now.plus(duration);
            cooldowns.increment();
            return duration;
        }

        synchronized void release(Ticket ticket) {
            if (ticket == Ticket.TRIAL) {
                trialInFlight = false;
            }
        }

        /** How long until it may be tried again: zero when in use or due a trial. */
        synchronized Duration remaining(Instant now) {
            if (level < 0 || !now.isBefore(until)) {
                return Duration.ZERO;
            }
            return Duration.between(now, until);
        }

        synchronized boolean cooling(Instant now) {
            return level >= 0 && (now.isBefore(until) || trialInFlight);
        }
    }

    private final String channel;
    private final List<Member> members;
    private final Cooldown cooldown;
    private final Clock clock;
    private final String name;

    /**
     * @param channel   the channel ({@code sms}), for logs and metrics
     * @param providers tried in this order; at least one
     * @param cooldown  how long a failed provider is skipped; null: never (try each on every message)
     */
    public ProviderChain(String channel, List<? extends Provider> providers, Cooldown cooldown) {
        this(channel, providers, cooldown, Clock.systemUTC());
    }

    ProviderChain(String channel, List<? extends Provider> providers, Cooldown cooldown, Clock clock) {
        this.channel = Objects.requireNonNull(channel, "channel");
        if (providers.isEmpty()) {
            throw new IllegalArgumentException("a chain needs a provider");
        }
        this.members = providers.stream().map(Member::new).toList();
        this.cooldown = cooldown;
        this.clock = clock;
        this.name = providers.stream().map(Provider::name).collect(Collectors.joining(","));
    }

    public String channel() {
        return channel;
    }

    /** The providers' names in order, separated by commas: {@code twilio,twilio2}. */
    @Override
    public String name() {
        return name;
    }

    public List<Provider> providers() {
        return members.stream().map(m -> m.provider).toList();
    }

    @Override
    public Outcome deliver(Message message) {
        return deliver(message, null);
    }

    /** As {@link #deliver(Message)}, telling the listener of each provider's attempt (not of those skipped). */
    public Outcome deliver(Message message, AttemptListener listener) {
        final List<String> reasons = new ArrayList<>();
        Outcome last = null;
        for (Member member : members) {
            final Ticket ticket = cooldown == null ? Ticket.CLOSED : member.admit(clock.instant());
            if (ticket == null) {
                member.skipped.increment();
                final Duration remaining = member.remaining(clock.instant());
                reasons.add(member.provider.name() + ": cooling down"
                            + (remaining.isZero() ? " (a trial message is in flight)"
                                                  : " for " + seconds(remaining) + " more"));
                continue;
            }
            final Outcome outcome;
            try {
                outcome = Objects.requireNonNull(member.provider.deliver(message), "outcome");
            } catch (RuntimeException | Error e) {
                member.release(ticket);
                throw e;
            }
            count(member, outcome);
            if (listener != null) {
                listener.attempted(member.provider.name(), outcome);
            }
            last = outcome;
            if (cooldown == null) {
                if (!(outcome instanceof Outcome.Retryable)) {
                    return outcome;
                }
                reasons.add(outcome.detail());
                continue;
            }
            final Duration cooled = member.record(ticket, outcome, clock.instant(), cooldown);
            if (!(outcome instanceof Outcome.Retryable)) {
                return outcome;
            }
            if (cooled != null) {
                LOG.warn("{} provider {} failed and is skipped for {}: {}", channel, member.provider.name(),
                         seconds(cooled), outcome.detail());
            }
            reasons.add(outcome.detail());
        }
        if (cooldown == null && members.size() == 1 && last != null) {
            return last;
        }
        return new Outcome.Retryable(String.join("; ", reasons), cooldown == null ? retryAfter(last) : soonest());
    }

    private static Duration retryAfter(Outcome outcome) {
        return outcome instanceof Outcome.Retryable retryable ? retryable.retryAfter() : null;
    }

    /** The time until the first provider may be tried again; null when one may be now. */
    private Duration soonest() {
        final Instant now = clock.instant();
        Duration soonest = null;
        for (Member member : members) {
            final Duration remaining = member.remaining(now);
            if (soonest == null || remaining.compareTo(soonest) < 0) {
                soonest = remaining;
            }
        }
        return soonest == null || soonest.isZero() ? null : soonest;
    }

    private static void count(Member member, Outcome outcome) {
        if (outcome instanceof Outcome.Sent) {
            member.sent.increment();
        } else if (outcome instanceof Outcome.Permanent) {
            member.permanent.increment();
        } else {
            member.retryable.increment();
        }
    }

    private static String seconds(Duration duration) {
        final long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : String.format(java.util.Locale.ROOT, "%.1f s", millis / 1000.0);
    }

    /** Each provider's counts and whether it is cooling now. */
    public List<ProviderStats> stats() {
        final Instant now = clock.instant();
        return members.stream()
                      .map(m -> new ProviderStats(m.provider.name(), m.sent.sum(), m.retryable.sum(),
                                                  m.permanent.sum(), m.skipped.sum(), m.cooldowns.sum(),
                                                  m.cooling(now)))
                      .toList();
    }

    /** Closes the providers that hold resources (their HTTP clients). */
    @Override
    public void close() {
        for (Member member : members) {
            if (member.provider instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    LOG.warn("closing {} provider {} failed", channel, member.provider.name(), e);
                }
            }
        }
    }
}
