package io.sextant.platform.resource;

import java.util.List;

/** A page of rows and the token of the next one ("" on the last page). */
public record Page<R>(List<R> rows, String nextPageToken) {

    public Page {
        rows = List.copyOf(rows);
    }
}
