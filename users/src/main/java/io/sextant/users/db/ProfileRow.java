package io.sextant.users.db;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * A row of {@code profiles}, with the ids of the roles the user holds (ordered).
 *
 * @param displayName the display name as the user set it (may be empty)
 * @param shownName   what is shown: the display name, else first and last name, else the username
 * @param metadata    the metadata as a JSON object of strings
 */
public record ProfileRow(UUID id, String username, String email, String firstName, String lastName,
                         String displayName, String shownName, String phone, String avatarFile, String locale,
                         String timeZone, String metadata, boolean active, Instant createTime, Instant updateTime,
                         List<String> roleIds) {

    /** The columns {@link #MAPPER} reads, for a query over {@code profiles p}. */
    public static final String COLUMNS =
            "p.id, p.username, p.email, p.first_name, p.last_name, p.display_name, p.shown_name, p.phone,"
            + " p.avatar_file, p.locale, p.time_zone, p.metadata::text AS metadata, p.active, p.create_time,"
            + " p.update_time, ARRAY(SELECT ur.role_id FROM user_roles ur WHERE ur.user_id = p.id"
            + " ORDER BY ur.role_id) AS role_ids";

    public ProfileRow {
        roleIds = List.copyOf(roleIds);
    }

    /** Maps {@link #COLUMNS}. */
    public static final class Mapper implements RowMapper<ProfileRow> {
        @Override
        public ProfileRow map(ResultSet rs, StatementContext ctx) throws SQLException {
            final String[] roles = (String[]) rs.getArray("role_ids").getArray();
            return new ProfileRow(rs.getObject("id", UUID.class), rs.getString("username"), rs.getString("email"),
                                  rs.getString("first_name"), rs.getString("last_name"),
                                  rs.getString("display_name"), rs.getString("shown_name"), rs.getString("phone"),
                                  rs.getString("avatar_file"), rs.getString("locale"), rs.getString("time_zone"),
                                  rs.getString("metadata"), rs.getBoolean("active"),
                                  rs.getObject("create_time", OffsetDateTime.class).toInstant(),
                                  rs.getObject("update_time", OffsetDateTime.class).toInstant(),
                                  List.of(roles));
        }
    }
}
