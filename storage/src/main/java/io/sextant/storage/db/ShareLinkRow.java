package io.sextant.storage.db;

import java.time.Instant;
import java.util.UUID;

/** A row of {@code share_links} (its token's hash stays in the database). */
public record ShareLinkRow(UUID id, UUID fileId, Instant expireTime, int maxDownloads, int downloadCount,
                           String creator, Instant createTime) {}
