package io.sextant.storage.db;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import org.jdbi.v3.core.Handle;

import io.sextant.platform.error.Errors;
import io.sextant.platform.resource.FilterField;
import io.sextant.platform.resource.FilterFields;
import io.sextant.platform.resource.KeysetPages;
import io.sextant.platform.resource.Page;
import io.sextant.platform.resource.PageSizes;
import io.sextant.platform.resource.SortKey;
import io.sextant.platform.resource.SortKeys;
import io.sextant.platform.resource.SqlFilter;

/**
 * ListFiles over {@code files f}: its filter and order_by fields (the platform's parsers turn them into
 * bound SQL and a keyset page) and which files a caller may list (its own, those granted to it on the
 * file or on a folder above it, or all with {@code files.read}).
 */
public final class FileQueries {

    public static final PageSizes SIZES = new PageSizes(50, 1000);

    /** The caller's resource name, bound in every query (for {@code shared}). */
    static final String CALLER = "caller";

    /**
     * ListFiles' {@code filter} (see the contract): folder, tag, content_type (with {@code type/*}),
     * filename (with a trailing {@code *}), owner, shared, visibility, size_bytes, create_time, update_time.
     */
    public static final FilterFields FILTER = FilterFields.of(
            FilterField.string("folder", "f.folder_id").withNormalize(FileQueries::folderId).withCondition(
                    (op, value) -> "f.folder_id IS NOT DISTINCT FROM CAST(NULLIF(" + value + ", '') AS uuid)"),
            FilterField.string("tag", "f.tags").withCondition(
                    (op, value) -> "f.tags @> ARRAY[CAST(" + value + " AS text)]"),
            FilterField.string("content_type", "f.content_type").withNormalize(type -> type.strip().toLowerCase(Locale.ROOT))
                    .withCondition((op, value) -> "(CASE WHEN " + value + " LIKE '%/*' THEN split_part(lower(f.content_type), '/', 1)"
                                                  + " = split_part(" + value + ", '/', 1) ELSE trim(split_part(lower(f.content_type),"
                                                  + " ';', 1)) = " + value + " END)"),
            FilterField.string("filename", "f.filename").withNormalize(name -> name.toLowerCase(Locale.ROOT))
                    .withCondition((op, value) -> "(CASE WHEN right(" + value + ", 1) = '*' THEN starts_with(lower(f.filename),"
                                                  + " left(" + value + ", -1)) ELSE lower(f.filename) = " + value + " END)"),
            FilterField.string("owner", "f.owner"),
            FilterField.bool("shared", "f.owner").withCondition(
                    (op, value) -> "(f.owner <> :" + CALLER + ") " + op + " " + value),
            FilterField.string("visibility", "f.visibility").withNormalize(FileQueries::visibility),
            FilterField.integer("size_bytes", "f.size_bytes"),
            FilterField.timestamp("create_time", "f.create_time"),
            FilterField.timestamp("update_time", "f.update_time"))
            .withExpected("expected comparisons joined by AND: folder = \"folders/<id>\" or \"\", tag = \"<tag>\","
                          + " content_type = \"<type>/<subtype>\" or \"<type>/*\", filename = \"<name>\" or \"<prefix>*\","
                          + " owner = \"users/<id>\", shared = true|false, visibility = \"PUBLIC\"|\"PRIVATE\","
                          + " size_bytes with =, !=, <, <=, >, >= and a number, or create_time/update_time with those"
                          + " and an RFC 3339 time in double quotes");

    /** ListFiles' {@code order_by} (each column has a {@code (column, id)} index); {@code create_time desc} by default. */
    public static final SortKeys<FileRow> ORDER = SortKeys.builder("f.id", SortKey.Type.UUID, FileRow::id)
            .timestamp("create_time", "f.create_time", FileRow::createTime)
            .timestamp("update_time", "f.update_time", FileRow::updateTime)
            .string("filename", "f.filename", FileRow::filename)
            .bigint("size_bytes", "f.size_bytes", FileRow::sizeBytes)
            .defaultOrder("create_time desc")
            .build();

    /** The folders granted to the caller and every folder inside them, for a query that lists files. */
    private static final String SHARED_FOLDERS =
            "WITH RECURSIVE shared_folders(id) AS (SELECT g.folder_id FROM folder_grants g WHERE g.user_name = :" + CALLER
            + " UNION SELECT c.id FROM folders c JOIN shared_folders s ON c.parent_id = s.id) ";

    private static final String READABLE =
            "(f.owner = :" + CALLER + " OR EXISTS (SELECT 1 FROM file_grants g WHERE g.file_id = f.id AND g.user_name = :"
            + CALLER + ") OR f.folder_id IN (SELECT id FROM shared_folders))";

    private FileQueries() {}

    /** The filter as SQL over {@code files f} (for tests of the parser and of the SQL). */
    public static SqlFilter filter(String filter) {
        return FILTER.parse(filter);
    }

    /**
     * A page of the files {@code caller} may list: with {@code readsAll} ({@code files.read}) every
     * file, else its own and those shared with it.
     */
    public static Page<FileRow> list(Handle handle, String caller, boolean readsAll, String filter, String orderBy,
                                     int pageSize, String pageToken) {
        final SqlFilter parsed = FILTER.parse(filter);
        final Map<String, Object> parameters = new HashMap<>(parsed.parameters());
        if (!readsAll || parsed.sql().contains(":" + CALLER)) {
            parameters.put(CALLER, caller);
        }
        final SqlFilter where = new SqlFilter(readsAll ? parsed.sql() : READABLE + " AND (" + parsed.sql() + ")",
                                              parameters, parsed.text());
        final String select = (readsAll ? "" : SHARED_FOLDERS) + "SELECT " + FileRow.COLUMNS + " FROM files f";
        return KeysetPages.list(handle, select, "files", where, ORDER.parse(orderBy), SIZES.of(pageSize), pageToken,
                                new FileRow.Mapper());
    }

    /** {@code folders/<uuid>} as the uuid's text, {@code ""} as itself (no folder). */
    private static String folderId(String name) {
        if (name.isEmpty()) {
            return "";
        }
        if (!name.startsWith("folders/")) {
            throw Errors.invalidField("filter", "folder takes \"folders/<id>\" or \"\", not \"" + name + "\"");
        }
        try {
            return UUID.fromString(name.substring("folders/".length())).toString();
        } catch (IllegalArgumentException e) {
            throw Errors.invalidField("filter", "folder takes \"folders/<id>\" or \"\", not \"" + name + "\"");
        }
    }

    private static String visibility(String value) {
        if (!value.equals("PUBLIC") && !value.equals("PRIVATE")) {
            throw Errors.invalidField("filter", "visibility takes \"PUBLIC\" or \"PRIVATE\", not \"" + value + "\"");
        }
        return value;
    }
}
