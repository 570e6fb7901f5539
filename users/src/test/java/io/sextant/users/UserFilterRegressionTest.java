package io.sextant.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import io.grpc.Status;
import io.sextant.platform.error.ServiceException;
import io.sextant.users.db.UserQueries;

/**
 * Inputs that broke the filter and order_by parsers (found while writing {@link UserFilterFuzzTest}'s
 * properties, issue 8): each was an exception other than INVALID_ARGUMENT, so a 500 over REST.
 */
class UserFilterRegressionTest {

    @Test
    void timeThatOverflowsUtcIsInvalidArgument() {
        // parsed, but year 1000000000 in UTC: OffsetDateTime.ofInstant threw DateTimeException
        assertInvalid(() -> UserQueries.filter("create_time > \"+999999999-12-31T23:59:59-18:00\""), "filter");
        assertInvalid(() -> UserQueries.filter("update_time < \"-999999999-01-01T00:00:00+18:00\""), "filter");
    }

    @Test
    void yearBeyondRfc3339IsInvalidArgument() {
        // ISO 8601's expanded years parse, and are past PostgreSQL's timestamptz
        assertInvalid(() -> UserQueries.filter("create_time >= \"+300000-01-01T00:00:00Z\""), "filter");
        assertInvalid(() -> UserQueries.filter("create_time >= \"9999-12-31T23:59:59-01:00\""), "filter");
    }

    @Test
    void orderByOfOnlyCommasIsInvalidArgument() {
        // split(",") dropped every part: no key, and the keyset query indexed keys.get(-1)
        assertInvalid(() -> UserQueries.order(","), "order_by");
        assertInvalid(() -> UserQueries.order(",,,"), "order_by");
    }

    private static void assertInvalid(Runnable parse, String field) {
        assertThatThrownBy(parse::run)
                .isInstanceOfSatisfying(ServiceException.class, e -> {
                    assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.violations().get(0).getField()).isEqualTo(field);
                });
    }
}
