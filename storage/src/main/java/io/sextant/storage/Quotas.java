package io.sextant.storage;

import java.util.Map;

import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

import io.sextant.platform.error.Errors;
import io.sextant.platform.error.ServiceException;
import io.sextant.storage.db.UsageRow;

/**
 * Each owner's stored bytes and files against its quota (an administrator's override, else the
 * deployment's default). A running upload reserves what it will store with one conditional UPDATE,
 * so two uploads that together pass the quota cannot both get their reservation; the commit turns
 * the reservation into usage in the transaction that records the file.
 */
public final class Quotas {

    private final Jdbi jdbi;
    private final long defaultBytes;
    private final long defaultFiles;

    Quotas(Jdbi jdbi, long defaultBytes, long defaultFiles) {
        this.jdbi = jdbi;
        this.defaultBytes = defaultBytes;
        this.defaultFiles = defaultFiles;
    }

    long defaultBytes() {
        return defaultBytes;
    }

    long defaultFiles() {
        return defaultFiles;
    }

    /**
     * Reserves {@code bytes} and, when {@code file}, one file for {@code owner}; QUOTA_EXCEEDED when
     * what is stored and reserved would pass the quota.
     */
    void reserve(Handle handle, String owner, long bytes, boolean file) {
        handle.createUpdate("INSERT INTO storage_usage (owner) VALUES (:owner) ON CONFLICT (owner) DO NOTHING")
              .bind("owner", owner).execute();
        if (!tryReserve(handle, owner, bytes, file)) {
            throw exceeded(handle, owner);
        }
    }

    /**
     * Locks the owner's usage row (which exists once an upload of theirs has begun) until the
     * transaction ends: a reservation refused under the lock and given back in the same transaction
     * is gone before a concurrent upload's next reservation is judged (that one waits for the lock).
     */
    void lock(Handle handle, String owner) {
        handle.createQuery("SELECT owner FROM storage_usage WHERE owner = :owner FOR UPDATE")
              .bind("owner", owner).mapTo(String.class).findOne();
    }

    /** As {@link #reserve}, for an owner whose usage row exists; false instead of QUOTA_EXCEEDED. */
    boolean tryReserve(Handle handle, String owner, long bytes, boolean file) {
        final int reserved = handle.createUpdate(
                        "UPDATE storage_usage SET reserved_bytes = reserved_bytes + :bytes,"
                        + " reserved_files = reserved_files + :files, update_time = now()"
                        + " WHERE owner = :owner"
                        + " AND used_bytes + reserved_bytes + :bytes <= coalesce(quota_bytes, :defaultBytes)"
                        + " AND used_files + reserved_files + :files <= coalesce(quota_files, :defaultFiles)")
                .bind("owner", owner).bind("bytes", bytes).bind("files", file ? 1 : 0)
                .bind("defaultBytes", defaultBytes).bind("defaultFiles", defaultFiles)
                .execute();
        return reserved > 0;
    }

    /** Gives back a reservation (an upload that ended without a file). */
    void release(Handle handle, String owner, long bytes, boolean file) {
        handle.createUpdate("UPDATE storage_usage SET reserved_bytes = greatest(reserved_bytes - :bytes, 0),"
                            + " reserved_files = greatest(reserved_files - :files, 0), update_time = now()"
                            + " WHERE owner = :owner")
              .bind("owner", owner).bind("bytes", bytes).bind("files", file ? 1 : 0).execute();
    }

    /** Turns a reservation of {@code reserved} bytes and a file into a stored file of {@code size} bytes. */
    void store(Handle handle, String owner, long reserved, long size) {
        handle.createUpdate("UPDATE storage_usage SET reserved_bytes = greatest(reserved_bytes - :reserved, 0),"
                            + " reserved_files = greatest(reserved_files - 1, 0), used_bytes = used_bytes + :size,"
                            + " used_files = used_files + 1, update_time = now() WHERE owner = :owner")
              .bind("owner", owner).bind("reserved", reserved).bind("size", size).execute();
    }

    /** Counts a file of {@code size} bytes as gone. */
    void removed(Handle handle, String owner, long size) {
        handle.createUpdate("UPDATE storage_usage SET used_bytes = greatest(used_bytes - :size, 0),"
                            + " used_files = greatest(used_files - 1, 0), update_time = now() WHERE owner = :owner")
              .bind("owner", owner).bind("size", size).execute();
    }

    UsageRow usage(String owner) {
        return jdbi.withHandle(handle -> usage(handle, owner));
    }

    private static UsageRow usage(Handle handle, String owner) {
        return handle.createQuery("SELECT owner, used_bytes, used_files, reserved_bytes, reserved_files, quota_bytes,"
                                  + " quota_files FROM storage_usage WHERE owner = :owner")
                     .bind("owner", owner)
                     .map((rs, ctx) -> new UsageRow(rs.getString("owner"), rs.getLong("used_bytes"),
                                                    rs.getLong("used_files"), rs.getLong("reserved_bytes"),
                                                    rs.getLong("reserved_files"), (Long) rs.getObject("quota_bytes"),
                                                    (Long) rs.getObject("quota_files")))
                     .findOne()
                     .orElse(UsageRow.empty(owner));
    }

    /** Sets (a value) or clears (null) the override of each quota named; returns the usage after it. */
    UsageRow override(String owner, boolean setBytes, Long bytes, boolean setFiles, Long files) {
        return jdbi.inTransaction(handle -> {
            handle.createUpdate("INSERT INTO storage_usage (owner) VALUES (:owner) ON CONFLICT (owner) DO NOTHING")
                  .bind("owner", owner).execute();
            final StringBuilder sql = new StringBuilder("UPDATE storage_usage SET update_time = now()");
            if (setBytes) {
                sql.append(", quota_bytes = CAST(:bytes AS bigint)");
            }
            if (setFiles) {
                sql.append(", quota_files = CAST(:files AS bigint)");
            }
            final var update = handle.createUpdate(sql.append(" WHERE owner = :owner").toString()).bind("owner", owner);
            if (setBytes) {
                update.bind("bytes", bytes);
            }
            if (setFiles) {
                update.bind("files", files);
            }
            update.execute();
            return usage(handle, owner);
        });
    }

    ServiceException exceeded(Handle handle, String owner) {
        final UsageRow usage = usage(handle, owner);
        final long quotaBytes = usage.quotaBytes() == null ? defaultBytes : usage.quotaBytes();
        final long quotaFiles = usage.quotaFiles() == null ? defaultFiles : usage.quotaFiles();
        return Errors.resourceExhausted("QUOTA_EXCEEDED", "the upload would pass the storage quota of " + owner
                                                          + " (" + quotaBytes + " bytes, " + quotaFiles + " files)",
                                        Map.of("quota_bytes", String.valueOf(quotaBytes),
                                               "quota_files", String.valueOf(quotaFiles),
                                               "used_bytes", String.valueOf(usage.usedBytes()),
                                               "used_files", String.valueOf(usage.usedFiles())));
    }
}
