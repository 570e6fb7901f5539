package io.sextant.notification;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.sextant.notification.db.AttemptRow;
import io.sextant.notification.db.NotificationRow;
import io.sextant.notification.db.TemplateRow;
import io.sextant.notification.feed.Feed;
import io.sextant.notification.feed.FeedWatch;
import io.sextant.notification.prefs.Preferences;
import io.sextant.notification.prefs.UnsubscribeLinks;
import io.sextant.notification.v1.BatchSendNotificationsRequest;
import io.sextant.notification.v1.BatchSendNotificationsResponse;
import io.sextant.notification.v1.CancelNotificationRequest;
import io.sextant.notification.v1.CancelNotificationResponse;
import io.sextant.notification.v1.CreateTemplateRequest;
import io.sextant.notification.v1.CreateTemplateResponse;
import io.sextant.notification.v1.DeleteTemplateRequest;
import io.sextant.notification.v1.DeleteTemplateResponse;
import io.sextant.notification.v1.FeedItem;
import io.sextant.notification.v1.GetNotificationPreferencesRequest;
import io.sextant.notification.v1.GetNotificationPreferencesResponse;
import io.sextant.notification.v1.GetNotificationRequest;
import io.sextant.notification.v1.GetNotificationResponse;
import io.sextant.notification.v1.GetTemplateRequest;
import io.sextant.notification.v1.GetTemplateResponse;
import io.sextant.notification.v1.ListFeedItemsRequest;
import io.sextant.notification.v1.ListFeedItemsResponse;
import io.sextant.notification.v1.ListNotificationsRequest;
import io.sextant.notification.v1.ListNotificationsResponse;
import io.sextant.notification.v1.ListTemplatesRequest;
import io.sextant.notification.v1.ListTemplatesResponse;
import io.sextant.notification.v1.MarkFeedItemsReadRequest;
import io.sextant.notification.v1.MarkFeedItemsReadResponse;
import io.sextant.notification.v1.Notification;
import io.sextant.notification.v1.NotificationPreferences;
import io.sextant.notification.v1.NotificationServiceGrpc;
import io.sextant.notification.v1.RenderTemplateRequest;
import io.sextant.notification.v1.RenderTemplateResponse;
import io.sextant.notification.v1.ScheduleNotificationRequest;
import io.sextant.notification.v1.ScheduleNotificationResponse;
import io.sextant.notification.v1.SendNotificationRequest;
import io.sextant.notification.v1.SendNotificationResponse;
import io.sextant.notification.v1.Template;
import io.sextant.notification.v1.UnsubscribeRequest;
import io.sextant.notification.v1.UnsubscribeResponse;
import io.sextant.notification.v1.UpdateNotificationPreferencesRequest;
import io.sextant.notification.v1.UpdateNotificationPreferencesResponse;
import io.sextant.notification.v1.UpdateTemplateRequest;
import io.sextant.notification.v1.UpdateTemplateResponse;
import io.sextant.notification.v1.WatchFeedRequest;
import io.sextant.platform.error.Errors;
import io.sextant.platform.identity.Authz;
import io.sextant.platform.identity.Principal;
import io.sextant.platform.resource.Page;
import io.sextant.platform.resource.ProtoTime;
import io.sextant.platform.resource.UpdateMask;

/**
 * The notification service's transport: each RPC reads its request (names to ids, masks to
 * paths), takes its caller from {@link Authz} (the plain permissions are the contract's, checked by
 * the platform before this code runs), hands over to {@link Notifications}, {@link Templates}, the
 * caller's feed ({@link Feed}, {@link FeedWatch}) or the recipients' {@link Preferences}, and maps the
 * answer with {@link NotificationProtos}.
 */
final class NotificationServiceImpl extends NotificationServiceGrpc.NotificationServiceImplBase {

    /** The fields UpdateTemplate may change. */
    static final UpdateMask TEMPLATE_FIELDS = UpdateMask.of(Template.getDescriptor(), "display_name", "subject_template",
                                                            "body_template", "html_body_template", "description",
                                                            "variables", "locales");
    /** The fields UpdateNotificationPreferences may change. */
    static final UpdateMask PREFERENCE_FIELDS = UpdateMask.of(NotificationPreferences.getDescriptor(), "opt_outs");

    private final Notifications notifications;
    private final Templates templates;
    private final Feed feed;
    private final FeedWatch watch;
    private final Preferences preferences;

    NotificationServiceImpl(Notifications notifications, Templates templates, Feed feed, FeedWatch watch,
                            Preferences preferences) {
        this.notifications = notifications;
        this.templates = templates;
        this.feed = feed;
        this.watch = watch;
        this.preferences = preferences;
    }

    // ---- notifications

    @Override
    public void sendNotification(SendNotificationRequest request, StreamObserver<SendNotificationResponse> response) {
        final Principal caller = Authz.requireAuthenticated();
        final NotificationRow row = notifications.accept(caller, List.of(new Notifications.Request(
                request.getNotification(), request.getRequestId(), "notification.", false))).get(0);
        reply(response, SendNotificationResponse.newBuilder().setNotification(withAttempts(row)).build());
    }

