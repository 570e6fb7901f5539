package io.sextant.gateway.edge;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Message;

import com.linecorp.armeria.common.grpc.GrpcJsonMarshaller;

import io.grpc.MethodDescriptor.Marshaller;
import io.grpc.MethodDescriptor.PrototypeMarshaller;

/**
 * The gateway's JSON marshaller: the protobuf one (unknown fields refused), after a strict look at the
 * request: one JSON value and nothing after it, and each field's value of the JSON type that ProtoJSON
 * gives it ({@link JsonTypes}), so that {@code {"username": 123}} is a 400 naming {@code username}, not
 * the string {@code "123"}. Applies to every JSON request: transcoded REST bodies and gRPC-Web JSON.
 */
public final class StrictJsonMarshaller implements GrpcJsonMarshaller {

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final GrpcJsonMarshaller delegate;

    public StrictJsonMarshaller(GrpcJsonMarshaller delegate) {
        this.delegate = delegate;
    }

    @Override
    public <T> void serializeMessage(Marshaller<T> marshaller, T message, OutputStream os) throws IOException {
        delegate.serializeMessage(marshaller, message, os);
    }

    @Override
    public <T> T deserializeMessage(Marshaller<T> marshaller, InputStream is) throws IOException {
        if (!(marshaller instanceof PrototypeMarshaller<T> prototype)
            || !(prototype.getMessagePrototype() instanceof Message message)) {
            return delegate.deserializeMessage(marshaller, is);
        }
        // bounded: the message length limit of the gRPC service has already applied to these bytes
        final byte[] json = is.readAllBytes();
        final JsonNode tree = MAPPER.readTree(json); // a JsonProcessingException says what is malformed
        if (tree != null) {
            JsonTypes.check(tree, message.getDescriptorForType());
        }
        return delegate.deserializeMessage(marshaller, new ByteArrayInputStream(json));
    }
}
