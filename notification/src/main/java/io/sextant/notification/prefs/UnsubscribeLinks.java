package io.sextant.notification.prefs;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.jdbi.v3.core.Jdbi;

import io.sextant.notification.db.PreferencesDao;
import io.sextant.platform.error.Errors;

/**
 * The one-click unsubscribe links of RFC 8058: a token that names whose opt-out it makes (the
 * recipient {@code users/{id}}, or {@code mailto:} and the address an e-mail went to directly), the
 * channel and the category, signed with HMAC-SHA256. The key is made by the first replica that needs
 * it and kept in the database ({@code signing_keys}), so every replica signs and checks alike and
 * links stay valid across restarts. Tokens do not expire: an unsubscribe link must work as long as
 * the e-mail is kept, and all it can do is unsubscribe.
 */
public final class UnsubscribeLinks {

    /** What a valid token asks for. */
    public record Target(String owner, String channel, String category) {}

    private static final String PURPOSE = "unsubscribe";
    private static final String VERSION = "u1";
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private final Jdbi jdbi;
    private final String url;
    private volatile SecretKeySpec key;

    /**
     * @param url where the links point (the gateway's {@code POST /v1/notifications:unsubscribe}, or
     *            a page of the product's own that posts there), or null: then e-mails carry no link
     */
    public UnsubscribeLinks(Jdbi jdbi, String url) {
        this.jdbi = jdbi;
        this.url = url;
    }

    /** Who an opt-out of a notification belongs to: its {@code users/{id}} recipient, else its e-mail address. */
    public static String owner(String recipient, String address) {
        return recipient.startsWith("users/") ? recipient : "mailto:" + address.toLowerCase(Locale.ROOT);
    }

    /**
     * The headers that make an e-mail unsubscribable in one click ({@code List-Unsubscribe} and
     * {@code List-Unsubscribe-Post}), or none when no URL is configured.
     */
    public Map<String, String> headers(String recipient, String address, String category) {
        if (url == null) {
            return Map.of();
        }
        final String token = token(new Target(owner(recipient, address), "EMAIL", category.isEmpty() ? "*" : category));
        return Map.of("List-Unsubscribe", "<" + url + (url.contains("?") ? "&" : "?") + "token=" + token + ">",
                      "List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
    }

    /** The signed token of {@code target}. */
    String token(Target target) {
        final String payload = B64.encodeToString(String.join("\n", target.owner(), target.channel(), target.category())
                                                        .getBytes(StandardCharsets.UTF_8));
        return VERSION + "." + payload + "." + B64.encodeToString(sign(payload));
    }

    /** What {@code token} asks for; INVALID_ARGUMENT naming {@code token} unless this service signed it. */
    public Target verify(String token) {
        final String[] parts = token.split("\\.", -1);
        if (parts.length == 3 && parts[0].equals(VERSION)) {
            try {
                final byte[] signature = Base64.getUrlDecoder().decode(parts[2]);
                if (MessageDigest.isEqual(signature, sign(parts[1]))) {
                    final String[] fields = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                            .split("\n", -1);
                    if (fields.length == 3) {
                        return new Target(fields[0], fields[1], fields[2]);
                    }
                }
            } catch (IllegalArgumentException e) {
                // not base64: refused below
            }
        }
        throw Errors.invalidField("token", "is not an unsubscribe token of this service (copy the whole link)");
    }

    private byte[] sign(String payload) {
        try {
            final Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key());
            return mac.doFinal(payload.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    private SecretKeySpec key() {
        SecretKeySpec k = key;
        if (k == null) {
            final byte[] fresh = new byte[32];
            new SecureRandom().nextBytes(fresh);
            final byte[] stored = jdbi.withExtension(PreferencesDao.class, dao -> {
                dao.offerKey(PURPOSE, fresh);
                return dao.key(PURPOSE);
            });
            k = new SecretKeySpec(stored, "HmacSHA256");
            key = k;
        }
        return k;
    }
}
