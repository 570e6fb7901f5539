package io.sextant.platform.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.google.rpc.BadRequest.FieldViolation;

import io.grpc.Status;
import io.sextant.platform.error.ServiceException;

class PageTokenTest {

    private static final String USERS_BY_NAME = "users|filter=role:admin|order_by=name";

    private static ServiceException failure(Runnable decode) {
        try {
            decode.run();
        } catch (ServiceException e) {
            return e;
        }
        throw new AssertionError("the token was accepted");
    }

    private static void assertBadPageToken(ServiceException e) {
        assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(e.violations()).extracting(FieldViolation::getField).containsExactly("page_token");
        assertThat(e.violations().get(0).getDescription()).isNotBlank();
    }

    @Test
    void a_token_decodes_to_the_key_of_the_last_row() {
        final List<String> key = List.of("2025-03-01T10:15:30.123456Z", "7f1c5a1e-8a4b-4c61-9d4e-2b1f3c9a0e11");

        final String token = PageToken.encode(USERS_BY_NAME, key);

        assertThat(PageToken.decode(USERS_BY_NAME, token, 2)).isEqualTo(key);
    }

    @Test
    void a_token_is_opaque_and_url_safe() {
        final String token = PageToken.encode(USERS_BY_NAME, List.of("Zoë Müller", "42"));

        assertThat(token).matches("[A-Za-z0-9_-]+");
    }

    @Test
    void any_text_in_a_key_survives_the_round_trip() {
        // sort keys can be user-chosen names: they may contain anything, control characters included
        final List<String> key = List.of("a,b|c\u001fd\\e", "", "\u00e9t\u00e9 \ud83d\ude00");

        final String token = PageToken.encode(USERS_BY_NAME, key);

        assertThat(PageToken.decode(USERS_BY_NAME, token, 3)).isEqualTo(key);
    }

    @Test
    void no_token_means_the_first_page() {
        assertThat(PageToken.decode(USERS_BY_NAME, "", 2)).isEmpty();
        assertThat(PageToken.decode(USERS_BY_NAME, null, 2)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"!!!not-a-token!!!", "abc", "Zm9v", "%%%", "eyJhbGciOiJIUzI1NiJ9"})
    void a_garbage_token_is_an_invalid_page_token(String garbage) {
        assertBadPageToken(failure(() -> PageToken.decode(USERS_BY_NAME, garbage, 2)));
    }

    @Test
    void a_token_from_another_query_is_refused() {
        final String token = PageToken.encode("users|filter=role:admin|order_by=name", List.of("alice", "1"));

        final ServiceException e = failure(
                () -> PageToken.decode("users|filter=role:guest|order_by=name", token, 2));

        assertBadPageToken(e);
        assertThat(e.getMessage()).contains("page_token");
    }

    @Test
    void a_token_with_another_number_of_key_values_is_refused() {
        final String token = PageToken.encode(USERS_BY_NAME, List.of("alice"));

        assertBadPageToken(failure(() -> PageToken.decode(USERS_BY_NAME, token, 2)));
    }

    @Test
    void page_size_zero_or_negative_means_the_default_and_large_is_clamped() {
        assertThat(PageToken.pageSize(0, 50, 100)).isEqualTo(50);
        assertThat(PageToken.pageSize(-5, 50, 100)).isEqualTo(50);
        assertThat(PageToken.pageSize(1, 50, 100)).isEqualTo(1);
        assertThat(PageToken.pageSize(100, 50, 100)).isEqualTo(100);
        assertThat(PageToken.pageSize(101, 50, 100)).isEqualTo(100);
        assertThat(PageToken.pageSize(Integer.MAX_VALUE, 50, 100)).isEqualTo(100);
    }
}
