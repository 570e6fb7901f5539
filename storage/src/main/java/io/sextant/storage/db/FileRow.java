package io.sextant.storage.db;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * A row of {@code files}, with whether a thumbnail exists.
 *
 * @param folderId   the folder, or null at the top level
 * @param visibility {@code PRIVATE} or {@code PUBLIC}
 */
public record FileRow(UUID id, String owner, UUID folderId, String filename, String contentType,
                      String detectedContentType, long sizeBytes, String sha256, String storageKey, String visibility,
                      List<String> tags, boolean thumbnailAvailable, Instant createTime, Instant updateTime) {

    /** The columns {@link Mapper} reads, for a query over {@code files f}. */
    public static final String COLUMNS =
            "f.id, f.owner, f.folder_id, f.filename, f.content_type, f.detected_content_type, f.size_bytes, f.sha256,"
            + " f.storage_key, f.visibility, f.tags, EXISTS (SELECT 1 FROM thumbnails t WHERE t.file_id = f.id)"
            + " AS thumbnail_available, f.create_time, f.update_time";

    public FileRow {
        tags = List.copyOf(tags);
    }

    /** Maps {@link #COLUMNS}. */
    public static final class Mapper implements RowMapper<FileRow> {
        @Override
        public FileRow map(ResultSet rs, StatementContext ctx) throws SQLException {
            return new FileRow(rs.getObject("id", UUID.class), rs.getString("owner"),
                               rs.getObject("folder_id", UUID.class), rs.getString("filename"),
                               rs.getString("content_type"), rs.getString("detected_content_type"),
                               rs.getLong("size_bytes"), rs.getString("sha256"), rs.getString("storage_key"),
                               rs.getString("visibility"), List.of((String[]) rs.getArray("tags").getArray()),
                               rs.getBoolean("thumbnail_available"),
                               rs.getObject("create_time", OffsetDateTime.class).toInstant(),
                               rs.getObject("update_time", OffsetDateTime.class).toInstant());
        }
    }
}
