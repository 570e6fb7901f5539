package io.sextant.notification;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

import io.grpc.Status;
import io.sextant.notification.db.AttemptRow;
import io.sextant.notification.db.NewNotification;
import io.sextant.notification.db.NotificationDao;
import io.sextant.notification.db.NotificationQueries;
import io.sextant.notification.db.NotificationRow;
import io.sextant.notification.db.TemplateDao;
import io.sextant.notification.db.TemplateRow;
import io.sextant.notification.v1.Channel;
import io.sextant.notification.v1.Notification;
import io.sextant.platform.error.Errors;
import io.sextant.platform.identity.Principal;
import io.sextant.platform.resource.Page;
import io.sextant.platform.resource.ProtoTime;

/**
 * The notifications' rules: acceptance (template rendered, recipient resolved, queue bound,
 * idempotency key, all in one transaction for a whole batch), who sees and cancels what, and
 * reading with the delivery attempts.
 */
final class Notifications {

    static final String SEND = "notifications.send";
    static final String READ = "notifications.read";
    static final String MANAGE = "notifications.manage";
    /** The attempts returned with a notification (the last ones). */
    static final int ATTEMPTS_SHOWN = 20;

    private final Jdbi jdbi;
    private final UserDirectory users;
    private final Set<String> channels;
    private final int queueMax;
    private final SendLimits limits;
    private final Runnable queued;
    private final QueueBound bound;
    private final Set<String> transactional;

    /**
     * @param channels the provider keys that have a provider ({@code email}, {@code in_app}, ...)
     * @param queueMax the most notifications waiting for delivery; more is RESOURCE_EXHAUSTED
     * @param limits   how many a caller may send and a recipient receive
     * @param queued   told after a commit that added QUEUED notifications (wakes the local engine)
     */
    Notifications(Jdbi jdbi, UserDirectory users, Set<String> channels, int queueMax, SendLimits limits,
                  Set<String> transactional, Runnable queued) {
        this.transactional = Set.copyOf(transactional);
        this.jdbi = jdbi;
        this.users = users;
        this.channels = Set.copyOf(channels);
        this.queueMax = queueMax;
        this.limits = limits;
        this.queued = queued;
        this.bound = new QueueBound(queueMax);
    }

    /**
     * The queue's length as the bound sees it: counted (an index-only scan of up to the bound's
     * entries) at most once a second per replica, plus what this replica added since, and counted
     * afresh whenever that comes within a tenth of the bound. So a send costs no count while the
     * queue is far from full, and the bound is exact where it matters; other replicas' additions of
     * the last second may overshoot it by what they accepted in that second.
     */
    static final class QueueBound {

        private static final long RECOUNT_NANOS = 1_000_000_000L;
        private final int max;
        private long countedAt;
        private long waiting;
        private boolean counted;

        QueueBound(int max) {
            this.max = max;
        }

        /**
         * Reserves room for {@code n} more: false when they would take the queue past the bound.
         * Concurrent sends on this replica see each other's reservations at once.
         */
        synchronized boolean reserve(NotificationDao dao, int n) {
            final long now = System.nanoTime();
            if (!counted || now - countedAt > RECOUNT_NANOS || waiting + n >= max - max / 10) {
                waiting = dao.queued(max + 1);
                countedAt = now;
                counted = true;
            }
            if (waiting + n > max) {
                return false;
            }
            waiting += n;
            return true;
        }

        /** Gives back room reserved for notifications that were not stored. */
        synchronized void release(int n) {
            waiting = Math.max(0, waiting - n);
        }
    }

    /**
     * One notification to accept.
     *
     * @param prefix    the request field of the notification, for errors ({@code notification.},
     *                  {@code requests[3].notification.})
     * @param requestId the idempotency key, or empty
     */
    record Request(Notification notification, String requestId, String prefix, boolean scheduled) {}

    /** The creator name of a caller: {@code users/{id}} for a user, the service token's subject otherwise. */
    static String creator(Principal caller) {
        return caller.kind() == Principal.Kind.USER && !caller.subject().contains("/") ? "users/" + caller.subject()
                                                                                       : caller.subject();
    }

