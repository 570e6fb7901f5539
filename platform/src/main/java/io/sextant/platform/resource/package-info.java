/**
 * Helpers for resource-oriented APIs (AIP-132/134/158/160) that every service's standard methods
 * share: {@link io.sextant.platform.resource.UpdateMask} (validate and apply an update mask),
 * {@link io.sextant.platform.resource.FilterFields} (the AIP-160 subset, parsed into bound SQL),
 * {@link io.sextant.platform.resource.SortKeys} and {@link io.sextant.platform.resource.KeysetPages}
 * ({@code order_by} and keyset pages with opaque tokens) and {@link io.sextant.platform.resource.ProtoTime}.
 * A service declares a resource's fields once, in a small table per resource, in its {@code db} package.
 */
package io.sextant.platform.resource;
