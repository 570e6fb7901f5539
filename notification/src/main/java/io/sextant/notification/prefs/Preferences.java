package io.sextant.notification.prefs;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import org.jdbi.v3.core.Jdbi;

import io.sextant.notification.db.PreferencesDao;
import io.sextant.notification.db.PreferencesDao.OptOutRow;
import io.sextant.platform.error.Errors;
import io.sextant.platform.identity.Principal;

/**
 * The recipients' preferences: their opt-outs by channel and category, who may read and change
 * them, the one-click unsubscribe, and which categories are transactional (delivered whatever the
 * opt-outs say). The delivery engine applies the opt-outs when a notification is due.
 */
public final class Preferences {

    /** A user's preferences: their opt-outs (sorted, {@code *} for every channel or category) and when they changed. */
    public record UserPreferences(UUID user, List<OptOutRow> optOuts, Instant updateTime) {}

    private static final String READ = "notifications.read";
    private static final String MANAGE = "notifications.manage";

    private final Jdbi jdbi;
    private final Set<String> transactional;
    private final UnsubscribeLinks links;

    public Preferences(Jdbi jdbi, Set<String> transactional, UnsubscribeLinks links) {
        this.jdbi = jdbi;
        this.transactional = Set.copyOf(transactional);
        this.links = links;
    }

    /** The categories that ignore opt-outs, for the engine's claim query. */
    public String[] transactional() {
        return transactional.toArray(String[]::new);
    }

    public boolean isTransactional(String category) {
        return transactional.contains(category);
    }

    /**
     * The extra headers of an e-mail: the one-click unsubscribe link, unless its category is
     * transactional.
     */
    public Map<String, String> emailHeaders(String recipient, String address, String category) {
        return isTransactional(category) ? Map.of() : links.headers(recipient, address, category);
    }

    /**
     * The user whose preferences {@code name} ({@code users/{id|me}/notificationPreferences}) names,
     * if the caller may read them (their own, or with {@code notifications.read}); else NOT_FOUND.
     */
    public UUID readable(Principal caller, String name, String field) {
        final UUID user = user(caller, name, field);
        if (!user.equals(caller.userId().orElse(null)) && !caller.hasPermission(READ)) {
            throw Errors.notFound("notification preferences", "users/" + user + "/notificationPreferences");
        }
        return user;
    }

    /** As {@link #readable}, for a change: others' need {@code notifications.manage}. */
    public UUID changeable(Principal caller, String name, String field) {
        final UUID user = user(caller, name, field);
        if (!user.equals(caller.userId().orElse(null)) && !caller.hasPermission(MANAGE)) {
            if (!caller.hasPermission(READ)) {
                throw Errors.notFound("notification preferences", "users/" + user + "/notificationPreferences");
            }
            throw Errors.permissionDenied("PERMISSION_DENIED", "changing others' notification preferences needs '"
                                                               + MANAGE + "'");
        }
        return user;
    }

    public UserPreferences get(UUID user) {
        final String owner = "users/" + user;
        return jdbi.withExtension(PreferencesDao.class, dao -> new UserPreferences(
                user, dao.optOuts(owner), dao.updateTime(owner).orElse(null)));
    }

    /**
     * Replaces the user's opt-outs with {@code optOuts} (channel and category {@code *} for every
     * one; repeats kept once), in one transaction.
     */
    public UserPreferences replace(UUID user, List<OptOutRow> optOuts) {
        final String owner = "users/" + user;
        final TreeSet<String> seen = new TreeSet<>();
        final List<String> channels = new ArrayList<>();
        final List<String> categories = new ArrayList<>();
        for (OptOutRow o : optOuts) {
            if (seen.add(o.channel() + "/" + o.category())) {
                channels.add(o.channel());
                categories.add(o.category());
            }
        }
        jdbi.useTransaction(h -> {
            final PreferencesDao dao = h.attach(PreferencesDao.class);
            dao.clear(owner);
            if (!channels.isEmpty()) {
                dao.add(owner, channels, categories);
            }
            dao.touch(owner);
        });
        return get(user);
    }

    /** Makes the opt-out a signed unsubscribe link asks for; doing it again changes nothing. */
    public UnsubscribeLinks.Target unsubscribe(String token) {
        final UnsubscribeLinks.Target target = links.verify(token);
        jdbi.useTransaction(h -> {
            final PreferencesDao dao = h.attach(PreferencesDao.class);
            dao.add(target.owner(), List.of(target.channel()), List.of(target.category()));
            dao.touch(target.owner());
        });
        return target;
    }

    private static UUID user(Principal caller, String name, String field) {
        final String[] parts = name.split("/", -1);
        if (parts.length != 3 || !parts[0].equals("users") || !parts[2].equals("notificationPreferences")) {
            throw Errors.invalidField(field, "must be users/{id}/notificationPreferences or users/me/notificationPreferences");
        }
        if (parts[1].equals("me")) {
            final UUID me = caller.userId().orElse(null);
            if (me == null) {
                throw Errors.failedPrecondition("NO_USER", field + ": users/me means the caller's user, and "
                                                           + caller.subject() + " is not a user");
            }
            return me;
        }
        try {
            return UUID.fromString(parts[1]);
        } catch (IllegalArgumentException e) {
            throw Errors.invalidField(field, "must name a user id (a UUID) or me");
        }
    }
}
