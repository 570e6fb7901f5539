package io.sextant.gateway.errors;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.google.protobuf.InvalidProtocolBufferException;

/**
 * Says what is wrong with a request body that could not be decoded: malformed JSON, an unknown
 * field, a value of the wrong type. The texts come from the JSON and protobuf parsers, which never
 * echo the body itself, only the offending token or field name.
 */
final class DecodingFailures {

    private static final int MAX_LENGTH = 300;

    private DecodingFailures() {}

    /** Whether the exception is a failure to decode a request message (JSON or protobuf). */
    static boolean isDecodingFailure(Throwable cause) {
        return cause instanceof JsonProcessingException || cause instanceof InvalidProtocolBufferException;
    }

    /** A message for the client, or null if nothing in the cause chain says what is wrong. */
    static String describe(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof JsonProcessingException json) {
                return "the request body is not valid JSON for this method: " + describe(json);
            }
            if (t instanceof InvalidProtocolBufferException proto) {
                return "the request body does not fit this method's request message: "
                       + truncate(String.valueOf(proto.getMessage()));
            }
        }
        // What Armeria's transcoder reports about the request outside the body's fields
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof NumberFormatException) {
                return "a query or path parameter must be a number: " + truncate(String.valueOf(t.getMessage()));
            }
            if (t instanceof IllegalArgumentException && t.getMessage() != null) {
                return t.getMessage().startsWith("Unexpected JSON")
                       ? "the request body must be a JSON object"
                       : "invalid request: " + truncate(t.getMessage());
            }
        }
        return null;
    }

    private static String describe(JsonProcessingException e) {
        final JsonLocation location = e.getLocation();
        final String text = truncate(String.valueOf(e.getOriginalMessage()));
        return location == null || location.getLineNr() < 0
               ? text
               : text + " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

    private static String truncate(String text) {
        return text.length() <= MAX_LENGTH ? text : text.substring(0, MAX_LENGTH) + "...";
    }
}
