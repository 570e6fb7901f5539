package io.sextant.notification;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.server.ServerListener;

import io.prometheus.client.Collector;
import io.prometheus.client.GaugeMetricFamily;
import io.sextant.notification.channel.Provider;
import io.sextant.notification.channel.Providers;
import io.sextant.notification.email.SmtpProvider;
import io.sextant.notification.engine.DeliveryEngine;
import io.sextant.notification.feed.Feed;
import io.sextant.notification.feed.FeedWatch;
import io.sextant.notification.feed.InAppProvider;
import io.sextant.notification.prefs.Preferences;
import io.sextant.notification.prefs.UnsubscribeLinks;
import io.sextant.platform.config.Env;
import io.sextant.platform.db.Database;
import io.sextant.platform.grpc.ServiceClient;
import io.sextant.platform.identity.ServiceIdentity;
import io.sextant.platform.identity.TokenVerifier;
import io.sextant.platform.jobs.ScheduledJobs;
import io.sextant.platform.server.SextantServer;
import io.sextant.users.v1.UsersServiceGrpc;

/**
 * Wires the notification service: what {@link NotificationMain} runs and what the tests start. It
 * owns its database (migrated at start), verifies callers' tokens against auth's keys and
 * revocations, resolves {@code users/{id}} recipients with the users service as itself
 * ({@link ServiceIdentity}: SERVICE_SECRET exchanged at auth), and runs a
 * {@link DeliveryEngine} over the providers of the configured channels: e-mail over SMTP when
 * SMTP_HOST is set, the in-app feed always, and whatever providers the caller adds.
 */
public final class NotificationServer {

    private static final Logger log = LoggerFactory.getLogger(NotificationServer.class);

    /** How often each replica's WatchFeed poller looks for new feed items. */
    static final Duration FEED_POLL_INTERVAL = Duration.ofMillis(500);

    private NotificationServer() {}

    /** The service's settings from the environment (PORT defaults to 8003). */
    public static NotificationConfig readConfig(Env env) {
        return NotificationConfig.read(env);
    }

    /** Opens (and migrates) the database and builds the server; {@code start()} it. */
    public static SextantServer newServer(NotificationConfig config) {
        return newServer(config, null, Map.of());
    }

    /**
     * As {@link #newServer(NotificationConfig)}, verifying tokens with {@code verifier} instead of
     * auth's published keys and revocations (when it is null, those), and with {@code providers}
     * over the configured ones, by channel ({@code email}, {@code sms}, {@code push}, {@code webhook},
     * {@code in_app}: one given replaces the configured one).
     */
    public static SextantServer newServer(NotificationConfig config, TokenVerifier verifier,
                                          Map<String, Provider> providers) {
        final SextantServer.Builder builder = SextantServer.builder(config.common());
        final Database db = Database.open("notification", config.common().db(), builder.registry());
        builder.database(db);
        final Map<String, Provider> channels = new HashMap<>();
        channels.put("in_app", new InAppProvider(db.jdbi()));
        if (config.smtp() != null) {
            final SmtpProvider smtp = new SmtpProvider(config.smtp());
            builder.closeOnStop(smtp);
            channels.put("email", smtp);
        }
        final Map<String, Provider> http = Providers.open(config.providers(), builder.registry());
        builder.closeOnStop(() -> Providers.close(http));
        channels.putAll(http);
        channels.putAll(providers);
        log.info("Notification channels: {}", channels.keySet());

        final ServiceClient users = ServiceClient.builder("users", config.usersTarget(),
                                                          UsersServiceGrpc.getServiceDescriptor())
                                                 .deadline(config.usersDeadline())
                                                 .build();
        builder.closeOnStop(users);
        // east-west calls no caller makes (resolving users/{id}) are made as services/notification
        final ServiceIdentity identity = ServiceIdentity.exchanging("notification", config.secret(),
                                                                    config.common().authTarget(), Clock.systemUTC());
        builder.closeOnStop(identity);
        // closed before the clients and the database it uses (closeOnStop closes newest first)
        final Preferences preferences = new Preferences(db.jdbi(), config.transactionalCategories(),
                                                        new UnsubscribeLinks(db.jdbi(), config.unsubscribeUrl()));
        final DeliveryEngine engine = new DeliveryEngine(db.jdbi(), channels, config.engine(), preferences,
                                                         DeliveryEngine.newInstanceName());
        final SendLimits limits = SendLimits.open(config.sendLimits(), db, builder.registry());
        builder.closeOnStop(limits);
        final Notifications notifications = new Notifications(
                db.jdbi(), new UserDirectory(users, identity),
                channels.keySet(), config.queueMax(), limits, config.transactionalCategories(), engine::wake);
        final ScheduledJobs jobs = ScheduledJobs.on("notification-jobs")
                .every("purge-request-ids", Duration.ofMinutes(10), Duration.ofHours(1), notifications::purgeRequestIds);
        builder.closeOnStop(jobs);
        builder.closeOnStop(engine);
        final FeedWatch watch = new FeedWatch(db.jdbi(), FEED_POLL_INTERVAL);
        // the streams end when the server starts stopping, not after the graceful wait for in-flight calls
        builder.customize(sb -> sb.serverListener(ServerListener.builder().whenStopping(s -> watch.close()).build()));
        builder.closeOnStop(watch);
        builder.registry().register(new Collector() {
            @Override
            public List<MetricFamilySamples> collect() {
                return List.of(new GaugeMetricFamily("notification_feed_watchers",
                                                     "WatchFeed streams open on this replica", watch.watchers()));
            }
        });
        builder.grpcService(new NotificationServiceImpl(notifications, new Templates(db.jdbi()), new Feed(db.jdbi()),
                                                        watch, preferences));
        if (verifier == null) {
            builder.remoteIdentity();
        } else {
            builder.verifier(verifier);
        }
        engine.start();
        watch.start();
        return builder.build();
    }
}
