package io.sextant.notification;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;

import io.sextant.notification.channel.ProvidersConfig;
import io.sextant.notification.email.SmtpProvider;
import io.sextant.notification.email.SmtpSettings;
import io.sextant.notification.engine.EngineSettings;
import io.sextant.platform.config.CommonConfig;
import io.sextant.platform.config.Env;
import io.sextant.platform.config.Targets;
import io.sextant.platform.identity.ServiceSecret;

/**
 * The notification service's settings: the common ones, plus
 * <table>
 *   <tr><td>USERS_TARGET</td><td>localhost:8002: the users service, to resolve {@code users/{id}} recipients</td></tr>
 *   <tr><td>USERS_DEADLINE</td><td>2s: the deadline of each call to users</td></tr>
 *   <tr><td>SERVICE_SECRET or SERVICE_SECRET_FILE</td><td>required: the service's own secret, which auth exchanges for
 *       the token of {@code services/notification} (auth's SERVICE_ACCOUNTS lists it with {@code users.read});
 *       {@link ServiceSecret}</td></tr>
 *   <tr><td>NOTIFICATION_QUEUE_MAX</td><td>100000: notifications waiting for delivery; more is RESOURCE_EXHAUSTED</td></tr>
 *   <tr><td>SEND_LIMIT_CALLER</td><td>6000/1m: notifications one caller may send ({@code <count>/<period>}
 *       or {@code off}); more is RESOURCE_EXHAUSTED CALLER_RATE_LIMITED ({@link SendLimits})</td></tr>
 *   <tr><td>SEND_LIMIT_RECIPIENT</td><td>20/1h: notifications one recipient may receive on one channel
 *       (webhooks excepted); more is RESOURCE_EXHAUSTED RECIPIENT_RATE_LIMITED</td></tr>
 *   <tr><td>SEND_LIMIT_STORE</td><td>memory: each replica counts on its own; postgres: the replicas share
 *       the counts in the service's database</td></tr>
 *   <tr><td>NOTIFICATION_WORKERS</td><td>4: deliveries at once per replica</td></tr>
 *   <tr><td>NOTIFICATION_POLL_INTERVAL</td><td>200ms: how often the engine looks for due notifications</td></tr>
 *   <tr><td>NOTIFICATION_LEASE</td><td>2m: how long a claimed notification is one replica's</td></tr>
 *   <tr><td>NOTIFICATION_MAX_ATTEMPTS</td><td>8: attempts before a retryable failure is FAILED</td></tr>
 *   <tr><td>NOTIFICATION_RETRY_INITIAL / _MAX</td><td>5s / 1h: the backoff between attempts</td></tr>
 *   <tr><td>TRANSACTIONAL_CATEGORIES</td><td>password-reset,email-verification,security-alert: categories
 *       delivered whatever the recipient opted out of (and without an unsubscribe link)</td></tr>
 *   <tr><td>UNSUBSCRIBE_URL</td><td>unset: where e-mails' one-click unsubscribe links point (the gateway's
 *       {@code /v1/notifications:unsubscribe}); unset, e-mails carry none</td></tr>
 *   <tr><td>SMTP_CA_FILE</td><td>unset: PEM certificates of the CAs to trust for SMTP's TLS instead of the JVM's</td></tr>
 *   <tr><td>SMTP_HOST ... SMTP_FROM</td><td>the e-mail channel; without SMTP_HOST there is none</td></tr>
 *   <tr><td>SMS_PROVIDERS, PUSH_PROVIDERS, WEBHOOK_SIGNING_SECRET ...</td><td>the HTTP channels
 *       ({@link ProvidersConfig}); a channel without a provider is off</td></tr>
 * </table>
 *
 * @param smtp       the e-mail channel's settings, null without SMTP_HOST
 * @param providers  the SMS, push and webhook channels' providers
 * @param transactionalCategories the categories opt-outs do not apply to
 * @param unsubscribeUrl the target of e-mails' unsubscribe links, or null for none
 * @param sendLimits the per-caller and per-recipient send limits
 */