    @Override
    public void scheduleNotification(ScheduleNotificationRequest request,
                                     StreamObserver<ScheduleNotificationResponse> response) {
        final Principal caller = Authz.requireAuthenticated();
        final NotificationRow row = notifications.accept(caller, List.of(new Notifications.Request(
                request.getNotification(), request.getRequestId(), "notification.", true))).get(0);
        reply(response, ScheduleNotificationResponse.newBuilder().setNotification(withAttempts(row)).build());
    }

    @Override
    public void batchSendNotifications(BatchSendNotificationsRequest request,
                                       StreamObserver<BatchSendNotificationsResponse> response) {
        final Principal caller = Authz.requireAuthenticated();
        final List<Notifications.Request> requests = new ArrayList<>();
        for (int i = 0; i < request.getRequestsCount(); i++) {
            final SendNotificationRequest one = request.getRequests(i);
            requests.add(new Notifications.Request(one.getNotification(), one.getRequestId(),
                                                   "requests[" + i + "].notification.", false));
        }
        final List<NotificationRow> rows = notifications.accept(caller, requests);
        final BatchSendNotificationsResponse.Builder out = BatchSendNotificationsResponse.newBuilder();
        rows.forEach(row -> out.addNotifications(NotificationProtos.toNotification(row, List.of())));
        reply(response, out.build());
    }

    @Override
    public void getNotification(GetNotificationRequest request, StreamObserver<GetNotificationResponse> response) {
        final NotificationRow row = notifications.get(Authz.requireAuthenticated(), notificationId(request.getName()));
        reply(response, GetNotificationResponse.newBuilder().setNotification(withAttempts(row)).build());
    }

    @Override
    public void listNotifications(ListNotificationsRequest request, StreamObserver<ListNotificationsResponse> response) {
        final Page<NotificationRow> page = notifications.list(Authz.requireAuthenticated(), request.getFilter(),
                                                              request.getPageSize(), request.getPageToken());
        final Map<UUID, List<AttemptRow>> attempts = notifications.attempts(page.rows());
        final ListNotificationsResponse.Builder out = ListNotificationsResponse.newBuilder()
                                                                               .setNextPageToken(page.nextPageToken());
        page.rows().forEach(row -> out.addNotifications(
                NotificationProtos.toNotification(row, attempts.getOrDefault(row.id(), List.of()))));
        reply(response, out.build());
    }

    @Override
    public void cancelNotification(CancelNotificationRequest request,
                                   StreamObserver<CancelNotificationResponse> response) {
        final NotificationRow row = notifications.cancel(Authz.requireAuthenticated(), notificationId(request.getName()));
        reply(response, CancelNotificationResponse.newBuilder().setNotification(withAttempts(row)).build());
    }

    // ---- templates

    @Override
    public void listTemplates(ListTemplatesRequest request, StreamObserver<ListTemplatesResponse> response) {
        final Page<TemplateRow> page = templates.list(request.getFilter(), request.getPageSize(), request.getPageToken());
        final ListTemplatesResponse.Builder out = ListTemplatesResponse.newBuilder().setNextPageToken(page.nextPageToken());
        page.rows().forEach(row -> out.addTemplates(NotificationProtos.toTemplate(row)));
        reply(response, out.build());
    }

    @Override
    public void createTemplate(CreateTemplateRequest request, StreamObserver<CreateTemplateResponse> response) {
        final TemplateRow row = templates.create(request.getTemplateId(), request.getTemplate());
        reply(response, CreateTemplateResponse.newBuilder().setTemplate(NotificationProtos.toTemplate(row)).build());
    }

    @Override
    public void getTemplate(GetTemplateRequest request, StreamObserver<GetTemplateResponse> response) {
        final TemplateRow row = templates.get(templateId(request.getName()));
        reply(response, GetTemplateResponse.newBuilder().setTemplate(NotificationProtos.toTemplate(row)).build());
    }

    @Override
    public void updateTemplate(UpdateTemplateRequest request, StreamObserver<UpdateTemplateResponse> response) {
        final Template template = request.getTemplate();
        final String id = templateId(template.getName());
        final List<String> paths = TEMPLATE_FIELDS.paths(request.getUpdateMask(), template);
        final TemplateRow row = templates.update(id, template, paths);
        reply(response, UpdateTemplateResponse.newBuilder().setTemplate(NotificationProtos.toTemplate(row)).build());
    }

    @Override
    public void deleteTemplate(DeleteTemplateRequest request, StreamObserver<DeleteTemplateResponse> response) {
        templates.delete(templateId(request.getName()));
        reply(response, DeleteTemplateResponse.getDefaultInstance());
    }