    /**
     * Accepts the notifications, all or none: each is checked, rendered and resolved first, counted
     * against the caller's and each recipient's send limit ({@link SendLimits}), then all are stored
     * in one transaction. A request whose key the caller used within 24 hours gives the notification
     * the first call accepted instead, and counts against no limit. Whatever stores nothing gives
     * its tokens back.
     */
    List<NotificationRow> accept(Principal caller, List<Request> requests) {
        final String creator = creator(caller);
        final NotificationRow[] result = new NotificationRow[requests.size()];
        final List<Integer> fresh = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            final Optional<NotificationRow> earlier = earlier(creator, requests.get(i).requestId());
            if (earlier.isPresent()) {
                result[i] = earlier.get();
            } else {
                fresh.add(i);
            }
        }
        if (fresh.isEmpty()) {
            return Arrays.asList(result);
        }
        // the caller's limit before any work (template, users lookups) is done for it
        final SendLimits.Taken taken = limits.takeForCaller(creator, fresh.size());
        try {
            store(creator, requests, fresh, result, taken);
        } catch (RuntimeException e) {
            taken.giveBack();
            throw e;
        }
        return Arrays.asList(result);
    }

    /** Prepares the fresh requests, counts them against the recipients' limits and stores them, all or none. */
    private void store(String creator, List<Request> requests, List<Integer> fresh, NotificationRow[] result,
                       SendLimits.Taken taken) {
        final Map<Integer, NewNotification> prepared = new HashMap<>();
        final Map<String, TemplateRow> templates = new HashMap<>();
        final List<SendLimits.Recipient> recipients = new ArrayList<>();
        for (int i : fresh) {
            final NewNotification notification = prepare(requests.get(i), creator, templates);
            prepared.put(i, notification);
            recipients.add(new SendLimits.Recipient(requests.get(i).prefix() + "recipient", notification.channel(),
                                                    notification.address(),
                                                    transactional.contains(notification.category())));
        }
        limits.takeForRecipients(taken, recipients);
        final List<Integer> repeats = new ArrayList<>();
        final boolean[] reserved = {false};
        try {
            jdbi.useTransaction(h -> insertAll(h, creator, requests, fresh, result, prepared, repeats, reserved));
        } catch (RuntimeException e) {
            if (reserved[0]) {
                bound.release(prepared.size());
            }
            throw e;
        }
        repeats.forEach(taken::giveBack);
        bound.release(repeats.size());
        if (prepared.values().stream().anyMatch(n -> n.status().equals("QUEUED"))) {
            queued.run();
        }
    }

    /**
     * The transaction of {@link #store}: room in the queue (reserved[0] tells whether it was
     * reserved), the idempotency keys, the rows.
     */
    private void insertAll(Handle h, String creator, List<Request> requests, List<Integer> fresh,
                           NotificationRow[] result, Map<Integer, NewNotification> prepared, List<Integer> repeats,
                           boolean[] reserved) {
        final NotificationDao dao = h.attach(NotificationDao.class);
        reserved[0] = bound.reserve(dao, prepared.size());
        if (!reserved[0]) {
            throw Errors.resourceExhausted("QUEUE_FULL", "the delivery queue is full (" + queueMax
                                           + " notifications waiting): try again later",
                                           Map.of("queue_max", String.valueOf(queueMax)));
        }
        for (int i : fresh) {
            final NewNotification notification = prepared.get(i);
            final String key = requests.get(i).requestId();
            if (!key.isEmpty() && !dao.takeRequestId(creator, UUID.fromString(key), notification.id())) {
                // the same key, accepted by a concurrent call meanwhile
                final UUID first = dao.byRequestId(creator, UUID.fromString(key)).orElseThrow();
                result[i] = dao.find(first).orElseThrow();
                repeats.add(fresh.indexOf(i));
                continue;
            }
            result[i] = dao.insert(notification);
        }
    }

    private Optional<NotificationRow> earlier(String creator, String requestId) {
        if (requestId.isEmpty()) {
            return Optional.empty();
        }
        return jdbi.withExtension(NotificationDao.class, dao -> dao.byRequestId(creator, UUID.fromString(requestId))
                                                                   .flatMap(dao::find));
    }

    private NewNotification prepare(Request request, String creator, Map<String, TemplateRow> templates) {
        final Notification n = request.notification();
        final String prefix = request.prefix();
        final String channel = NotificationProtos.channel(n.getChannel());
        if (!channels.contains(NotificationProtos.providerKey(channel))) {
            throw Errors.failedPrecondition("CHANNEL_NOT_CONFIGURED", prefix + "channel: this service has no provider"
                                            + " for " + n.getChannel().name() + " configured");
        }
        String subject = n.getSubject();
        String body = n.getBody();
        String html = n.getHtmlBody();
        if (!n.getTemplate().isEmpty()) {
            final String id = n.getTemplate().substring("templates/".length());
            final TemplateRow template = templates.computeIfAbsent(id, this::template);
            if (template == null) {
                throw Errors.of(Status.Code.NOT_FOUND, "NOT_FOUND", prefix + "template: template '" + n.getTemplate()
                                + "' does not exist", Map.of("resource", "template", "name", n.getTemplate()));
            }
            if (!template.channel().equals(channel)) {
                throw Errors.invalidField(prefix + "template", "is a template of the " + template.channel()
                                                               + " channel, not " + channel);
            }
            final TemplateTexts.Rendered rendered = TemplateTexts.render(template, n.getTemplateVariablesMap(),
                                                                         n.getLocale(), prefix + "template_variables");
            subject = rendered.subject();
            body = rendered.body();
            html = rendered.html();
            checkLength(prefix + "template_variables", "subject", subject, 255);
            checkLength(prefix + "template_variables", "body", body, channel.equals("SMS") ? 1600 : 100_000);
            checkLength(prefix + "template_variables", "html_body", html, 500_000);
        } else if (n.getTemplateVariablesCount() > 0) {
            throw Errors.invalidField(prefix + "template_variables", "is only for a notification with a template");
        }
        final String address = needsLookup(n) ? users.address(n.getRecipient(), channel, prefix + "recipient")
                                              : n.getRecipient();
        final Instant scheduleTime = request.scheduled() ? ProtoTime.instant(n.getScheduleTime()) : Instant.now();
        return new NewNotification(UUID.randomUUID(), channel, n.getRecipient(), address, n.getTemplate(),
                                   NotificationProtos.json(n.getTemplateVariablesMap()), n.getCategory(), n.getLocale(),
                                   subject, body, html, n.getSensitive(), request.scheduled() ? "SCHEDULED" : "QUEUED",
                                   scheduleTime, creator);
    }

    private TemplateRow template(String id) {
        return jdbi.withExtension(TemplateDao.class, dao -> dao.find(id)).orElse(null);
    }

    private static boolean needsLookup(Notification n) {
        return n.getRecipient().startsWith("users/")
               && (n.getChannel() == Channel.CHANNEL_EMAIL || n.getChannel() == Channel.CHANNEL_SMS);
    }

    private static void checkLength(String field, String what, String text, int max) {
        if (text.length() > max) {
            throw Errors.invalidField(field, "render a " + what + " of " + text.length() + " characters; at most "
                                             + max + " are allowed");
        }
    }

    /**
     * The recipient name of a caller's own notifications: {@code users/{id}} for a user, null for a
     * service (nothing is addressed to it).
     */
    static String recipientName(Principal caller) {
        return caller.userId().map(id -> "users/" + id).orElse(null);
    }

    /**
     * A notification the caller may see: every one with {@code notifications.read}, else the ones
     * they sent and the ones addressed to them; else NOT_FOUND.
     */
    NotificationRow get(Principal caller, UUID id) {
        final NotificationRow row = jdbi.withExtension(NotificationDao.class, dao -> dao.find(id))
                                        .orElseThrow(() -> Errors.notFound("notification", "notifications/" + id));
        if (!caller.hasPermission(READ) && !row.creator().equals(creator(caller))
            && !row.recipient().equals(recipientName(caller))) {
            throw Errors.notFound("notification", "notifications/" + id);
        }
        return row;
    }

    /** The delivery attempts of the notifications, by notification id. */
    Map<UUID, List<AttemptRow>> attempts(List<NotificationRow> rows) {
        final Map<UUID, List<AttemptRow>> byId = new HashMap<>();
        if (rows.isEmpty()) {
            return byId;
        }
        final UUID[] ids = rows.stream().map(NotificationRow::id).toArray(UUID[]::new);
        jdbi.withExtension(NotificationDao.class, dao -> dao.attempts(ids, ATTEMPTS_SHOWN))
            .forEach(a -> byId.computeIfAbsent(a.notificationId(), k -> new ArrayList<>()).add(a));
        return byId;
    }

    /** A page of the history the caller may see. */
    Page<NotificationRow> list(Principal caller, String filter, int pageSize, String pageToken) {
        if (caller.hasPermission(READ)) {
            return jdbi.withHandle(h -> NotificationQueries.list(h, filter, null, null, pageSize, pageToken));
        }
        return jdbi.withHandle(h -> NotificationQueries.list(h, filter, creator(caller), recipientName(caller), pageSize,
                                                             pageToken));
    }

    /**
     * Cancels a QUEUED or SCHEDULED notification; a CANCELLED one stays so; any other status is
     * FAILED_PRECONDITION. The status check and the change are one SQL statement, so a delivery
     * engine that claims it at the same moment either finds it CANCELLED or makes the cancel fail.
     */
    NotificationRow cancel(Principal caller, UUID id) {
        final NotificationRow row = jdbi.withExtension(NotificationDao.class, dao -> dao.find(id))
                                        .orElseThrow(() -> Errors.notFound("notification", "notifications/" + id));
        final boolean own = row.creator().equals(creator(caller));
        if (own ? !caller.hasPermission(SEND) && !caller.hasPermission(MANAGE) : !caller.hasPermission(MANAGE)) {
            if (!own && !caller.hasPermission(READ) && !row.recipient().equals(recipientName(caller))) {
                throw Errors.notFound("notification", "notifications/" + id);
            }
            throw Errors.permissionDenied("PERMISSION_DENIED", "cancelling " + (own ? "your own notifications needs '"
                                          + SEND : "others' notifications needs '" + MANAGE) + "'");
        }
        final Optional<NotificationRow> cancelled = jdbi.withExtension(NotificationDao.class, dao -> dao.cancel(id));
        if (cancelled.isPresent()) {
            return cancelled.get();
        }
        final NotificationRow now = jdbi.withExtension(NotificationDao.class, dao -> dao.find(id)).orElseThrow();
        if (now.status().equals("CANCELLED")) {
            return now;
        }
        throw Errors.of(Status.Code.FAILED_PRECONDITION, "DELIVERY_STARTED", "notifications/" + id + " is "
                        + now.status() + ": only a QUEUED or SCHEDULED notification can be cancelled",
                        Map.of("status", now.status()));
    }

    /** Forgets idempotency keys older than 24 hours. */
    int purgeRequestIds() {
        return jdbi.withExtension(NotificationDao.class, NotificationDao::purgeRequestIds);
    }
}