public record NotificationConfig(CommonConfig common, String usersTarget, Duration usersDeadline, int queueMax,
                                 EngineSettings engine, SmtpSettings smtp, ProvidersConfig providers,
                                 Set<String> transactionalCategories, String unsubscribeUrl,
                                 SendLimits.Settings sendLimits, ServiceSecret secret) {

    /** The default of TRANSACTIONAL_CATEGORIES: what a user must get whatever they opted out of. */
    public static final String TRANSACTIONAL_DEFAULT = "password-reset,email-verification,security-alert";

    public static final int DEFAULT_PORT = 8003;

    /** Reads the settings; every wrong variable is named at once. */
    public static NotificationConfig read(Env env) {
        final CommonConfig common = CommonConfig.read("notification", DEFAULT_PORT, env);
        final String usersTarget = env.string("USERS_TARGET", "localhost:8002");
        Targets.check(env, "USERS_TARGET", usersTarget);
        final Duration usersDeadline = between(env, "USERS_DEADLINE", Duration.ofSeconds(2), Duration.ofMillis(100),
                                               Duration.ofMinutes(1));
        final int queueMax = env.integer("NOTIFICATION_QUEUE_MAX", 100_000, 1, 100_000_000);
        final int workers = env.integer("NOTIFICATION_WORKERS", 4, 1, 256);
        final Duration poll = between(env, "NOTIFICATION_POLL_INTERVAL", Duration.ofMillis(200), Duration.ofMillis(10),
                                      Duration.ofMinutes(1));
        final Duration lease = between(env, "NOTIFICATION_LEASE", Duration.ofMinutes(2), Duration.ofSeconds(1),
                                       Duration.ofHours(1));
        final int maxAttempts = env.integer("NOTIFICATION_MAX_ATTEMPTS", 8, 1, 100);
        final Duration retryInitial = between(env, "NOTIFICATION_RETRY_INITIAL", Duration.ofSeconds(5),
                                              Duration.ofMillis(10), Duration.ofHours(1));
        final Duration retryMax = between(env, "NOTIFICATION_RETRY_MAX", Duration.ofHours(1), Duration.ofMillis(10),
                                          Duration.ofDays(1));
        final SmtpSettings smtp = smtp(env, workers);
        if (smtp != null && lease.compareTo(smtp.timeout().multipliedBy(4)) < 0) {
            env.problem("NOTIFICATION_LEASE", "must be at least 4 × SMTP_TIMEOUT (a delivery must end within its lease)");
        }
        final ProvidersConfig providers = ProvidersConfig.read(env);
        final Set<String> transactional = transactional(env);
        final String unsubscribeUrl = unsubscribeUrl(env);
        final SendLimits.Settings sendLimits = SendLimits.Settings.read(env);
        final ServiceSecret secret = ServiceSecret.read(env, "notification");
        env.check();
        return new NotificationConfig(common, usersTarget, usersDeadline, queueMax,
                                      new EngineSettings(workers, poll, lease, maxAttempts, retryInitial, retryMax), smtp,
                                      providers, transactional, unsubscribeUrl, sendLimits, secret);
    }

    private static Set<String> transactional(Env env) {
        final String text = env.string("TRANSACTIONAL_CATEGORIES", TRANSACTIONAL_DEFAULT);
        final Set<String> categories = new TreeSet<>();
        Arrays.stream(text.split(",")).map(String::trim).filter(c -> !c.isEmpty()).forEach(categories::add);
        for (String category : categories) {
            if (!category.matches("^[a-z0-9][a-z0-9-.]{0,62}$")) {
                env.problem("TRANSACTIONAL_CATEGORIES", "has '" + category + "'; expected categories (lower-case"
                                                        + " letters, digits, '-' and '.') separated by commas");
            }
        }
        return categories;
    }

    private static String unsubscribeUrl(Env env) {
        final String text = env.raw("UNSUBSCRIBE_URL");
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            final URI uri = new URI(text.trim());
            if ((uri.getScheme() == null || !uri.getScheme().matches("https?")) || uri.getHost() == null
                || uri.getFragment() != null) {
                env.problem("UNSUBSCRIBE_URL", "is '" + text + "'; expected an http(s) URL without a fragment, such as"
                                               + " https://api.example.com/v1/notifications:unsubscribe");
            }
        } catch (URISyntaxException e) {
            env.problem("UNSUBSCRIBE_URL", "is not a URL: " + e.getMessage());
        }
        return text.trim();
    }

    private static SmtpSettings smtp(Env env, int workers) {
        final String host = env.raw("SMTP_HOST");
        final String tls = env.string("SMTP_TLS", "starttls");
        if (!tls.equals("none") && !tls.equals("starttls") && !tls.equals("tls")) {
            env.problem("SMTP_TLS", "must be none, starttls or tls");
        }
        final int port = env.port("SMTP_PORT", tls.equals("tls") ? 465 : 587);
        final String username = env.string("SMTP_USERNAME", "");
        final String password = env.string("SMTP_PASSWORD", "");
        final Duration timeout = between(env, "SMTP_TIMEOUT", Duration.ofSeconds(10), Duration.ofMillis(100),
                                         Duration.ofMinutes(5));
        final String ca = env.raw("SMTP_CA_FILE");
        Path caFile = null;
        if (ca != null && !ca.isBlank()) {
            caFile = Path.of(ca.trim());
            if (tls.equals("none")) {
                env.problem("SMTP_CA_FILE", "is for SMTP_TLS starttls or tls, not none");
            }
            try {
                SmtpProvider.trusting(caFile);
            } catch (IllegalArgumentException e) {
                env.problem("SMTP_CA_FILE", "cannot be used: " + e.getMessage());
            }
        }
        if (host == null) {
            return null;
        }
        final String from = env.required("SMTP_FROM", "the From address of the e-mails (SMTP_HOST is set)");
        if (!from.isEmpty() && !from.matches("^[^@\\s]+@[^@\\s]+$") && !from.matches("^.*<[^@\\s<>]+@[^@\\s<>]+>$")) {
            env.problem("SMTP_FROM", "must be an e-mail address, optionally with a name: Sextant <no-reply@example.com>");
        }
        if (!username.isEmpty() && password.isEmpty()) {
            env.problem("SMTP_PASSWORD", "must be set with SMTP_USERNAME");
        }
        return new SmtpSettings(host, port, username, password, tls, from, timeout, workers, caFile);
    }

    private static Duration between(Env env, String name, Duration defaultValue, Duration min, Duration max) {
        final Duration value = env.duration(name, defaultValue);
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            env.problem(name, "must be between " + min + " and " + max);
        }
        return value;
    }
}
