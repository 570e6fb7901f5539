package io.sextant.storage;

import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import io.prometheus.client.Gauge;
import io.sextant.storage.bytes.ByteStore;

/**
 * Cleans up after uploads that never finished (a crash, a lost connection the process did not see
 * end) and reports files whose bytes are missing. Each replica may run it: pending rows are taken
 * with {@code FOR UPDATE SKIP LOCKED}, so two replicas never remove the same one.
 */
public final class Sweeper {

    private static final Logger log = LoggerFactory.getLogger(Sweeper.class);
    private static final int BATCH = 100;

    private final Jdbi jdbi;
    private final ByteStore bytes;
    private final Quotas quotas;
    private final Duration grace;
    private final Counter swept;
    private final Gauge missing;

    Sweeper(Jdbi jdbi, ByteStore bytes, Quotas quotas, Duration grace, CollectorRegistry registry) {
        this.jdbi = jdbi;
        this.bytes = bytes;
        this.quotas = quotas;
        this.grace = grace;
        this.swept = Counter.build("sextant_storage_swept_uploads_total",
                                   "Abandoned uploads the sweeper removed (rows and partial bytes).")
                            .labelNames("what").register(registry);
        this.missing = Gauge.build("sextant_storage_files_missing_bytes",
                                   "Files whose bytes the last check did not find in the byte store.").register(registry);
    }

    /** One round: abandoned pending rows, then partial writes no row knows of. Returns how many were removed. */
    public int sweep() {
        int removed = 0;
        int batch;
        do {
            batch = sweepRows();
            removed += batch;
        } while (batch == BATCH);
        try {
            final Set<String> live = new HashSet<>(jdbi.withHandle(
                    handle -> handle.createQuery("SELECT id::text FROM pending_uploads").mapTo(String.class).list()));
            final int parts = bytes.sweep(live, grace.toSeconds());
            swept.labels("partial_bytes").inc(parts);
            removed += parts;
        } catch (IOException e) {
            log.warn("Sweeping partial uploads of the {} byte store failed: {}", bytes.kind(), e.toString());
        }
        return removed;
    }

    private int sweepRows() {
        return jdbi.inTransaction(handle -> {
            final List<Abandoned> rows = handle.createQuery(
                            "SELECT id, owner, storage_key, reserved_bytes FROM pending_uploads"
                            + " WHERE create_time < now() - make_interval(secs => :grace)"
                            + " ORDER BY create_time LIMIT :batch FOR UPDATE SKIP LOCKED")
                    .bind("grace", (double) grace.toSeconds()).bind("batch", BATCH)
                    .map((rs, ctx) -> new Abandoned(rs.getObject("id", UUID.class), rs.getString("owner"),
                                                    rs.getString("storage_key"), rs.getLong("reserved_bytes")))
                    .list();
            for (Abandoned row : rows) {
                // committed bytes whose file row never came (a crash between the two): no row refers to them
                try {
                    bytes.delete(row.key());
                } catch (IOException e) {
                    log.warn("Cannot delete the bytes of abandoned upload {}: {}", row.id(), e.toString());
                    continue;
                }
                handle.createUpdate("DELETE FROM pending_uploads WHERE id = :id").bind("id", row.id()).execute();
                quotas.release(handle, row.owner(), row.reserved(), true);
                log.info("Removed the abandoned upload {} of {}", row.id(), row.owner());
            }
            swept.labels("pending_rows").inc(rows.size());
            return rows.size();
        });
    }

    /** Counts (and logs) the files whose bytes are missing; they are never served (DATA_LOSS). */
    public long checkBytes() {
        long absent = 0;
        UUID after = new UUID(0, 0);
        while (true) {
            final UUID from = after;
            final List<String[]> page = jdbi.withHandle(handle -> handle.createQuery(
                            "SELECT id::text, storage_key FROM files WHERE id > :after ORDER BY id LIMIT 1000")
                    .bind("after", from).map((rs, ctx) -> new String[] {rs.getString(1), rs.getString(2)}).list());
            if (page.isEmpty()) {
                break;
            }
            for (String[] file : page) {
                try {
                    if (!bytes.exists(file[1])) {
                        absent++;
                        log.error("The bytes of files/{} (key {}) are missing from the {} byte store", file[0], file[1],
                                  bytes.kind());
                    }
                } catch (IOException e) {
                    log.warn("Cannot check the bytes of files/{}: {}", file[0], e.toString());
                }
            }
            after = UUID.fromString(page.get(page.size() - 1)[0]);
        }
        missing.set(absent);
        return absent;
    }

    /** Forgets upload request ids older than a day (they deduplicate for 24 hours). */
    public void purgeRequestIds() {
        jdbi.useHandle(handle -> handle.createUpdate("UPDATE files SET request_id = NULL WHERE request_id IS NOT NULL"
                                                     + " AND create_time < now() - interval '24 hours'").execute());
    }

    private record Abandoned(UUID id, String owner, String key, long reserved) {}
}
