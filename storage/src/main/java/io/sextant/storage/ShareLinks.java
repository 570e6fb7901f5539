package io.sextant.storage;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;

import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;

import io.sextant.platform.resource.KeysetPages;
import io.sextant.platform.resource.Page;
import io.sextant.platform.resource.PageSizes;
import io.sextant.platform.resource.SortKey;
import io.sextant.platform.resource.SortKeys;
import io.sextant.platform.resource.SqlFilter;
import io.sextant.storage.db.FileRow;
import io.sextant.storage.db.ShareLinkRow;

/**
 * Share links: a random token (32 bytes, base64url) handed out once, of which only the SHA-256 is
 * stored; valid until it expires, its downloads are spent or it is deleted. A download from offset 0
 * spends one download in a single conditional UPDATE, so concurrent downloads cannot pass the limit.
 */
public final class ShareLinks {

    static final Duration DEFAULT_TTL = Duration.ofDays(7);
    static final PageSizes SIZES = new PageSizes(50, 100);
    private static final SortKeys<ShareLinkRow> ORDER = SortKeys.builder("s.id", SortKey.Type.UUID, ShareLinkRow::id)
            .timestamp("create_time", "s.create_time", ShareLinkRow::createTime)
            .defaultOrder("create_time desc")
            .build();
    private static final String COLUMNS =
            "s.id, s.file_id, s.expire_time, s.max_downloads, s.download_count, s.creator, s.create_time";
    private static final RowMapper<ShareLinkRow> MAPPER = (rs, ctx) -> new ShareLinkRow(
            rs.getObject("id", UUID.class), rs.getObject("file_id", UUID.class),
            rs.getObject("expire_time", OffsetDateTime.class).toInstant(), rs.getInt("max_downloads"),
            rs.getInt("download_count"), rs.getString("creator"),
            rs.getObject("create_time", OffsetDateTime.class).toInstant());
    /** Whether a link still works (besides its download limit). */
    private static final String VALID = "s.expire_time > now()";

    private final Jdbi jdbi;
    private final String publicUrl;
    private final SecureRandom random = new SecureRandom();

    ShareLinks(Jdbi jdbi, String publicUrl) {
        this.jdbi = jdbi;
        this.publicUrl = publicUrl;
    }

    /** A new link and its token (to be shown once). */
    record Created(ShareLinkRow link, String token, String url) {}

    /** Creates a link to a file the caller manages; {@code expireTime} null means 7 days from now. */
    Created create(Caller caller, UUID fileId, Instant expireTime, int maxDownloads) {
        final byte[] secret = new byte[32];
        random.nextBytes(secret);
        final String token = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        final Instant expires = expireTime != null ? expireTime : Instant.now().plus(DEFAULT_TTL);
        final ShareLinkRow row = jdbi.inTransaction(handle -> {
            manage(handle, caller, fileId);
            return handle.createQuery("INSERT INTO share_links AS s (id, file_id, token_hash, expire_time, max_downloads,"
                                      + " creator) VALUES (:id, :file, :hash, :expires, :max, :creator) RETURNING " + COLUMNS)
                         .bind("id", UUID.randomUUID()).bind("file", fileId).bind("hash", hash(token))
                         .bind("expires", OffsetDateTime.ofInstant(expires, ZoneOffset.UTC)).bind("max", maxDownloads)
                         .bind("creator", caller.name())
                         .map(MAPPER).one();
        });
        return new Created(row, token, publicUrl + "/v1/shared/" + token);
    }

    Page<ShareLinkRow> list(Caller caller, UUID fileId, int pageSize, String pageToken) {
        return jdbi.withHandle(handle -> {
            manage(handle, caller, fileId);
            final SqlFilter where = new SqlFilter("s.file_id = :file AND " + VALID, Map.of("file", fileId), "");
            return KeysetPages.list(handle, "SELECT " + COLUMNS + " FROM share_links s", "share-links/" + fileId, where,
                                    ORDER.parse(""), SIZES.of(pageSize), pageToken, MAPPER);
        });
    }

    void delete(Caller caller, UUID fileId, UUID linkId) {
        jdbi.useTransaction(handle -> {
            manage(handle, caller, fileId);
            final int deleted = handle.createUpdate("DELETE FROM share_links WHERE id = :id AND file_id = :file")
                                      .bind("id", linkId).bind("file", fileId).execute();
            if (deleted == 0) {
                throw io.sextant.platform.error.Errors.notFound("share link", "files/" + fileId + "/share-links/" + linkId);
            }
        });
    }

    /**
     * The file a token opens, spending one download when {@code spend}; NOT_FOUND alike for an unknown,
     * expired, spent or deleted link. Without {@code spend} (a range that does not start at 0) the link
     * must still have a download left, so ranges cannot go around the limit.
     */
    FileRow open(String token, boolean spend) {
        return jdbi.inTransaction(handle -> {
            final String sql = spend
                               ? "UPDATE share_links s SET download_count = download_count + 1 WHERE token_hash = :hash"
                                 + " AND " + VALID + " AND (max_downloads = 0 OR download_count < max_downloads)"
                                 + " RETURNING s.file_id"
                               : "SELECT s.file_id FROM share_links s WHERE token_hash = :hash AND " + VALID
                                 + " AND (max_downloads = 0 OR download_count < max_downloads)";
            final UUID fileId = handle.createQuery(sql).bind("hash", hash(token)).mapTo(UUID.class).findOne()
                                      .orElseThrow(ShareLinks::unknown);
            return FileCatalog.find(handle, fileId, false).orElseThrow(ShareLinks::unknown);
        });
    }

    private static io.sextant.platform.error.ServiceException unknown() {
        return io.sextant.platform.error.Errors.of(io.grpc.Status.Code.NOT_FOUND, "SHARE_LINK_NOT_FOUND",
                                                    "the link does not exist, has expired or has no downloads left");
    }

    private static void manage(Handle handle, Caller caller, UUID fileId) {
        final FileRow file = FileCatalog.find(handle, fileId, false)
                                        .orElseThrow(() -> Access.notFound("files", "files/" + fileId));
        Access.require(handle, caller, file, Access.MANAGE, "manage the share links of");
    }

    static byte[] hash(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
