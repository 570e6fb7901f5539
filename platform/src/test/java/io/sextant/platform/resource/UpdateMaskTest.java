package io.sextant.platform.resource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.FieldMask;

import io.grpc.Status;
import io.sextant.platform.error.ServiceException;
import io.sextant.users.v1.User;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Update masks over a real resource message (users' User: strings, an optional bool, a map, a list). */
class UpdateMaskTest {

    private static final List<String> FIELDS = List.of("first_name", "last_name", "display_name", "metadata", "active");
    private static final UpdateMask MASK = UpdateMask.of(User.getDescriptor(), FIELDS);

    @Example
    void withoutAMaskTheSetFields() {
        assertThat(MASK.paths(FieldMask.getDefaultInstance(), User.newBuilder().setLastName("L").setActive(false).build()))
                .containsExactly("last_name", "active");
        assertThat(MASK.paths(null, User.newBuilder().putMetadata("k", "v").setEmail("not allowed").build()))
                .containsExactly("metadata");
    }

    @Example
    void starIsEveryFieldOnceAndInOrder() {
        assertThat(MASK.paths(FieldMask.newBuilder().addPaths("active").addPaths("*").build(), User.getDefaultInstance()))
                .containsExactly("active", "first_name", "last_name", "display_name", "metadata");
    }

    @Example
    void aMaskNamesOnlyAllowedFields() {
        assertInvalid(() -> MASK.paths(FieldMask.newBuilder().addPaths("email").build(), User.getDefaultInstance()),
                      "'email' cannot be changed; the mask may name only first_name, last_name, display_name, metadata,"
                      + " active or *");
        final UpdateMask personal = MASK.without("active").withoutStar();
        assertInvalid(() -> personal.paths(FieldMask.newBuilder().addPaths("*").build(), User.getDefaultInstance()),
                      "may name only first_name, last_name, display_name, metadata");
        assertInvalid(() -> personal.paths(FieldMask.newBuilder().addPaths("active").build(), User.getDefaultInstance()),
                      "'active' cannot be changed; the mask may name only first_name, last_name, display_name, metadata"
                      + " or *");
    }

    @Example
    void fieldsAreCheckedWhenDeclared() {
        assertThatThrownBy(() -> UpdateMask.of(User.getDescriptor(), "nickname")).isInstanceOf(IllegalArgumentException.class);
    }

    @Example
    void applyClearsWhatTheRequestLeavesUnset() {
        final User base = User.newBuilder().setFirstName("F").setActive(false).putMetadata("a", "1").build();
        final User changed = UpdateMask.apply(base, User.getDefaultInstance(), List.of("active", "metadata"));
        assertThat(changed.hasActive()).isFalse();
        assertThat(changed.getMetadataMap()).isEmpty();
        assertThat(changed.getFirstName()).isEqualTo("F");
    }

    /** apply(base, request, paths) changes exactly the named fields: each is the request's, every other the base's. */
    @Property(tries = 500)
    void applyChangesOnlyTheNamedFields(@ForAll("users") User base, @ForAll("users") User request,
                                        @ForAll("paths") Set<String> paths) {
        final User changed = UpdateMask.apply(base, request, paths);
        for (FieldDescriptor field : User.getDescriptor().getFields()) {
            final User expected = paths.contains(field.getName()) ? request : base;
            assertThat(changed.getField(field)).as(field.getName()).isEqualTo(expected.getField(field));
            if (field.hasPresence()) {
                assertThat(changed.hasField(field)).as(field.getName()).isEqualTo(expected.hasField(field));
            }
        }
    }

    /** Without a mask, the paths are the allowed fields the request sets, and applying them onto a blank changes nothing else. */
    @Property(tries = 300)
    void withoutAMaskApplyingTheSetFieldsKeepsThem(@ForAll("users") User request) {
        final List<String> paths = MASK.paths(FieldMask.getDefaultInstance(), request);
        assertThat(FIELDS).containsAll(paths);
        final User changed = UpdateMask.apply(User.getDefaultInstance(), request, paths);
        for (String field : FIELDS) {
            final FieldDescriptor descriptor = User.getDescriptor().findFieldByName(field);
            assertThat(changed.getField(descriptor)).isEqualTo(request.getField(descriptor));
        }
    }

    @Provide
    Arbitrary<User> users() {
        final Arbitrary<String> text = Arbitraries.oneOf(Arbitraries.just(""), Arbitraries.strings().alpha().ofMaxLength(5));
        final Arbitrary<Integer> active = Arbitraries.of(-1, 0, 1);
        final Arbitrary<Map<String, String>> metadata = Arbitraries.maps(Arbitraries.strings().alpha().ofMaxLength(3),
                                                                         Arbitraries.strings().ofMaxLength(3)).ofMaxSize(3);
        final Arbitrary<List<String>> roles = Arbitraries.strings().alpha().ofMaxLength(4).list().ofMaxSize(2);
        return Combinators.combine(text, text, text, text, active, metadata, roles).as((first, last, shown, email, on, meta, held) -> {
            final User.Builder user = User.newBuilder().setFirstName(first).setLastName(last).setDisplayName(shown)
                                          .setEmail(email).putAllMetadata(meta).addAllRoles(held);
            if (on >= 0) {
                user.setActive(on == 1);
            }
            return user.build();
        });
    }

    @Provide
    Arbitrary<Set<String>> paths() {
        return Arbitraries.of("first_name", "last_name", "display_name", "email", "metadata", "roles", "active")
                          .set().ofMaxSize(7);
    }

    private static void assertInvalid(Runnable call, String description) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(ServiceException.class, e -> {
            assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.violations()).singleElement().satisfies(v -> {
                assertThat(v.getField()).isEqualTo("update_mask");
                assertThat(v.getDescription()).isEqualTo(description);
            });
        });
    }
}
