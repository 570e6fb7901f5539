package io.sextant.users.db;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;

import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;

/** A row of {@code roles}. */
public record RoleRow(String id, String description, List<String> permissions, boolean builtIn, Instant createTime,
                      Instant updateTime) {

    public static final String COLUMNS = "id, description, permissions, built_in, create_time, update_time";

    public RoleRow {
        permissions = List.copyOf(permissions);
    }

    /** Maps {@link #COLUMNS}. */
    public static final class Mapper implements RowMapper<RoleRow> {
        @Override
        public RoleRow map(ResultSet rs, StatementContext ctx) throws SQLException {
            return new RoleRow(rs.getString("id"), rs.getString("description"),
                               List.of((String[]) rs.getArray("permissions").getArray()), rs.getBoolean("built_in"),
                               rs.getObject("create_time", OffsetDateTime.class).toInstant(),
                               rs.getObject("update_time", OffsetDateTime.class).toInstant());
        }
    }
}
