package io.sextant.platform.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Set;

import org.junit.jupiter.api.Test;

class PrincipalTest {

    private static Principal withPermissions(String... permissions) {
        return new Principal("u1", "alice", Principal.Kind.USER, Set.of("user"), Set.of(permissions), "s1", "t1",
                             Instant.now(), Instant.now().plusSeconds(900), "header.payload.signature");
    }

    @Test
    void an_exact_permission_is_granted() {
        final Principal p = withPermissions("files.read");

        assertThat(p.hasPermission("files.read")).isTrue();
        assertThat(p.hasPermission("files.write")).isFalse();
        assertThat(p.hasPermission("files")).isFalse();
    }

    @Test
    void a_prefix_wildcard_grants_everything_below_it() {
        final Principal p = withPermissions("files.*");

        assertThat(p.hasPermission("files.read")).isTrue();
        assertThat(p.hasPermission("files.delete")).isTrue();
        assertThat(p.hasPermission("files.share.create")).isTrue();
        assertThat(p.hasPermission("users.read")).isFalse();
        assertThat(p.hasPermission("filesystem.read")).isFalse();
        assertThat(p.hasPermission("myfiles.read")).isFalse();
    }

    @Test
    void a_nested_wildcard_grants_only_its_subtree() {
        final Principal p = withPermissions("files.share.*");

        assertThat(p.hasPermission("files.share.create")).isTrue();
        assertThat(p.hasPermission("files.read")).isFalse();
    }

    @Test
    void the_star_grants_everything() {
        final Principal p = withPermissions("*");

        assertThat(p.hasPermission("files.read")).isTrue();
        assertThat(p.hasPermission("users.roles.delete")).isTrue();
    }

    @Test
    void no_permissions_grant_nothing() {
        assertThat(withPermissions().hasPermission("files.read")).isFalse();
    }

    @Test
    void the_token_is_never_printed() {
        assertThat(withPermissions("*").toString()).doesNotContain("header.payload.signature").contains("u1");
    }
}
