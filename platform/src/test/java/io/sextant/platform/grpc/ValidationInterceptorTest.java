package io.sextant.platform.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.rpc.BadRequest.FieldViolation;

import io.sextant.auth.v1.LoginRequest;
import io.sextant.storage.v1.File;
import io.sextant.storage.v1.UploadFileRequest;
import io.sextant.storage.v1.UploadMetadata;
import io.sextant.users.v1.UpdateMyProfileRequest;
import io.sextant.users.v1.User;

/**
 * What the platform refuses in every request before a service sees it, besides the contract's
 * constraints: strings that PostgreSQL cannot store, wherever they are in the message.
 */
class ValidationInterceptorTest {

    @Test
    void aNulInAStringFieldIsAViolationOfThatField() {
        final List<FieldViolation> violations = ValidationInterceptor.validate(
                LoginRequest.newBuilder().setUsername("alice\u0000").setPassword("correct horse battery").build());

        assertThat(violations).hasSize(1);
        final FieldViolation violation = violations.get(0);
        assertThat(violation.getField()).isEqualTo("username");
        assertThat(violation.getReason()).isEqualTo("string.no_nul");
        assertThat(violation.getDescription()).contains("U+0000").doesNotContain("\u0000");
    }

    @Test
    void nestedMessagesMapsRepeatedFieldsAndOneofsAreWalked() {
        final UpdateMyProfileRequest profile = UpdateMyProfileRequest.newBuilder()
                .setUser(User.newBuilder().setFirstName("\u0000")
                             .putMetadata("theme", "dark\u0000")
                             .putMetadata("ok", "fine"))
                .build();
        assertThat(fields(ValidationInterceptor.validate(profile)))
                .containsExactlyInAnyOrder("user.first_name", "user.metadata[\"theme\"]");

        final UploadFileRequest upload = UploadFileRequest.newBuilder()
                .setMetadata(UploadMetadata.newBuilder()
                                           .setFile(File.newBuilder().setFilename("a.txt")
                                                        .addTags("fine").addTags("bad\u0000tag")))
                .build();
        // (the tag breaks the contract's pattern as well: that is protovalidate's own violation)
        assertThat(fields(ValidationInterceptor.validate(upload), "string.no_nul")).containsExactly("metadata.file.tags[1]");
    }

    @Test
    void aNulInAMapKeyNamesTheKeyWithoutTheNul() {
        final UpdateMyProfileRequest profile = UpdateMyProfileRequest.newBuilder()
                .setUser(User.newBuilder().putMetadata("k\u0000", "v"))
                .build();

        final List<FieldViolation> violations = ValidationInterceptor.validate(profile);
        assertThat(violations).filteredOn(v -> v.getReason().equals("string.no_nul"))
                              .singleElement()
                              .satisfies(v -> {
                                  assertThat(v.getField()).isEqualTo("user.metadata[\"k\\u0000\"]");
                                  assertThat(v.getDescription()).contains("key");
                              });
    }

    @Test
    void wellKnownTypesAreWalkedToo() {
        final Struct struct = Struct.newBuilder()
                .putFields("list", Value.newBuilder().setListValue(ListValue.newBuilder()
                        .addValues(Value.newBuilder().setStringValue("ok"))
                        .addValues(Value.newBuilder().setStringValue("x\u0000"))).build())
                .build();

        assertThat(fields(ValidationInterceptor.validate(struct)))
                .containsExactly("fields[\"list\"].list_value.values[1].string_value");
    }

    @Test
    void anUnpairedSurrogateIsAViolationAndAPairIsNot() {
        final LoginRequest lone = LoginRequest.newBuilder().setUsername("a\ud800b").setPassword("x\udc00").build();
        final List<FieldViolation> violations = ValidationInterceptor.validate(lone);
        assertThat(fields(violations)).containsExactlyInAnyOrder("username", "password");
        assertThat(violations).allSatisfy(v -> assertThat(v.getReason()).isEqualTo("string.valid_unicode"));

        final LoginRequest emoji = LoginRequest.newBuilder().setUsername("al\ud83d\ude00ce").setPassword("pw").build();
        assertThat(ValidationInterceptor.validate(emoji)).isEmpty();
    }

    @Test
    void whatProtobufItselfDoesWithTextPostgresCannotStore() throws Exception {
        // invalid UTF-8 never becomes a string: protobuf-java refuses it when it parses a proto3 string
        final byte[] invalidUtf8 = {0x0a, 0x02, (byte) 0xc3, 0x28}; // username = C3 28
        assertThatThrownBy(() -> LoginRequest.parseFrom(invalidUtf8)).isInstanceOf(InvalidProtocolBufferException.class);
        // nor does a surrogate encoded as UTF-8 bytes (CESU-8 style)
        final byte[] encodedSurrogate = {0x0a, 0x03, (byte) 0xed, (byte) 0xa0, (byte) 0x80};
        assertThatThrownBy(() -> LoginRequest.parseFrom(encodedSurrogate))
                .isInstanceOf(InvalidProtocolBufferException.class);
        // a NUL is valid UTF-8 and arrives as it is
        assertThat(LoginRequest.parseFrom(new byte[] {0x0a, 0x01, 0x00}).getUsername()).isEqualTo("\u0000");
        // a lone surrogate, which JSON can carry, is changed to '?' when encoded: a gateway that
        // turns JSON into protobuf must refuse it, or the backend stores text the client never sent
        final LoginRequest lone = LoginRequest.newBuilder().setUsername("a\ud800").build();
        assertThat(LoginRequest.parseFrom(lone.toByteArray()).getUsername()).isEqualTo("a?");
    }

    @Test
    void ordinaryTextIsNoViolation() {
        final UpdateMyProfileRequest profile = UpdateMyProfileRequest.newBuilder()
                .setUser(User.newBuilder().setFirstName("Zoë").setLastName("Ångström-李")
                             .putMetadata("theme", "dark\ttabbed\nlines"))
                .build();

        assertThat(ValidationInterceptor.validate(profile)).isEmpty();
    }

    private static List<String> fields(List<FieldViolation> violations) {
        return violations.stream().map(FieldViolation::getField).toList();
    }

    private static List<String> fields(List<FieldViolation> violations, String reason) {
        return fields(violations.stream().filter(violation -> violation.getReason().equals(reason)).toList());
    }
}
