package io.sextant.notification;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import io.sextant.platform.config.Env;
import io.sextant.platform.db.Database;
import io.sextant.platform.error.Errors;
import io.sextant.platform.error.ServiceException;
import io.sextant.platform.limits.RateLimit;
import io.sextant.platform.limits.RateLimiter;

/**
 * How many notifications one caller may send and one recipient may receive: a token bucket per
 * caller (the creator: {@code users/{id}} or a service) and one per recipient address and channel
 * (the address a {@code users/{id}} recipient resolves to, so both ways of naming a person share one
 * budget; e-mail addresses compared lower-cased). A notification takes a token from each when it is
 * accepted, a batch of n takes n from its caller, all or none; a batch that then stores nothing
 * gives them back. Webhook recipients are the caller's own endpoints and have no recipient limit
 * (the caller's applies). Refusals are RESOURCE_EXHAUSTED {@code CALLER_RATE_LIMITED} or
 * {@code RECIPIENT_RATE_LIMITED} with a RetryInfo. A store that fails (its database away) lets sends
 * through: the acceptance itself then meets the same database.
 */
final class SendLimits implements AutoCloseable {

    static final String CALLER_LIMITED = "CALLER_RATE_LIMITED";
    static final String RECIPIENT_LIMITED = "RECIPIENT_RATE_LIMITED";

    /**
     * The settings.
     *
     * @param caller    SEND_LIMIT_CALLER, null when off
     * @param recipient SEND_LIMIT_RECIPIENT, null when off
     * @param shared    SEND_LIMIT_STORE=postgres: the buckets in the service's database, shared by its replicas
     */
    record Settings(RateLimit caller, RateLimit recipient, boolean shared) {

        static final String DEFAULT_CALLER = "6000/1m";
        static final String DEFAULT_RECIPIENT = "20/1h";

        static Settings read(Env env) {
            final RateLimit caller = RateLimit.read(env, "SEND_LIMIT_CALLER", DEFAULT_CALLER);
            final RateLimit recipient = RateLimit.read(env, "SEND_LIMIT_RECIPIENT", DEFAULT_RECIPIENT);
            final String store = env.string("SEND_LIMIT_STORE", "memory").toLowerCase(Locale.ROOT);
            if (!store.equals("memory") && !store.equals("postgres")) {
                env.problem("SEND_LIMIT_STORE", "is '" + store + "'; expected memory (each replica on its own) or"
                                                + " postgres (shared by the replicas, in the service's database)");
            }
            return new Settings(caller, recipient, store.equals("postgres"));
        }
    }

    /**
     * One notification to count: the request field of its recipient, its channel, where it goes, and
     * whether its category is transactional (a password reset): such mail counts in a bucket of its
     * own per recipient, so a flood of other mail to an address cannot hold back its reset e-mail.
     */
    record Recipient(String field, String channel, String address, boolean transactional) {}

    private final Settings settings;
    /** Null when both limits are off. */
    private final RateLimiter buckets;
    private final Counter refused;

    private SendLimits(Settings settings, RateLimiter buckets, Counter refused) {
        this.settings = settings;
        this.buckets = buckets;
        this.refused = refused;
    }

    /** The limits of the settings, their buckets in memory or in {@code database}'s rate_limit_buckets. */
    static SendLimits open(Settings settings, Database database, CollectorRegistry registry) {
        final List<RateLimit> limits = new ArrayList<>();
        if (settings.caller() != null) {
            limits.add(settings.caller());
        }
        if (settings.recipient() != null) {
            limits.add(settings.recipient());
        }
        final RateLimiter buckets = limits.isEmpty() ? null
                                    : settings.shared() ? RateLimiter.inPostgres(database)
                                    : RateLimiter.inMemory(limits);
        final Counter refused = Counter.build("notification_send_limited_total",
                                              "Sends refused by the per-caller or per-recipient send limit.")
                                       .labelNames("limit").register(registry);
        return new SendLimits(settings, buckets, refused);
    }

    /** Tokens a batch took, to give back when it stores nothing (or some of it turned out to be repeats). */
    final class Taken {

        private final String callerKey;
        private long callerTokens;
        private final Map<String, Long> recipientTokens = new LinkedHashMap<>();
        /** The recipient key of each recipient counted, by its place in the batch. */
        private final List<String> recipientKeys = new ArrayList<>();

        private Taken(String callerKey) {
            this.callerKey = callerKey;
        }

        /** Gives back everything taken. */
        void giveBack() {
            if (callerTokens > 0) {
                giveBackQuietly(callerKey, settings.caller(), callerTokens);
                callerTokens = 0;
            }
            recipientTokens.forEach((key, tokens) -> giveBackQuietly(key, settings.recipient(), tokens));
            recipientTokens.clear();
        }

        /** Gives back the tokens of the notification at {@code index} of the recipients counted (a repeat after all). */
        void giveBack(int index) {
            if (callerTokens > 0) {
                giveBackQuietly(callerKey, settings.caller(), 1);
                callerTokens--;
            }
            final String key = index < recipientKeys.size() ? recipientKeys.get(index) : null;
            if (key != null && recipientTokens.getOrDefault(key, 0L) > 0) {
                giveBackQuietly(key, settings.recipient(), 1);
                recipientTokens.merge(key, -1L, Long::sum);
            }
        }
    }

