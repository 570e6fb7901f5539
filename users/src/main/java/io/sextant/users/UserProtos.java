package io.sextant.users;

import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;

import io.sextant.platform.resource.ProtoTime;
import io.sextant.users.db.ProfileFields;
import io.sextant.users.db.ProfileRow;
import io.sextant.users.db.RoleRow;
import io.sextant.users.v1.Role;
import io.sextant.users.v1.User;

/** Users' rows as the messages of its contract, and a User's editable fields as what is stored of them. */
final class UserProtos {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Reads a stored metadata object (a reader made once: it resolves the type only here). */
    private static final ObjectReader METADATA = JSON.readerFor(new TypeReference<TreeMap<String, String>>() {});

    private UserProtos() {}

    static User toUser(ProfileRow row) {
        final User.Builder user = editable(row).toBuilder()
                                               .setName("users/" + row.id())
                                               .setId(row.id().toString())
                                               .setUsername(row.username())
                                               .setEmail(row.email())
                                               .setDisplayName(row.shownName())
                                               .setCreateTime(ProtoTime.timestamp(row.createTime()))
                                               .setUpdateTime(ProtoTime.timestamp(row.updateTime()))
                                               .setAvatarThumbnailUrl(AvatarFiles.thumbnailUrl(row.avatarFile()));
        row.roleIds().forEach(role -> user.addRoles("roles/" + role));
        return user.build();
    }

    static Role toRole(RoleRow row) {
        return Role.newBuilder()
                   .setName("roles/" + row.id())
                   .setDescription(row.description())
                   .addAllPermissions(row.permissions())
                   .setBuiltIn(row.builtIn())
                   .setCreateTime(ProtoTime.timestamp(row.createTime()))
                   .setUpdateTime(ProtoTime.timestamp(row.updateTime()))
                   .build();
    }

    /** The fields of a stored profile that an update may change, as the User message a request carries them in. */
    static User editable(ProfileRow row) {
        return User.newBuilder()
                   .setFirstName(row.firstName())
                   .setLastName(row.lastName())
                   .setDisplayName(row.displayName())
                   .setPhone(row.phone())
                   .setAvatarFile(row.avatarFile())
                   .setLocale(row.locale())
                   .setTimeZone(row.timeZone())
                   .putAllMetadata(metadata(row.metadata()))
                   .setActive(row.active())
                   .build();
    }

    /** What is stored of a user's editable fields (an unset {@code active} is true). */
    static ProfileFields profileFields(User user) {
        return new ProfileFields(user.getFirstName(), user.getLastName(), user.getDisplayName(), user.getPhone(),
                                 user.getAvatarFile(), user.getLocale(), user.getTimeZone(), json(user.getMetadataMap()),
                                 !user.hasActive() || user.getActive());
    }

    private static String json(Map<String, String> metadata) {
        try {
            return JSON.writeValueAsString(new TreeMap<>(metadata));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write metadata as JSON", e);
        }
    }

    private static Map<String, String> metadata(String json) {
        try {
            // most profiles have none, and a list page turns 50 of them into messages
            return json.equals("{}") ? Map.of() : METADATA.readValue(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored metadata is not a JSON object of strings", e);
        }
    }
}
