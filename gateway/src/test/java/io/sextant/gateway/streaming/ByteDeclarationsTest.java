package io.sextant.gateway.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.google.protobuf.Descriptors.MethodDescriptor;

import io.sextant.api.v1.HttpBytes;
import io.sextant.api.v1.HttpBytesParam;
import io.sextant.api.v1.HttpBytesProto;
import io.sextant.storage.v1.StorageServiceGrpc;
import io.sextant.testing.v1.BlobKind;
import io.sextant.testing.v1.BlobServiceGrpc;
import io.sextant.testing.v1.PutBlobHead;
import io.sextant.testing.v1.PutBlobRequest;

/**
 * The {@code (sextant.api.v1.http_bytes)} declarations as the gateway checks them at start (a wrong name
 * stops the start, saying what is wrong), and the HTTP headers a download's values become.
 */
class ByteDeclarationsTest {

    private static final MethodDescriptor PUT = method(BlobServiceGrpc.getServiceDescriptor().getSchemaDescriptor(), "PutBlob");
    private static final MethodDescriptor GET = method(BlobServiceGrpc.getServiceDescriptor().getSchemaDescriptor(), "GetBlob");

    private static MethodDescriptor method(Object schema, String name) {
        return ((io.grpc.protobuf.ProtoServiceDescriptorSupplier) schema).getServiceDescriptor().findMethodByName(name);
    }

    @Test
    void theStorageContractsDeclarationsFitTheirMessages() {
        final var storage = method(StorageServiceGrpc.getServiceDescriptor().getSchemaDescriptor(), "UploadFile")
                .getService();
        int checked = 0;
        for (MethodDescriptor method : storage.getMethods()) {
            if (!method.getOptions().hasExtension(HttpBytesProto.httpBytes)) {
                continue;
            }
            final HttpBytes bytes = method.getOptions().getExtension(HttpBytesProto.httpBytes);
            if (bytes.getHeadField().isEmpty()) {
                assertThat(DownloadDeclaration.of(method, bytes).data().getName()).isEqualTo("data");
            } else {
                assertThat(UploadDeclaration.of(method, bytes, List.of()).params()).containsKey("visibility");
            }
            checked++;
        }
        assertThat(checked).isEqualTo(6);
    }

    @Test
    void aDeclarationThatDoesNotFitStopsTheStartNamingWhatIsWrong() {
        final HttpBytes upload = PUT.getOptions().getExtension(HttpBytesProto.httpBytes);
        assertThatThrownBy(() -> UploadDeclaration.of(PUT, upload.toBuilder().setHeadField("nope").build(), List.of()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("'nope'");
        assertThatThrownBy(() -> UploadDeclaration.of(PUT, upload.toBuilder().setDataField("head").build(), List.of()))
                .hasMessageContaining("data_field");
        assertThatThrownBy(() -> UploadDeclaration.of(PUT, upload.toBuilder().addParams(
                HttpBytesParam.newBuilder().setName("x").setField("blob.nothing")).build(), List.of()))
                .hasMessageContaining("blob.nothing");
        assertThatThrownBy(() -> UploadDeclaration.of(PUT, upload.toBuilder().setSizeField("note").build(), List.of()))
                .hasMessageContaining("size_field").hasMessageContaining("note");
        assertThatThrownBy(() -> UploadDeclaration.of(PUT, upload.toBuilder().setContentTypeField("blob").build(), List.of()))
                .hasMessageContaining("blob");
        assertThatThrownBy(() -> UploadDeclaration.of(GET, upload, List.of())).hasMessageContaining("no client stream");

        final HttpBytes download = GET.getOptions().getExtension(HttpBytesProto.httpBytes);
        assertThatThrownBy(() -> DownloadDeclaration.of(GET, download.toBuilder().setOffsetField("name").build()))
                .hasMessageContaining("offset_field");
        assertThatThrownBy(() -> DownloadDeclaration.of(GET, download.toBuilder().clearLimitField().build()))
                .hasMessageContaining("without the other");
        assertThatThrownBy(() -> DownloadDeclaration.of(PUT, download)).hasMessageContaining("no server stream");
    }

    @Test
    void parametersSetTheHeadByTheirFieldsType() {
        final UploadDeclaration declaration = UploadDeclaration.of(
                PUT, PUT.getOptions().getExtension(HttpBytesProto.httpBytes), List.of("head.blob.folder"));
        final var head = PutBlobRequest.newBuilder().getHeadBuilder();
        UploadService.setParameter(declaration, head, "labels", "a");
        UploadService.setParameter(declaration, head, "labels", "b");
        UploadService.setParameter(declaration, head, "kind", "PICTURE");
        declaration.pathVariables().get(0).set(head, "folders/x");
        declaration.size().set(head, "42");
        final PutBlobHead built = head.build();
        assertThat(built.getBlob().getLabelsList()).containsExactly("a", "b");
        assertThat(built.getBlob().getKind()).isEqualTo(BlobKind.BLOB_KIND_PICTURE);
        assertThat(built.getBlob().getFolder()).isEqualTo("folders/x");
        assertThat(built.getSizeBytes()).isEqualTo(42);
        UploadService.setParameter(declaration, head, "kind", "BLOB_KIND_DOCUMENT");
        assertThat(head.getBlob().getKind()).isEqualTo(BlobKind.BLOB_KIND_DOCUMENT);
        assertThatThrownBy(() -> declaration.size().set(head, "lots")).hasMessageContaining("not a number");
    }

    @Test
    void rangesAndFileNamesAsHttpHeadersSayThem() {
        assertThat(ContentHeaders.range("bytes=0-0")).isEqualTo(new ContentHeaders.ByteRange(0, 1));
        assertThat(ContentHeaders.range("bytes=10-")).isEqualTo(new ContentHeaders.ByteRange(10, 0));
        assertThat(ContentHeaders.range("bytes=-7")).isEqualTo(new ContentHeaders.ByteRange(-7, 0));
        assertThat(ContentHeaders.range("bytes=-0")).isNull();
        assertThat(ContentHeaders.range("bytes=1-2, 4-5")).isNull();
        assertThat(ContentHeaders.range("bytes=+1-2")).isNull();
        assertThat(ContentHeaders.range(null)).isNull();

        assertThat(ContentHeaders.attachment("a\\b\".txt")).isEqualTo(
                "attachment; filename=\"ab.txt\"; filename*=UTF-8''a%5Cb%22.txt");
        assertThat(ContentHeaders.attachment("")).startsWith("attachment; filename=\"download\"");
        assertThat(ContentHeaders.attachment("日本.txt")).isEqualTo(
                "attachment; filename=\"__.txt\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.txt");

        assertThat(ContentHeaders.matches("W/\"abc\"", "\"abc\"")).isTrue();
        assertThat(ContentHeaders.matches("\"abd\"", "\"abc\"")).isFalse();
        assertThat(FormUpload.decodeFilename("a%22b%0d%0Ac%20d")).isEqualTo("a\"b\r\nc%20d");
    }
}