    @Override
    public void renderTemplate(RenderTemplateRequest request, StreamObserver<RenderTemplateResponse> response) {
        final TemplateRow row = templates.get(templateId(request.getName()));
        final TemplateTexts.Rendered rendered = TemplateTexts.render(row, request.getTemplateVariablesMap(),
                                                                     request.getLocale(), "template_variables");
        reply(response, RenderTemplateResponse.newBuilder()
                                              .setSubject(rendered.subject())
                                              .setBody(rendered.body())
                                              .setHtmlBody(rendered.html())
                                              .setLocale(rendered.locale())
                                              .build());
    }

    // ---- the caller's in-app feed

    @Override
    public void listFeedItems(ListFeedItemsRequest request, StreamObserver<ListFeedItemsResponse> response) {
        final UUID user = Feed.userOf(Authz.requireAuthenticated());
        final Feed.ItemsPage page = feed.list(user, request.getUnreadOnly(), request.getPageSize(),
                                              request.getPageToken());
        final ListFeedItemsResponse.Builder out = ListFeedItemsResponse.newBuilder()
                                                                       .setNextPageToken(page.nextPageToken())
                                                                       .setUnreadCount(count(page.unreadCount()));
        page.items().forEach(row -> out.addItems(Feed.toProto(row)));
        reply(response, out.build());
    }

    @Override
    public void markFeedItemsRead(MarkFeedItemsReadRequest request, StreamObserver<MarkFeedItemsReadResponse> response) {
        final UUID user = Feed.userOf(Authz.requireAuthenticated());
        final List<UUID> items = new ArrayList<>();
        for (int i = 0; i < request.getNamesCount(); i++) {
            items.add(Feed.itemId(request.getNames(i), "names[" + i + "]"));
        }
        final long unread = feed.markRead(user, items, request.getAll());
        reply(response, MarkFeedItemsReadResponse.newBuilder().setUnreadCount(count(unread)).build());
    }

    /**
     * Registers the stream and returns: it lives on in {@link FeedWatch} (its poller sends), not on
     * this executor's thread.
     */
    @Override
    public void watchFeed(WatchFeedRequest request, StreamObserver<FeedItem> response) {
        final UUID user = Feed.userOf(Authz.requireAuthenticated());
        final ServiceRequestContext ctx = ServiceRequestContext.currentOrNull();
        if (ctx != null) {
            // a watch lasts as long as the watcher wants it
            ctx.clearRequestTimeout();
        }
        watch.watch(user, request.hasSince() ? ProtoTime.instant(request.getSince()) : null,
                    (ServerCallStreamObserver<FeedItem>) response);
    }

    // ---- preferences

    @Override
    public void getNotificationPreferences(GetNotificationPreferencesRequest request,
                                           StreamObserver<GetNotificationPreferencesResponse> response) {
        final UUID user = preferences.readable(Authz.requireAuthenticated(), request.getName(), "name");
        reply(response, GetNotificationPreferencesResponse.newBuilder()
                                                          .setPreferences(NotificationProtos.toPreferences(preferences.get(user)))
                                                          .build());
    }

    @Override
    public void updateNotificationPreferences(UpdateNotificationPreferencesRequest request,
                                              StreamObserver<UpdateNotificationPreferencesResponse> response) {
        final UUID user = preferences.changeable(Authz.requireAuthenticated(), request.getPreferences().getName(),
                                                 "preferences.name");
        PREFERENCE_FIELDS.paths(request.getUpdateMask(), request.getPreferences());
        final Preferences.UserPreferences changed = preferences.replace(
                user, NotificationProtos.optOuts(request.getPreferences().getOptOutsList()));
        reply(response, UpdateNotificationPreferencesResponse.newBuilder()
                                                             .setPreferences(NotificationProtos.toPreferences(changed))
                                                             .build());
    }

    @Override
    public void unsubscribe(UnsubscribeRequest request, StreamObserver<UnsubscribeResponse> response) {
        final UnsubscribeLinks.Target target = preferences.unsubscribe(request.getToken());
        reply(response, UnsubscribeResponse.newBuilder()
                                           .setChannel(NotificationProtos.toChannel(target.channel()))
                                           .setCategory(target.category().equals("*") ? "" : target.category())
                                           .build());
    }

    private static int count(long n) {
        return (int) Math.min(Integer.MAX_VALUE, n);
    }

    // ---- reading the request

    private Notification withAttempts(NotificationRow row) {
        return NotificationProtos.toNotification(row, notifications.attempts(List.of(row)).getOrDefault(row.id(), List.of()));
    }

    /** The id in a {@code notifications/{id}} name (the contract checks the form). */
    private static UUID notificationId(String name) {
        try {
            return UUID.fromString(name.substring("notifications/".length()));
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            throw Errors.invalidField("name", "must be notifications/{id} with the notification id (a UUID)");
        }
    }

    /** The id in a {@code templates/{id}} name (the contract checks the form). */
    private static String templateId(String name) {
        if (!name.startsWith("templates/") || name.length() == "templates/".length()) {
            throw Errors.invalidField("template.name", "must be templates/{id}");
        }
        return name.substring("templates/".length());
    }

    private static <T> void reply(StreamObserver<T> response, T message) {
        response.onNext(message);
        response.onCompleted();
    }
}
