package io.sextant.gateway.streaming;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import com.google.protobuf.Message;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.multipart.BodyPart;
import com.linecorp.armeria.common.multipart.Multipart;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.Metadata;
import io.grpc.ServerCallHandler;
import io.sextant.platform.error.ServiceException;

/**
 * An upload as a {@code multipart/form-data} form (RFC 7578), read part by part as it arrives: the text
 * parts before the file part are the declared parameters (each at most {@value #MAX_TEXT_BYTES} bytes, at
 * most {@value #MAX_TEXT_PARTS} of them), the file part's {@code Content-Type} and file name go to the
 * declared fields of the head (the file name unless a parameter set it), and its content is the bytes,
 * streamed; a part after the file part is refused (400), and the backend's call cancelled.
 */
final class FormUpload<Q, R> implements Subscriber<BodyPart> {

    static final int MAX_TEXT_BYTES = 8 * 1024;
    static final int MAX_TEXT_PARTS = 64;

    /** What browsers percent-encode in a form's file name (the HTML standard's multipart/form-data encoding). */
    private static final Pattern ENCODED = Pattern.compile("%(22|0[dD]|0[aA])");

    private final ServiceRequestContext ctx;
    private final HttpRequest req;
    private final UploadCall<Q, R> call;
    private final UploadDeclaration declaration;
    private final Message.Builder head;
    private final ServerCallHandler<Q, R> handler;
    private final Metadata headers;

    // confined to the event loop
    private Subscription parts;
    private int textParts;
    private boolean fileSeen;
    private boolean filenameSet;
    private boolean fileRead;
    private boolean partsDone;
    private boolean over;

    FormUpload(ServiceRequestContext ctx, HttpRequest req, UploadCall<Q, R> call, UploadDeclaration declaration,
               Message.Builder head, ServerCallHandler<Q, R> handler, Metadata headers) {
        this.ctx = ctx;
        this.req = req;
        this.call = call;
        this.declaration = declaration;
        this.head = head;
        this.handler = handler;
        this.headers = headers;
    }

    void start() {
        final Multipart form;
        try {
            form = Multipart.from(req);
        } catch (IllegalArgumentException e) {
            ctx.eventLoop().execute(() -> refuse("the multipart/form-data body has no boundary: " + e.getMessage()));
            return;
        }
        form.bodyParts().subscribe(this, ctx.eventLoop());
    }

    @Override
    public void onSubscribe(Subscription subscription) {
        parts = subscription;
        subscription.request(1);
    }

    @Override
    public void onNext(BodyPart part) {
        if (over) {
            return;
        }
        final String name = part.name();
        if (fileSeen) {
            refuse("the form has a part" + (name == null ? "" : " '" + name + "'") + " after its file part '"
                   + declaration.filePart() + "'; the parameters come before the file");
            return;
        }
        if (name == null) {
            refuse("the form has a part without a name");
            return;
        }
        if (name.equals(declaration.filePart())) {
            fileSeen = true;
            final MediaType type = part.headers().contentType();
            if (declaration.contentType() != null && type != null) {
                declaration.contentType().set(head, type.toString());
            }
            if (declaration.partFilename() != null && !filenameSet && part.filename() != null) {
                declaration.partFilename().set(head, decodeFilename(part.filename()));
            }
            call.start(handler, headers, head.build(), part.content(), this::afterFile);
            return;
        }
        if (++textParts > MAX_TEXT_PARTS) {
            refuse("the form has more than " + MAX_TEXT_PARTS + " parts before its file part '"
                   + declaration.filePart() + "'");
            return;
        }
        part.content().subscribe(new TextPart(name, value -> {
            try {
                UploadService.setParameter(declaration, head, name, value);
            } catch (ServiceException refusal) {
                over = true;
                parts.cancel();
                call.refuseWith(refusal);
                return;
            }
            if (declaration.partFilename() != null
                && declaration.params().get(name).dotted().equals(declaration.partFilename().dotted())) {
                filenameSet = true;
            }
            parts.request(1);
        }), ctx.eventLoop());
    }

    @Override
    public void onError(Throwable cause) {
        refuse("the multipart/form-data body is malformed: " + cause.getMessage());
    }

    @Override
    public void onComplete() {
        if (over) {
            return;
        }
        if (!fileSeen) {
            refuse("the form has no file part '" + declaration.filePart() + "'");
            return;
        }
        // the form may end (its last boundary read) before the file's bytes have all gone to the backend
        partsDone = true;
        if (fileRead) {
            call.bodyComplete();
        }
    }

    /** The file's bytes have all gone to the backend: the upload is complete unless another part follows. */
    private void afterFile() {
        fileRead = true;
        if (partsDone) {
            call.bodyComplete();
        } else {
            parts.request(1);
        }
    }

    private void refuse(String message) {
        if (over) {
            return;
        }
        over = true;
        if (parts != null) {
            parts.cancel();
        }
        call.refuse(HttpStatus.BAD_REQUEST, message);
    }

    /** The file name as the client chose it: browsers send {@code "}, CR and LF percent-encoded (RFC 7578 §4.2). */
    static String decodeFilename(String filename) {
        final Matcher matcher = ENCODED.matcher(filename);
        final StringBuilder decoded = new StringBuilder(filename.length());
        while (matcher.find()) {
            matcher.appendReplacement(decoded, Matcher.quoteReplacement(
                    String.valueOf((char) Integer.parseInt(matcher.group(1), 16))));
        }
        matcher.appendTail(decoded);
        return decoded.toString();
    }

    /** A text part, read whole within its bound; past it, the upload is refused. */
    private final class TextPart implements Subscriber<HttpData> {

        private final String name;
        private final Consumer<String> then;
        private final ByteArrayOutputStream text = new ByteArrayOutputStream();
        private Subscription subscription;

        TextPart(String name, Consumer<String> then) {
            this.name = name;
            this.then = then;
        }

        @Override
        public void onSubscribe(Subscription subscription) {
            this.subscription = subscription;
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(HttpData data) {
            if (text.size() + data.length() > MAX_TEXT_BYTES) {
                subscription.cancel();
                refuse("the form's part '" + name + "' is longer than " + MAX_TEXT_BYTES + " bytes");
                return;
            }
            text.writeBytes(data.array());
        }

        @Override
        public void onError(Throwable cause) {
            refuse("the form's part '" + name + "' could not be read: " + cause.getMessage());
        }

        @Override
        public void onComplete() {
            if (!over) {
                then.accept(text.toString(StandardCharsets.UTF_8));
            }
        }
    }
}
