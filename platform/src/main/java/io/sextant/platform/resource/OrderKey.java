package io.sextant.platform.resource;

/** One key of a parsed order_by: a sortable field and its direction. */
public record OrderKey<R>(SortKey<R> key, boolean descending) {

    public String field() {
        return key.field();
    }

    public String column() {
        return key.column();
    }
}
