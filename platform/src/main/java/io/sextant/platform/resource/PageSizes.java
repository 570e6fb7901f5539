package io.sextant.platform.resource;

import io.sextant.platform.db.PageToken;

/** A List method's page sizes (AIP-158): what 0 means, and the most a page holds. */
public record PageSizes(int defaultSize, int maxSize) {

    public PageSizes {
        if (defaultSize < 1 || maxSize < defaultSize) {
            throw new IllegalArgumentException("page sizes: 1 <= default <= max, not " + defaultSize + ", " + maxSize);
        }
    }

    /** The size to use: 0 (or less) means the default, anything above the maximum is the maximum. */
    public int of(int requested) {
        return PageToken.pageSize(requested, defaultSize, maxSize);
    }
}
