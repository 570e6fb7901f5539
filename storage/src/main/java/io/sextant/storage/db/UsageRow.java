package io.sextant.storage.db;

/**
 * An owner's {@code storage_usage}: what is stored, what running uploads reserved, and the override
 * of the quota (null: the deployment's default).
 */
public record UsageRow(String owner, long usedBytes, long usedFiles, long reservedBytes, long reservedFiles,
                       Long quotaBytes, Long quotaFiles) {

    /** No row yet: nothing stored, the defaults. */
    public static UsageRow empty(String owner) {
        return new UsageRow(owner, 0, 0, 0, 0, null, null);
    }
}
