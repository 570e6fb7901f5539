/**
 * The gateway's error path: every failed REST call ends as one body ({@link io.sextant.gateway.errors.RestErrorBody}:
 * {@code error}, {@code message}, {@code details}, {@code timestamp}, {@code trace_id}). Two halves lead there.
 *
 * <p>gRPC level, a status (a backend's, or one the gateway raised inside a call):
 * <ul>
 *   <li>{@code ExceptionToGrpcStatus}: an exception inside the gateway's gRPC services (an undecodable
 *       request message) becomes a gRPC status; statuses forwarded from a backend never pass here;</li>
 *   <li>{@code GrpcStatusToRest}: the status of a transcoded REST call becomes the REST body, its
 *       {@code google.rpc} details rendered by {@code ErrorDetails}, its HTTP status by {@code HttpStatuses}.</li>
 * </ul>
 *
 * <p>HTTP level, an error the gateway answers itself with no gRPC status (no route, wrong method, body too
 * large or not JSON, wrong Content-Type, an internal failure):
 * <ul>
 *   <li>{@code HttpErrorToRest}: Armeria's server error handler, which writes the body for the status Armeria chose;</li>
 *   <li>{@code PlainTextErrorToRest}: rewrites an error a service wrote as plain text itself, with the same messages.</li>
 * </ul>
 * {@code DecodingFailures} says what is wrong with an undecodable request, for both halves.
 */
package io.sextant.gateway.errors;
