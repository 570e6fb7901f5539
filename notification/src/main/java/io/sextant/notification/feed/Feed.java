package io.sextant.notification.feed;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.jdbi.v3.core.Jdbi;

import io.sextant.notification.db.FeedDao;
import io.sextant.notification.db.FeedItemRow;
import io.sextant.notification.v1.FeedItem;
import io.sextant.platform.error.Errors;
import io.sextant.platform.identity.Principal;
import io.sextant.platform.resource.KeysetPages;
import io.sextant.platform.resource.Page;
import io.sextant.platform.resource.PageSizes;
import io.sextant.platform.resource.ProtoTime;
import io.sextant.platform.resource.SortKey;
import io.sextant.platform.resource.SortKeys;
import io.sextant.platform.resource.SqlFilter;

/**
 * The in-app feed as its user reads it: pages of their items newest first, the unread count, and
 * marking items read. Every method takes the feed's user from the caller's token ({@link #userOf}):
 * a user reads only their own feed.
 */
public final class Feed {

    static final PageSizes SIZES = new PageSizes(50, 100);

    /** The one order of ListFeedItems: newest first. */
    static final SortKeys<FeedItemRow> ORDER = SortKeys.builder("f.id", SortKey.Type.UUID, FeedItemRow::id)
            .timestamp("create_time", "f.create_time", FeedItemRow::createTime)
            .defaultOrder("create_time desc")
            .build();

    private final Jdbi jdbi;

    public Feed(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** A page of the user's feed and the user's unread count. */
    public record ItemsPage(List<FeedItemRow> items, String nextPageToken, long unreadCount) {}

    /**
     * The user whose feed the caller reads: the user of a user token. A service token (an API key's)
     * has no feed: FAILED_PRECONDITION {@code NO_USER_FEED}.
     */
    public static UUID userOf(Principal caller) {
        return caller.userId().orElseThrow(() -> Errors.failedPrecondition(
                "NO_USER_FEED", "the feed is a user's own: call with a user's token, not a service's ("
                                + caller.subject() + ")"));
    }

    /** A page of the user's items, newest first; only the unread ones if asked. */
    public ItemsPage list(UUID user, boolean unreadOnly, int pageSize, String pageToken) {
        final String condition = "f.user_id = :feedUser" + (unreadOnly ? " AND f.read_time IS NULL" : "");
        // the user and the flag are part of the filter's text, so a page token only fits the same feed and flag
        final SqlFilter filter = new SqlFilter(condition, Map.of("feedUser", user),
                                               "user=" + user + "|unread_only=" + unreadOnly);
        return jdbi.inTransaction(h -> {
            final Page<FeedItemRow> page = KeysetPages.list(h, "SELECT " + FeedItemRow.COLUMNS + " FROM feed_items f",
                                                            "feed/items", filter, ORDER.parse(""), SIZES.of(pageSize),
                                                            pageToken, new FeedItemRow.Mapper());
            return new ItemsPage(page.rows(), page.nextPageToken(), h.attach(FeedDao.class).unreadCount(user));
        });
    }

    /** Marks the items read (all of the user's when {@code all}); answers the unread count after. */
    public long markRead(UUID user, List<UUID> items, boolean all) {
        return jdbi.inTransaction(h -> {
            final FeedDao dao = h.attach(FeedDao.class);
            if (all) {
                dao.markAllRead(user);
            } else if (!items.isEmpty()) {
                dao.markRead(user, items.toArray(UUID[]::new));
            }
            return dao.unreadCount(user);
        });
    }

    /** The id in a {@code feed/items/{id}} name; {@code field} names it in the error. */
    public static UUID itemId(String name, String field) {
        try {
            if (name.startsWith("feed/items/")) {
                return UUID.fromString(name.substring("feed/items/".length()));
            }
        } catch (IllegalArgumentException e) {
            // below
        }
        throw Errors.invalidField(field, "must be feed/items/{id} with the item id (a UUID)");
    }

    /** The contract's form of an item. */
    public static FeedItem toProto(FeedItemRow row) {
        final FeedItem.Builder item = FeedItem.newBuilder()
                                              .setName("feed/items/" + row.id())
                                              .setId(row.id().toString())
                                              .setNotification("notifications/" + row.notificationId())
                                              .setSubject(row.subject())
                                              .setBody(row.body())
                                              .setCategory(row.category())
                                              .setRead(row.readTime() != null)
                                              .setCreateTime(ProtoTime.timestamp(row.createTime()));
        if (row.readTime() != null) {
            item.setReadTime(ProtoTime.timestamp(row.readTime()));
        }
        return item.build();
    }
}