    /**
     * Takes {@code count} tokens from the caller's bucket, or refuses them all with
     * RESOURCE_EXHAUSTED {@code CALLER_RATE_LIMITED}.
     */
    Taken takeForCaller(String creator, int count) {
        final Taken taken = new Taken("caller:" + creator);
        final RateLimit limit = settings.caller();
        if (buckets == null || limit == null || count == 0) {
            return taken;
        }
        if (count > limit.count()) {
            refused.labels("caller").inc();
            throw Errors.resourceExhausted(CALLER_LIMITED, "this batch has " + count + " notifications; a caller may"
                                           + " send at most " + limit.describe() + ": send smaller batches",
                                           metadata(limit, null));
        }
        final RateLimiter.Decision decision;
        try {
            decision = buckets.tryConsume(taken.callerKey, limit, count);
        } catch (RuntimeException e) {
            buckets.storeFailed(e);
            return taken;
        }
        if (!decision.allowed()) {
            refused.labels("caller").inc();
            final long retryAfter = decision.retryAfterSeconds();
            throw Errors.resourceExhausted(CALLER_LIMITED, "too many notifications from this caller: at most "
                                           + limit.describe() + "; try again in " + retryAfter + " s",
                                           metadata(limit, retryAfter), Duration.ofSeconds(retryAfter));
        }
        taken.callerTokens = count;
        return taken;
    }

    /**
     * Takes a token per notification from each recipient's bucket (into {@code taken}), or refuses the
     * batch with RESOURCE_EXHAUSTED {@code RECIPIENT_RATE_LIMITED} naming the first recipient over its
     * limit, having given back everything {@code taken} holds.
     */
    void takeForRecipients(Taken taken, List<Recipient> recipients) {
        final RateLimit limit = settings.recipient();
        if (buckets == null || limit == null) {
            return;
        }
        final Map<String, Long> counts = new LinkedHashMap<>();
        final Map<String, String> fields = new LinkedHashMap<>();
        for (Recipient recipient : recipients) {
            final String key = key(recipient);
            taken.recipientKeys.add(key);
            if (key != null) {
                counts.merge(key, 1L, Long::sum);
                fields.putIfAbsent(key, recipient.field());
            }
        }
        for (Map.Entry<String, Long> count : counts.entrySet()) {
            final String field = fields.get(count.getKey());
            if (count.getValue() > limit.count()) {
                taken.giveBack();
                refused.labels("recipient").inc();
                throw Errors.resourceExhausted(RECIPIENT_LIMITED, field + ": this batch has " + count.getValue()
                                               + " notifications for this recipient; a recipient may receive at most "
                                               + limit.describe(), metadata(limit, null, field));
            }
            final RateLimiter.Decision decision;
            try {
                decision = buckets.tryConsume(count.getKey(), limit, count.getValue());
            } catch (RuntimeException e) {
                buckets.storeFailed(e);
                continue;
            }
            if (!decision.allowed()) {
                taken.giveBack();
                refused.labels("recipient").inc();
                final long retryAfter = decision.retryAfterSeconds();
                throw Errors.resourceExhausted(RECIPIENT_LIMITED, field + ": this recipient has been sent too many"
                                               + " notifications on this channel: at most " + limit.describe()
                                               + "; try again in " + retryAfter + " s",
                                               metadata(limit, retryAfter, field), Duration.ofSeconds(retryAfter));
            }
            taken.recipientTokens.put(count.getKey(), count.getValue());
        }
    }

    /** The bucket key of a recipient, or null for one without a recipient limit (a webhook). */
    private static String key(Recipient recipient) {
        final String kind = recipient.transactional() ? "recipient-transactional:" : "recipient:";
        return switch (recipient.channel()) {
            case "WEBHOOK" -> null;
            case "EMAIL" -> kind + "EMAIL:" + recipient.address().toLowerCase(Locale.ROOT);
            default -> kind + recipient.channel() + ":" + recipient.address();
        };
    }

    private void giveBackQuietly(String key, RateLimit limit, long tokens) {
        try {
            buckets.giveBack(key, limit, tokens);
        } catch (RuntimeException e) {
            buckets.storeFailed(e);
        }
    }

    private static Map<String, String> metadata(RateLimit limit, Long retryAfterSeconds) {
        return metadata(limit, retryAfterSeconds, null);
    }

    private static Map<String, String> metadata(RateLimit limit, Long retryAfterSeconds, String field) {
        final Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("limit", String.valueOf(limit.count()));
        metadata.put("period_seconds", String.valueOf(limit.period().toSeconds()));
        if (retryAfterSeconds != null) {
            metadata.put("retry_after_seconds", String.valueOf(retryAfterSeconds));
        }
        if (field != null) {
            metadata.put("field", field);
        }
        return metadata;
    }

    @Override
    public void close() {
        if (buckets != null) {
            buckets.close();
        }
    }
}
