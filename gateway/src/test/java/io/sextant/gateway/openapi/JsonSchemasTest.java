package io.sextant.gateway.openapi;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.MessageOptions;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DurationProto;
import com.google.protobuf.EmptyProto;
import com.google.protobuf.FieldMaskProto;
import com.google.protobuf.StructProto;
import com.google.protobuf.TimestampProto;
import com.google.protobuf.WrappersProto;

/** The ProtoJSON mapping of every kind of field, on a message built from a real descriptor. */
class JsonSchemasTest {

    private static final ObjectNode components = JsonNodeFactory.instance.objectNode();
    private static JsonNode properties;

    @BeforeAll
    static void map() throws DescriptorValidationException {
        final DescriptorProto.Builder message = DescriptorProto.newBuilder().setName("Sample")
                .addField(field("count", 1, Type.TYPE_INT64))
                .addField(field("unsigned_count", 2, Type.TYPE_UINT64))
                .addField(field("small", 3, Type.TYPE_INT32))
                .addField(field("ratio", 4, Type.TYPE_DOUBLE))
                .addField(field("blob", 5, Type.TYPE_BYTES))
                .addField(field("kind", 6, Type.TYPE_ENUM).setTypeName(".test.Sample.Kind"))
                .addField(field("tags", 7, Type.TYPE_STRING).setLabel(Label.LABEL_REPEATED))
                .addField(message("create_time", 8, ".google.protobuf.Timestamp"))
                .addField(message("ttl", 9, ".google.protobuf.Duration"))
                .addField(message("update_mask", 10, ".google.protobuf.FieldMask"))
                .addField(message("extra", 11, ".google.protobuf.Struct"))
                .addField(message("maybe_count", 12, ".google.protobuf.Int64Value"))
                .addField(message("maybe_flag", 13, ".google.protobuf.BoolValue"))
                .addField(message("nothing", 14, ".google.protobuf.Empty"))
                .addField(message("labels", 15, ".test.Sample.LabelsEntry").setLabel(Label.LABEL_REPEATED))
                .addField(message("child", 16, ".test.Sample"))
                .addNestedType(DescriptorProto.newBuilder().setName("LabelsEntry")
                                              .setOptions(MessageOptions.newBuilder().setMapEntry(true))
                                              .addField(field("key", 1, Type.TYPE_STRING))
                                              .addField(field("value", 2, Type.TYPE_INT64)))
                .addEnumType(EnumDescriptorProto.newBuilder().setName("Kind")
                                                .addValue(EnumValueDescriptorProto.newBuilder().setName("KIND_UNSPECIFIED").setNumber(0))
                                                .addValue(EnumValueDescriptorProto.newBuilder().setName("KIND_BIG").setNumber(1)));
        final FileDescriptorProto file = FileDescriptorProto.newBuilder()
                .setName("test/sample.proto").setPackage("test").setSyntax("proto3")
                .addDependency("google/protobuf/timestamp.proto").addDependency("google/protobuf/duration.proto")
                .addDependency("google/protobuf/field_mask.proto").addDependency("google/protobuf/struct.proto")
                .addDependency("google/protobuf/wrappers.proto").addDependency("google/protobuf/empty.proto")
                .addMessageType(message)
                .build();
        final Descriptor sample = FileDescriptor.buildFrom(file, new FileDescriptor[] {
                TimestampProto.getDescriptor(), DurationProto.getDescriptor(), FieldMaskProto.getDescriptor(),
                StructProto.getDescriptor(), WrappersProto.getDescriptor(), EmptyProto.getDescriptor()})
                                                .findMessageTypeByName("Sample");

        final JsonNode reference = new JsonSchemas(components, ProtoComments.none()).message(sample);

        assertThat(reference.get("$ref").asText()).isEqualTo("#/components/schemas/test.Sample");
        properties = components.at("/test.Sample/properties");
    }

    @Test
    void namesAreLowerCamel() {
        assertThat(properties.has("createTime")).isTrue();
        assertThat(properties.has("create_time")).isFalse();
    }

    @Test
    void sixtyFourBitIntegersAreStrings() {
        assertThat(properties.at("/count/type").asText()).isEqualTo("string");
        assertThat(properties.at("/count/format").asText()).isEqualTo("int64");
        assertThat(properties.at("/unsignedCount/type").asText()).isEqualTo("string");
        assertThat(properties.at("/small/type").asText()).isEqualTo("integer");
        assertThat(properties.at("/ratio/type").asText()).isEqualTo("number");
    }

    @Test
    void bytesAreBase64AndEnumsNames() {
        assertThat(properties.at("/blob/format").asText()).isEqualTo("byte");
        assertThat(properties.at("/kind/$ref").asText()).isEqualTo("#/components/schemas/test.Sample.Kind");
        assertThat(components.at("/test.Sample.Kind/type").asText()).isEqualTo("string");
        assertThat(components.at("/test.Sample.Kind/enum").toString()).isEqualTo("[\"KIND_UNSPECIFIED\",\"KIND_BIG\"]");
    }

    @Test
    void repeatedIsAnArrayAndMapAnObject() {
        assertThat(properties.at("/tags/type").asText()).isEqualTo("array");
        assertThat(properties.at("/tags/items/type").asText()).isEqualTo("string");
        assertThat(properties.at("/labels/type").asText()).isEqualTo("object");
        assertThat(properties.at("/labels/additionalProperties/format").asText()).isEqualTo("int64");
        assertThat(components.has("test.Sample.LabelsEntry")).isFalse();
    }

    @Test
    void wellKnownTypesHaveTheirJsonForms() {
        assertThat(properties.at("/createTime/format").asText()).isEqualTo("date-time");
        assertThat(properties.at("/ttl/type").asText()).isEqualTo("string");
        assertThat(properties.at("/ttl/pattern").asText()).isNotEmpty();
        assertThat(properties.at("/updateMask/type").asText()).isEqualTo("string");
        assertThat(properties.at("/extra/type").asText()).isEqualTo("object");
        assertThat(properties.at("/extra/additionalProperties").asBoolean()).isTrue();
        assertThat(properties.at("/maybeCount/type").asText()).isEqualTo("string");
        assertThat(properties.at("/maybeCount/nullable").asBoolean()).isTrue();
        assertThat(properties.at("/maybeFlag/type").asText()).isEqualTo("boolean");
        assertThat(properties.at("/maybeFlag/nullable").asBoolean()).isTrue();
        assertThat(properties.at("/nothing/type").asText()).isEqualTo("object");
        assertThat(components.has("google.protobuf.Timestamp")).isFalse();
    }

    @Test
    void aRecursiveMessageRefersToItself() {
        assertThat(properties.at("/child/$ref").asText()).isEqualTo("#/components/schemas/test.Sample");
    }

    private static FieldDescriptorProto.Builder field(String name, int number, Type type) {
        return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setType(type)
                                   .setLabel(Label.LABEL_OPTIONAL).setJsonName(lowerCamel(name));
    }

    private static FieldDescriptorProto.Builder message(String name, int number, String typeName) {
        return field(name, number, Type.TYPE_MESSAGE).setTypeName(typeName);
    }

    private static String lowerCamel(String name) {
        return Operations.lowerCamel(name);
    }
}
