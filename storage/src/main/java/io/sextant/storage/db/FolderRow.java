package io.sextant.storage.db;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.UUID;

import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;

/** A row of {@code folders}; {@code parentId} is null at the top level. */
public record FolderRow(UUID id, String owner, UUID parentId, String displayName, Instant createTime,
                        Instant updateTime) {

    /** The columns {@link Mapper} reads, for a query over {@code folders d}. */
    public static final String COLUMNS = "d.id, d.owner, d.parent_id, d.display_name, d.create_time, d.update_time";

    /** The display name as folders are ordered and compared: lower-cased as PostgreSQL's lower() does. */
    public String sortName() {
        return displayName.toLowerCase(java.util.Locale.ROOT);
    }

    /** Maps {@link #COLUMNS}. */
    public static final class Mapper implements RowMapper<FolderRow> {
        @Override
        public FolderRow map(ResultSet rs, StatementContext ctx) throws SQLException {
            return new FolderRow(rs.getObject("id", UUID.class), rs.getString("owner"),
                                 rs.getObject("parent_id", UUID.class), rs.getString("display_name"),
                                 rs.getObject("create_time", OffsetDateTime.class).toInstant(),
                                 rs.getObject("update_time", OffsetDateTime.class).toInstant());
        }
    }
}
