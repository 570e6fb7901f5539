package io.sextant.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import com.linecorp.armeria.client.grpc.GrpcClients;

import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.sextant.auth.v1.AuthServiceGrpc.AuthServiceBlockingStub;
import io.sextant.auth.v1.GetMeRequest;
import io.sextant.auth.v1.LoginRequest;
import io.sextant.auth.v1.RegisterRequest;
import io.sextant.auth.v1.ValidateTokenRequest;
import io.sextant.platform.testing.Poll;
import io.sextant.platform.testing.TestServers;
import io.sextant.users.v1.GetMyProfileRequest;
import io.sextant.users.v1.UsersServiceGrpc.UsersServiceBlockingStub;

/**
 * The whole mesh from {@code local/}, driven as clients drive it: REST/JSON through the gateway,
 * gRPC through the gateway, and gRPC straight to auth.
 */
class LocalMeshIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String PASSWORD = "correct horse battery";

    @TempDir
    static Path data;
    private static LocalMesh mesh;

    @BeforeAll
    static void start() {
        mesh = LocalMesh.start(data, 0, Map.of("ACCESS_TOKEN_TTL", "10s"));
    }

    @AfterAll
    static void stop() {
        mesh.close();
    }

    // --- REST helpers

    record Reply(int status, JsonNode body, HttpResponse<String> raw) {}

    private static Reply call(String method, String path, String body, String token) throws Exception {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + mesh.port("gateway") + path))
                                                       .timeout(Duration.ofSeconds(10))
                                                       .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                                                                                    : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("content-type", "application/json");
        }
        if (token != null) {
            request.header("authorization", "Bearer " + token);
        }
        final HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        final JsonNode json = response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
        return new Reply(response.statusCode(), json, response);
    }

    private static String credentials(String username, String password) {
        return "{\"username\":\"" + username + "\",\"email\":\"" + username + "@example.com\",\"password\":\"" + password + "\"}";
    }

    private static String newUsername() {
        return "e2e" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    }

    private static JsonNode registerAndLogin(String username) throws Exception {
        assertThat(call("POST", "/v1/auth/register", credentials(username, PASSWORD), null).status()).isEqualTo(200);
        final Reply login = call("POST", "/v1/auth/login", "{\"username\":\"" + username + "\",\"password\":\"" + PASSWORD + "\"}", null);
        assertThat(login.status()).isEqualTo(200);
        return login.body();
    }

    private static void assertError(Reply reply, int status, String error) {
        assertThat(reply.status()).as(reply.raw().body()).isEqualTo(status);
        assertThat(reply.body().path("error").asText()).isEqualTo(error);
        assertThat(reply.body().path("message").asText()).isNotBlank();
        assertThat(reply.body().has("timestamp")).isTrue();
        assertThat(reply.raw().body()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    private static AuthServiceBlockingStub grpc(int port, String token) {
        final var builder = GrpcClients.builder("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(10));
        if (token != null) {
            builder.addHeader("authorization", "Bearer " + token);
        }
        return builder.build(AuthServiceBlockingStub.class);
    }

    // --- the tests

    @Test
    void aPasswordResetGoesFromTheRequestThroughTheMailedTokenToTheNewPassword() throws Exception {
        final String username = newUsername();
        registerAndLogin(username);
        final String address = username + "@example.com";

        assertThat(call("POST", "/v1/auth/password-reset", "{\"email\":\"" + address + "\"}", null).status()).isEqualTo(200);

        // auth's outbox -> notification (as services/auth) -> the local SMTP server -> <data>/mail/*.eml
        final String[] token = new String[1];
        Poll.until(() -> {
            final MimeMessage message = mailTo(address);
            assertThat(message.getSubject()).isEqualTo("Reset your password");
            final Matcher found = Pattern.compile("(?m)^ {4}(\\S+)$").matcher(text(message));
            assertThat(found.find()).as("the token on a line of its own").isTrue();
            token[0] = found.group(1);
        });

        final String newPassword = "a brand new passphrase";
        assertThat(call("POST", "/v1/auth/password-reset:confirm",
                        "{\"resetToken\":\"" + token[0] + "\",\"newPassword\":\"" + newPassword + "\"}", null).status())
                .isEqualTo(200);
        assertThat(call("POST", "/v1/auth/login", "{\"username\":\"" + username + "\",\"password\":\"" + newPassword + "\"}",
                        null).status()).isEqualTo(200);
        assertError(call("POST", "/v1/auth/login", "{\"username\":\"" + username + "\",\"password\":\"" + PASSWORD + "\"}",
                         null), 401, "INVALID_CREDENTIALS");
        // single use
        assertThat(call("POST", "/v1/auth/password-reset:confirm",
                        "{\"resetToken\":\"" + token[0] + "\",\"newPassword\":\"yet another passphrase\"}", null).status())
                .isNotEqualTo(200);
    }

    @Test
    void anEmailsOneClickUnsubscribeLinkWorksThroughTheGatewayAndStopsTheNextOne() throws Exception {
        final String address = "reader-" + UUID.randomUUID() + "@example.com";
        final String newsletter = "{\"channel\":\"CHANNEL_EMAIL\",\"recipient\":\"" + address
                                  + "\",\"subject\":\"News\",\"body\":\"All the news\",\"category\":\"newsletter\"}";
        final Reply sent = call("POST", "/v1/notifications:send", newsletter, adminToken());
        assertThat(sent.status()).as(sent.raw().body()).isEqualTo(200);

        final String[] link = new String[1];
        Poll.until(() -> {
            final MimeMessage message = mailTo(address);
            assertThat(message.getHeader("List-Unsubscribe-Post", null)).isEqualTo("List-Unsubscribe=One-Click");
            link[0] = message.getHeader("List-Unsubscribe", null);
        });
        assertThat(link[0]).startsWith("<http://localhost:" + mesh.port("gateway") + "/v1/notifications:unsubscribe?token=")
                           .endsWith(">");

        // what a mailbox provider does (RFC 8058): a POST of the form, without cookies or a token
        final HttpResponse<String> unsubscribed = HTTP.send(
                HttpRequest.newBuilder(URI.create(link[0].substring(1, link[0].length() - 1)))
                           .timeout(Duration.ofSeconds(10))
                           .header("content-type", "application/x-www-form-urlencoded")
                           .POST(HttpRequest.BodyPublishers.ofString("List-Unsubscribe=One-Click")).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        assertThat(unsubscribed.statusCode()).as(unsubscribed.body()).isEqualTo(200);
        assertThat(JSON.readTree(unsubscribed.body()).path("category").asText()).isEqualTo("newsletter");

        final String next = call("POST", "/v1/notifications:send", newsletter, adminToken()).body().path("name").asText();
        Poll.until(() -> assertThat(call("GET", "/v1/" + next, null, adminToken()).body().path("status").asText())
                .isEqualTo("NOTIFICATION_STATUS_SUPPRESSED"));
        // a damaged link is a clear 400 naming the token
        final Reply damaged = call("POST", "/v1/notifications:unsubscribe?token=u1.bad.token", null, null);
        assertError(damaged, 400, "INVALID_ARGUMENT");
    }

    @Test
    void aUserWatchesTheirFeedLiveOverServerSentEventsThroughTheGateway() throws Exception {
        final String token = registerAndLogin(newUsername()).path("accessToken").asText();
        final String me = "users/" + JWT.decode(token).getSubject();

        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final HttpResponse<Stream<String>> stream = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + mesh.port("gateway") + "/v1/feed/items:watch"))
                           .header("authorization", "Bearer " + token).GET().build(),
                HttpResponse.BodyHandlers.ofLines());
        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(stream.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
        final Thread reader = new Thread(() -> stream.body().forEach(lines::add));
        reader.setDaemon(true);
        reader.start();
        try {
            final String[] data = new String[1];
            Poll.until(() -> {
                // sent until the watch is registered (it sees only what arrives after it starts)
                final Reply sent = call("POST", "/v1/notifications:send", "{\"channel\":\"CHANNEL_IN_APP\",\"recipient\":\""
                                        + me + "\",\"subject\":\"Build\",\"body\":\"It is green.\"}", adminToken());
                assertThat(sent.status()).as(sent.raw().body()).isEqualTo(200);
                final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
                for (String line; data[0] == null && (line = lines.poll(end - System.nanoTime(), TimeUnit.NANOSECONDS)) != null; ) {
                    if (line.startsWith("data:")) {
                        data[0] = line.substring("data:".length()).trim();
                    }
                }
                assertThat(data[0]).as("an SSE data line").isNotNull();
            });
            final JsonNode item = JSON.readTree(data[0]);
            assertThat(item.path("subject").asText()).isEqualTo("Build");
            assertThat(item.path("name").asText()).startsWith("feed/items/");
        } finally {
            stream.body().close();
        }
    }

    @Test
    void aUserManagesTheirNotificationPreferencesOverRest() throws Exception {
        final String token = registerAndLogin(newUsername()).path("accessToken").asText();
        final Reply none = call("GET", "/v1/users/me/notificationPreferences", null, token);
        assertThat(none.status()).as(none.raw().body()).isEqualTo(200);
        assertThat(none.body().path("name").asText()).matches("users/[0-9a-f-]{36}/notificationPreferences");

        final Reply changed = call("PATCH", "/v1/users/me/notificationPreferences",
                                   "{\"optOuts\":[{\"channel\":\"CHANNEL_SMS\"},{\"category\":\"digest\"}]}", token);
        assertThat(changed.status()).as(changed.raw().body()).isEqualTo(200);
        assertThat(changed.body().path("optOuts")).hasSize(2);
        assertThat(call("GET", "/" + "v1/" + none.body().path("name").asText(), null, token).body().path("optOuts"))
                .hasSize(2);
        assertError(call("PATCH", "/v1/users/me/notificationPreferences", "{\"optOuts\":[{}]}", token), 400,
                    "INVALID_ARGUMENT");
        assertError(call("GET", "/v1/users/" + UUID.randomUUID() + "/notificationPreferences", null, token), 404,
                    "NOT_FOUND");
        // the users service's own routes around it are untouched (the profile arrives through auth's outbox)
        Poll.until(() -> assertThat(call("GET", "/v1/users/me", null, token).status()).isEqualTo(200));
    }

    /** The e-mail the local SMTP server wrote for {@code address} (<data>/mail/*-<address>.eml); fails while there is none. */
    private static MimeMessage mailTo(String address) throws Exception {
        final Path mail;
        try (var files = Files.list(mesh.mailDirectory().orElseThrow())) {
            mail = files.filter(p -> p.getFileName().toString().endsWith("-" + address + ".eml")).findFirst().orElseThrow();
        }
        try (var in = Files.newInputStream(mail)) {
            return new MimeMessage(Session.getInstance(new Properties()), in);
        }
    }

    /** The plain text of a message: itself, or the text/plain part of a multipart/alternative. */
    private static String text(Part part) throws Exception {
        if (part.isMimeType("text/plain")) {
            return (String) part.getContent();
        }
        if (part.isMimeType("multipart/*")) {
            final Multipart multipart = (Multipart) part.getContent();
            for (int i = 0; i < multipart.getCount(); i++) {
                final String text = text(multipart.getBodyPart(i));
                if (!text.isEmpty()) {
                    return text;
                }
            }
        }
        return "";
    }

    // --- storage through the gateway: bytes over plain HTTP, the unary routes as JSON

    /** A request with a raw body of {@code type} and optional headers (name, value, ...). */
    private static HttpResponse<byte[]> bytes(String method, String path, String type, byte[] body, String token,
                                              String... headers) throws Exception {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + mesh.port("gateway") + path))
                                                       .timeout(Duration.ofSeconds(30))
                                                       .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                                                                                    : HttpRequest.BodyPublishers.ofByteArray(body));
        if (type != null) {
            request.header("content-type", type);
        }
        if (token != null) {
            request.header("authorization", "Bearer " + token);
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static JsonNode json(HttpResponse<byte[]> response) throws Exception {
        assertThat(response.statusCode()).as(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static String userId(String token) throws Exception {
        final String[] id = new String[1];
        // the profile arrives through auth's outbox
        Poll.until(() -> {
            final Reply me = call("GET", "/v1/users/me", null, token);
            assertThat(me.status()).isEqualTo(200);
            id[0] = me.body().path("name").asText();
        });
        return id[0];
    }

    private static byte[] png(int width, int height) throws Exception {
        final java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(width, height,
                                                                                    java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int x = 0; x < width; x++) {
            for (int y = 0; y < height; y++) {
                image.setRGB(x, y, x < width / 2 ? 0xff0000 : 0x00ff00);
            }
        }
        final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(image, "png", out);
        return out.toByteArray();
    }

    @Test
    void aFileGoesUpAndDownThroughTheGatewayWithRangesGrantsShareLinksAndAThumbnailThatBecomesAnAvatar() throws Exception {
        final String alice = registerAndLogin(newUsername()).path("accessToken").asText();
        final String bobUser = newUsername();
        final String bob = registerAndLogin(bobUser).path("accessToken").asText();
        final String bobName = userId(bob);
        final byte[] text = "hello, sextant storage\n".repeat(1000).getBytes(StandardCharsets.UTF_8);

        // a raw body, the metadata in the query
        final JsonNode notes = json(bytes("POST", "/v1/files?filename=notes.txt&tags=e2e&tags=notes", "text/plain", text, alice));
        final String file = notes.path("name").asText();
        assertThat(file).matches("files/[0-9a-f-]{36}");
        assertThat(notes.path("sizeBytes").asText()).isEqualTo(String.valueOf(text.length));
        assertThat(notes.path("sha256").asText()).isEqualTo(java.util.HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(text)));
        assertThat(notes.path("detectedContentType").asText()).startsWith("text/plain");

        // listed with a filter; a range of it; its ETag answers 304
        final Reply listed = call("GET", "/v1/files?filter=" + java.net.URLEncoder.encode("tag = \"e2e\"", StandardCharsets.UTF_8),
                                  null, alice);
        assertThat(listed.body().path("files").findValuesAsText("name")).containsExactly(file);
        final HttpResponse<byte[]> range = bytes("GET", "/v1/" + file + "/content", null, null, alice, "range", "bytes=7-13");
        assertThat(range.statusCode()).isEqualTo(206);
        assertThat(new String(range.body(), StandardCharsets.UTF_8)).isEqualTo("sextant");
        assertThat(range.headers().firstValue("content-range")).hasValue("bytes 7-13/" + text.length);
        final HttpResponse<byte[]> whole = bytes("GET", "/v1/" + file + "/content", null, null, alice);
        assertThat(whole.body()).isEqualTo(text);
        assertThat(whole.headers().firstValue("content-disposition").orElseThrow()).startsWith("attachment").contains("notes.txt");
        assertThat(whole.headers().firstValue("x-content-type-options")).hasValue("nosniff");
        final String etag = whole.headers().firstValue("etag").orElseThrow();
        assertThat(bytes("GET", "/v1/" + file + "/content", null, null, alice, "if-none-match", etag).statusCode())
                .isEqualTo(304);
        assertThat(bytes("GET", "/v1/" + file + "/content", null, null, alice, "range", "bytes=999999-").statusCode())
                .isEqualTo(416);

        // bob sees nothing until alice grants him READ, and nothing again once she takes it back
        assertError(call("GET", "/v1/" + file, null, bob), 404, "NOT_FOUND");
        final Reply granted = call("POST", "/v1/" + file + "/permissions",
                                   "{\"user\":\"" + bobName + "\",\"accessLevel\":\"ACCESS_LEVEL_READ\"}", alice);
        assertThat(granted.status()).as(granted.raw().body()).isEqualTo(200);
        assertThat(bytes("GET", "/v1/" + file + "/content", null, null, bob).body()).isEqualTo(text);
        // he may read it, so he learns why he may not delete it
        assertError(call("DELETE", "/v1/" + file, null, bob), 403, "PERMISSION_DENIED");
        assertThat(call("DELETE", "/v1/" + file + "/permissions?user=" + bobName, null, alice).status()).isEqualTo(200);
        assertError(call("GET", "/v1/" + file, null, bob), 404, "NOT_FOUND");

        // a share link works without signing in, as many times as it allows, and not once revoked
        final Reply shared = call("POST", "/v1/" + file + ":share", "{\"maxDownloads\":1}", alice);
        assertThat(shared.status()).as(shared.raw().body()).isEqualTo(200);
        final String url = shared.body().path("url").asText();
        assertThat(url).contains("/v1/shared/");
        final String path = URI.create(url).getPath();
        assertThat(bytes("GET", path, null, null, null).body()).isEqualTo(text);
        assertThat(bytes("GET", path, null, null, null).statusCode()).isEqualTo(404);
        final Reply second = call("POST", "/v1/" + file + ":share", "{}", alice);
        final String secondPath = URI.create(second.body().path("url").asText()).getPath();
        assertThat(bytes("GET", secondPath, null, null, null).statusCode()).isEqualTo(200);
        assertThat(call("DELETE", "/v1/" + second.body().path("name").asText(), null, alice).status()).isEqualTo(200);
        assertThat(bytes("GET", secondPath, null, null, null).statusCode()).isEqualTo(404);

        // an image sent as a browser's form, PUBLIC: its thumbnail is made in the background and becomes bob's avatar
        final String boundary = "----sextant" + UUID.randomUUID();
        final java.io.ByteArrayOutputStream form = new java.io.ByteArrayOutputStream();
        form.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"visibility\"\r\n\r\nPUBLIC\r\n"
                         + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"me.png\"\r\n"
                         + "Content-Type: image/png\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        form.writeBytes(png(640, 480));
        form.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        final JsonNode image = json(bytes("POST", "/v1/files", "multipart/form-data; boundary=" + boundary, form.toByteArray(), bob));
        final String picture = image.path("name").asText();
        assertThat(image.path("filename").asText()).isEqualTo("me.png");
        assertThat(image.path("visibility").asText()).isEqualTo("VISIBILITY_PUBLIC");
        Poll.until(() -> assertThat(call("GET", "/v1/" + picture, null, bob).body().path("thumbnailAvailable").asBoolean())
                .isTrue());
        final HttpResponse<byte[]> thumbnail = bytes("GET", "/v1/" + picture + "/thumbnail", null, null, bob);
        assertThat(thumbnail.statusCode()).isEqualTo(200);
        final java.awt.image.BufferedImage small = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(thumbnail.body()));
        assertThat(small.getWidth()).isEqualTo(256);
        assertThat(small.getHeight()).isEqualTo(192);
        final Reply avatar = call("PATCH", "/v1/users/me?update_mask=avatar_file", "{\"avatarFile\":\"" + picture + "\"}", bob);
        assertThat(avatar.status()).as(avatar.raw().body()).isEqualTo(200);
        final String shown = avatar.body().path("avatarThumbnailUrl").asText();
        assertThat(shown).isEqualTo("/v1/public/" + picture + "/thumbnail");
        assertThat(bytes("GET", shown, null, null, null).body()).isEqualTo(thumbnail.body());
        // alice's private text is no avatar
        assertError(call("PATCH", "/v1/users/me?update_mask=avatar_file", "{\"avatarFile\":\"" + file + "\"}", alice), 400,
                    "INVALID_ARGUMENT");
    }

    @Test
    void theWholeSessionLifecycleOverRest() throws Exception {
        final String username = newUsername();
        final JsonNode first = registerAndLogin(username);
        assertThat(first.path("tokenType").asText()).isEqualTo("Bearer");
        final String access = first.path("accessToken").asText();

        final Reply me = call("GET", "/v1/auth/me", null, access);
        assertThat(me.status()).isEqualTo(200);
        assertThat(me.body().path("username").asText()).isEqualTo(username);
        assertThat(me.raw().headers().firstValue("x-request-id")).isPresent();

        final Reply refreshed = call("POST", "/v1/auth/refresh",
                                     "{\"refreshToken\":\"" + first.path("refreshToken").asText() + "\"}", null);
        assertThat(refreshed.status()).isEqualTo(200);
        final String newAccess = refreshed.body().path("accessToken").asText();
        assertThat(call("GET", "/v1/auth/me", null, newAccess).status()).isEqualTo(200);

        // replaying the rotated refresh token is refused and ends the whole session
        final Reply replay = call("POST", "/v1/auth/refresh",
                                  "{\"refresh_token\":\"" + first.path("refreshToken").asText() + "\"}", null);
        assertError(replay, 401, "REFRESH_TOKEN_REUSED");
        Poll.until(() -> assertError(call("GET", "/v1/auth/me", null, newAccess), 401, "TOKEN_REVOKED"));

        // a new session, ended by logout: refused by the gateway's route and by auth over gRPC
        final JsonNode second = call("POST", "/v1/auth/login",
                                     "{\"username\":\"" + username + "\",\"password\":\"" + PASSWORD + "\"}", null).body();
        final String secondAccess = second.path("accessToken").asText();
        assertThat(call("GET", "/v1/auth/me", null, secondAccess).status()).isEqualTo(200);
        final Reply logout = call("POST", "/v1/auth/logout",
                                  "{\"refreshToken\":\"" + second.path("refreshToken").asText() + "\"}", secondAccess);
        assertThat(logout.status()).isEqualTo(200);
        Poll.until(() -> assertError(call("GET", "/v1/auth/me", null, secondAccess), 401, "TOKEN_REVOKED"));
        final StatusRuntimeException direct = org.assertj.core.api.Assertions.catchThrowableOfType(
                StatusRuntimeException.class, () -> grpc(mesh.port("auth"), secondAccess).getMe(GetMeRequest.getDefaultInstance()));
        assertThat(direct.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    }

    @Test
    void theSameApiOverGrpcThroughTheGateway() {
        final String username = newUsername();
        final AuthServiceBlockingStub viaGateway = grpc(mesh.port("gateway"), null);
        viaGateway.register(RegisterRequest.newBuilder().setUsername(username).setEmail(username + "@example.com")
                                           .setPassword(PASSWORD).build());
        final String token = viaGateway.login(LoginRequest.newBuilder().setUsername(username).setPassword(PASSWORD).build())
                                       .getToken().getAccessToken();
        assertThat(grpc(mesh.port("gateway"), token).getMe(GetMeRequest.getDefaultInstance()).getAccount().getUsername())
                .isEqualTo(username);
    }

    @Test
    void badInputGetsTheRightStatusAndAClearBody() throws Exception {
        assertError(call("POST", "/v1/auth/register", "{\"username\": \"abc\",", null), 400, "INVALID_ARGUMENT");
        assertError(call("POST", "/v1/auth/register",
                         "{\"username\":\"abcdef\",\"email\":\"a@example.com\",\"password\":\"long enough pw\",\"isAdmin\":true}",
                         null), 400, "INVALID_ARGUMENT");

        final Reply badEmail = call("POST", "/v1/auth/register", credentials("validname", PASSWORD)
                .replace("validname@example.com", "not-an-email"), null);
        assertError(badEmail, 400, "INVALID_ARGUMENT");
        assertThat(badEmail.raw().body()).contains("email");

        final Reply shortPassword = call("POST", "/v1/auth/register", credentials(newUsername(), "short"), null);
        assertError(shortPassword, 400, "INVALID_ARGUMENT");
        assertThat(shortPassword.body().path("details").toString()).contains("password");

        assertError(call("GET", "/v1/auth/me", null, null), 401, "TOKEN_MISSING");
        assertError(call("GET", "/v1/auth/me", null, "not.a.jwt"), 401, "TOKEN_INVALID");
        assertError(call("GET", "/v1/no/such/route", null, null), 404, "NOT_FOUND");
    }

    @Test
    void forgedAndAlgNoneTokensAreRefused() throws Exception {
        final String kid = call("GET", "/.well-known/jwks.json", null, null).body().path("keys").get(0).path("kid").asText();
        final var generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        final var attacker = generator.generateKeyPair();
        final String forged = JWT.create().withKeyId(kid).withIssuer("sextant-auth").withSubject(UUID.randomUUID().toString())
                                 .withJWTId(UUID.randomUUID().toString()).withIssuedAt(Instant.now())
                                 .withExpiresAt(Instant.now().plusSeconds(600))
                                 .sign(Algorithm.RSA256((RSAPublicKey) attacker.getPublic(), (RSAPrivateKey) attacker.getPrivate()));
        assertError(call("GET", "/v1/auth/me", null, forged), 401, "TOKEN_INVALID");

        final Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        final String none = b64.encodeToString(("{\"alg\":\"none\",\"kid\":\"" + kid + "\"}").getBytes(StandardCharsets.UTF_8)) + "."
                            + b64.encodeToString(("{\"iss\":\"sextant-auth\",\"sub\":\"x\",\"jti\":\"y\",\"iat\":1,\"exp\":"
                                                  + (Instant.now().getEpochSecond() + 600) + "}").getBytes(StandardCharsets.UTF_8)) + ".";
        assertError(call("GET", "/v1/auth/me", null, none), 401, "TOKEN_INVALID");
    }

    @Test
    void anExpiredTokenIsRefused() throws Exception {
        final String access = registerAndLogin(newUsername()).path("accessToken").asText();
        assertThat(call("GET", "/v1/auth/me", null, access).status()).isEqualTo(200);
        // ACCESS_TOKEN_TTL=10s here, and verifiers allow 5 s of clock skew
        Thread.sleep(16_000);
        assertError(call("GET", "/v1/auth/me", null, access), 401, "TOKEN_EXPIRED");
    }

    @Test
    void onlyTheGatewayIsReachableFromOtherMachines() {
        final List<InetAddress> others = TestServers.nonLoopbackAddresses();
        assumeThat(others).as("this machine has an address other than loopback").isNotEmpty();
        assertThat(TestServers.accepts(others.get(0), mesh.port("gateway"))).as("the gateway is the public door").isTrue();
        // the backends running now (another test may have stopped one)
        final Map<String, Integer> backends = new java.util.HashMap<>(mesh.ports());
        backends.remove("gateway");
        assertThat(backends).isNotEmpty();
        backends.forEach((backend, port) -> {
            assertThat(TestServers.accepts(InetAddress.getLoopbackAddress(), port)).as(backend).isTrue();
            for (InetAddress other : others) {
                assertThat(TestServers.accepts(other, port)).as("%s reachable on %s", backend, other).isFalse();
            }
        });
    }

    @Test
    void theLocalAdministratorCanLogInWithTheGeneratedPassword() throws Exception {
        final LocalMesh.AdminLogin admin = mesh.admin();
        assertThat(admin.username()).isEqualTo("admin");
        assertThat(admin.email()).isEqualTo("admin@sextant.local");
        final java.util.Properties secrets = new java.util.Properties();
        try (var in = java.nio.file.Files.newInputStream(data.resolve("secrets.properties"))) {
            secrets.load(in);
        }
        assertThat(secrets.getProperty("BOOTSTRAP_ADMIN_PASSWORD")).isEqualTo(admin.password()).hasSizeGreaterThan(20);
        final Reply login = call("POST", "/v1/auth/login", "{\"username\":\"admin\",\"password\":\""
                                                           + admin.password() + "\"}", null);
        assertThat(login.status()).as(login.body().toString()).isEqualTo(200);
        assertThat(login.body().path("accessToken").asText()).isNotEmpty();
        assertThat(SextantUp.banner(mesh, data, 1)).contains("admin").contains(admin.password());
    }

    @Test
    void jwksIsPublishedThroughTheGateway() throws Exception {
        final Reply jwks = call("GET", "/.well-known/jwks.json", null, null);
        assertThat(jwks.status()).isEqualTo(200);
        assertThat(jwks.body().path("keys").get(0).path("kty").asText()).isEqualTo("RSA");
        assertThat(jwks.body().path("keys").get(0).path("n").asText()).isNotEmpty();
    }

    @Test
    void unbuiltRoutesSaySoWith501() throws Exception {
        final String token = registerAndLogin(newUsername()).path("accessToken").asText();
        assertError(call("GET", "/v1/alerts", null, token), 501, "NOT_BUILT_YET");
        // without a token the gateway refuses before the call goes anywhere
        assertError(call("GET", "/v1/alerts", null, null), 401, "TOKEN_MISSING");
    }

    @Test
    void notificationTemplatesNeedTheirPermission() throws Exception {
        final String token = registerAndLogin(newUsername()).path("accessToken").asText();
        // the notification service is built: a plain user lacks notifications.send
        assertError(call("GET", "/v1/templates", null, token), 403, "PERMISSION_DENIED");
        assertError(call("GET", "/v1/templates", null, null), 401, "TOKEN_MISSING");
    }

    @Test
    void aServiceThatIsDownIsUnhealthyAndItsRoutesAnswer503() throws Exception {
        final Reply before = call("GET", "/health", null, null);
        assertThat(before.body().path("gateway").asText()).isEqualTo("ok");
        assertThat(before.body().path("services").path("auth").asText()).isEqualTo("healthy");

        mesh.stop("monitoring");
        final Reply after = call("GET", "/health", null, null);
        assertThat(after.body().path("services").path("monitoring").asText()).isEqualTo("unhealthy");
        assertThat(after.body().path("status").asText()).isEqualTo("degraded");
        final String token = registerAndLogin(newUsername()).path("accessToken").asText();
        assertError(call("GET", "/v1/alerts", null, token), 503, "BACKEND_UNAVAILABLE");
    }

    private static String adminToken() throws Exception {
        final LocalMesh.AdminLogin admin = mesh.admin();
        final Reply login = call("POST", "/v1/auth/login",
                                 "{\"username\":\"" + admin.username() + "\",\"password\":\"" + admin.password() + "\"}", null);
        assertThat(login.status()).isEqualTo(200);
        return login.body().path("accessToken").asText();
    }

    @Test
    void aRegistrationGetsItsProfileAndARoleChangeShowsInTheNextRefresh() throws Exception {
        final String username = newUsername();
        final JsonNode tokens = registerAndLogin(username);
        final String access = tokens.path("accessToken").asText();

        // the profile arrives through auth's outbox
        Poll.until(() -> {
            final Reply me = call("GET", "/v1/users/me", null, access);
            assertThat(me.status()).as(me.raw().body()).isEqualTo(200);
            assertThat(me.body().path("username").asText()).isEqualTo(username);
        });
        final String userName = call("GET", "/v1/users/me", null, access).body().path("name").asText();

        // a plain user may not list users; the administrator may, and grants a role
        assertError(call("GET", "/v1/users?page_size=5", null, access), 403, "PERMISSION_DENIED");
        final String admin = adminToken();
        final Reply listed = call("GET", "/v1/users?page_size=5&filter=" + java.net.URLEncoder.encode(
                "email_domain = \"example.com\"", StandardCharsets.UTF_8), null, admin);
        assertThat(listed.status()).as(listed.raw().body()).isEqualTo(200);
        assertThat(listed.body().path("users").size()).isPositive();

        call("POST", "/v1/roles?role_id=auditor",
             "{\"description\":\"reads users\",\"permissions\":[\"users.read\"]}", admin);
        final Reply granted = call("POST", "/v1/" + userName + "/roles", "{\"role\":\"roles/auditor\"}", admin);
        assertThat(granted.status()).as(granted.raw().body()).isEqualTo(200);

        final Reply refreshed = call("POST", "/v1/auth/refresh",
                                     "{\"refreshToken\":\"" + tokens.path("refreshToken").asText() + "\"}", null);
        final String newAccess = refreshed.body().path("accessToken").asText();
        final Reply validated = call("GET", "/v1/auth/validate", null, newAccess);
        assertThat(validated.body().path("roles").toString()).contains("auditor");
        assertThat(validated.body().path("permissions").toString()).contains("users.read");
        assertThat(call("GET", "/v1/users?page_size=5", null, newAccess).status()).isEqualTo(200);
    }

    private static JsonNode refresh(JsonNode tokens) throws Exception {
        final Reply refreshed = call("POST", "/v1/auth/refresh",
                                     "{\"refreshToken\":\"" + tokens.path("refreshToken").asText() + "\"}", null);
        assertThat(refreshed.status()).as(refreshed.raw().body()).isEqualTo(200);
        return refreshed.body();
    }

    private static Reply exchange(String apiKey) throws Exception {
        return call("POST", "/v1/auth/token", "{\"apiKey\":\"" + apiKey + "\"}", null);
    }

    /**
     * Notification resolves users/{id} as itself (services/notification, with the secret local/
     * generated and wired into auth's SERVICE_ACCOUNTS): a sender that may send but not read users
     * reaches a user by name, and the local secrets file stays the owner's alone.
     */
    @Test
    void aSenderWithOnlyNotificationsSendReachesAUserByNameAsTheNotificationServiceLooksItUp() throws Exception {
        final String username = newUsername();
        final String access = registerAndLogin(username).path("accessToken").asText();
        Poll.until(() -> assertThat(call("GET", "/v1/users/me", null, access).status()).isEqualTo(200));
        final String recipient = call("GET", "/v1/users/me", null, access).body().path("name").asText();
        final Reply created = call("POST", "/v1/auth/api-keys",
                                   "{\"displayName\":\"sender\",\"scopes\":[\"notifications.send\"]}", adminToken());
        assertThat(created.status()).as(created.raw().body()).isEqualTo(200);
        final String sender = exchange(created.body().path("apiKey").path("key").asText()).body().path("accessToken").asText();
        assertError(call("GET", "/v1/" + recipient, null, sender), 403, "PERMISSION_DENIED");

        final String subject = "For " + username;
        final Reply sent = call("POST", "/v1/notifications:send", "{\"channel\":\"CHANNEL_EMAIL\",\"recipient\":\""
                                + recipient + "\",\"subject\":\"" + subject + "\",\"body\":\"Hello.\"}", sender);
        assertThat(sent.status()).as(sent.raw().body()).isEqualTo(200);

        final String address = username + "@example.com";
        Poll.until(() -> {
            final Path mail;
            try (var files = Files.list(mesh.mailDirectory().orElseThrow())) {
                mail = files.filter(p -> p.getFileName().toString().endsWith("-" + address + ".eml"))
                            .filter(p -> {
                                try {
                                    return Files.readString(p).contains(subject);
                                } catch (java.io.IOException e) {
                                    return false;
                                }
                            }).findFirst().orElseThrow();
            }
            assertThat(mail).exists();
        });
        assertThat(Files.getPosixFilePermissions(data.resolve("secrets.properties")))
                .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                                           java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
        final Properties secrets = new Properties();
        try (var in = Files.newInputStream(data.resolve("secrets.properties"))) {
            secrets.load(in);
        }
        assertThat(secrets.getProperty("SERVICE_SECRET_NOTIFICATION")).startsWith("sxs_").hasSizeGreaterThan(40);
    }

    /** Issue 8, items 1-3: the ways a probe of the running mesh kept or widened rights it should not have. */
    @Test
    void rightsGoNoFurtherThanTheGrantorsAndEndWhenTakenAway() throws Exception {
        final String admin = adminToken();
        final String suffix = UUID.randomUUID().toString().substring(0, 8);
        assertThat(call("POST", "/v1/roles?role_id=writers" + suffix,
                        "{\"permissions\":[\"users.write\",\"users.read\"]}", admin).status()).isEqualTo(200);
        assertThat(call("POST", "/v1/roles?role_id=managers" + suffix,
                        "{\"permissions\":[\"roles.manage\"]}", admin).status()).isEqualTo(200);
        final String username = newUsername();
        final JsonNode login = registerAndLogin(username);
        Poll.until(() -> assertThat(call("GET", "/v1/users/me", null, login.path("accessToken").asText()).status())
                .isEqualTo(200));
        final String user = call("GET", "/v1/users/me", null, login.path("accessToken").asText()).body().path("name").asText();
        assertThat(call("POST", "/v1/" + user + "/roles", "{\"role\":\"roles/writers" + suffix + "\"}", admin).status())
                .isEqualTo(200);

        // 1. users.write does not lead to roles.manage, * or admin
        final JsonNode writer = refresh(login);
        final String writerAccess = writer.path("accessToken").asText();
        for (String role : List.of("roles/managers" + suffix, "roles/admin")) {
            assertError(call("POST", "/v1/" + user + "/roles", "{\"role\":\"" + role + "\"}", writerAccess),
                        403, "ROLE_EXCEEDS_CALLER");
        }
        assertThat(call("GET", "/v1/auth/validate", null, writerAccess).body().path("permissions").toString())
                .doesNotContain("roles.manage").doesNotContain("*");

        // 2 and 3. a key made while holding users.read; the role is taken away: the access token ends
        // within a second, the next refresh and exchange carry what is left
        final Reply created = call("POST", "/v1/auth/api-keys", "{\"displayName\":\"k\",\"scopes\":[\"users.read\"]}",
                                   writerAccess);
        assertThat(created.status()).as(created.raw().body()).isEqualTo(200);
        final String key = created.body().path("apiKey").path("key").asText();
        final String service = exchange(key).body().path("accessToken").asText();
        assertThat(call("GET", "/v1/users?page_size=1", null, service).status()).isEqualTo(200);
        assertThat(call("DELETE", "/v1/" + user + "/roles/writers" + suffix, null, admin).status()).isEqualTo(200);
        Poll.until(Duration.ofSeconds(2), () -> {
            assertError(call("GET", "/v1/users?page_size=1", null, writerAccess), 401, "TOKEN_REVOKED");
            assertError(call("GET", "/v1/users?page_size=1", null, service), 401, "TOKEN_REVOKED");
        });
        final JsonNode demoted = refresh(writer);
        assertError(call("GET", "/v1/users?page_size=1", null, demoted.path("accessToken").asText()), 403, "PERMISSION_DENIED");
        final Reply reexchanged = exchange(key);
        assertThat(reexchanged.status()).isEqualTo(200);
        assertError(call("GET", "/v1/users?page_size=1", null, reexchanged.body().path("accessToken").asText()),
                    403, "PERMISSION_DENIED");

        // 3. deactivation ends the access token, the session and the key within a second
        final String demotedAccess = demoted.path("accessToken").asText();
        assertThat(call("PATCH", "/v1/" + user + "?update_mask=active", "{\"active\":false}", admin).status())
                .isEqualTo(200);
        Poll.until(Duration.ofSeconds(2), () -> assertError(call("GET", "/v1/users/me", null, demotedAccess), 401,
                                                            "TOKEN_REVOKED"));
        assertError(exchange(key), 401, "API_KEY_INVALID");
        assertError(call("POST", "/v1/auth/refresh", "{\"refreshToken\":\"" + demoted.path("refreshToken").asText() + "\"}",
                         null), 401, "REFRESH_TOKEN_INVALID");
        final String credentials = "{\"username\":\"" + username + "\",\"password\":\"" + PASSWORD + "\"}";
        assertError(call("POST", "/v1/auth/login", credentials, null), 401, "INVALID_CREDENTIALS");
        // reactivated: login again, the key stays revoked
        assertThat(call("PATCH", "/v1/" + user + "?update_mask=active", "{\"active\":true}", admin).status()).isEqualTo(200);
        assertThat(call("POST", "/v1/auth/login", credentials, null).status()).isEqualTo(200);
        assertError(exchange(key), 401, "API_KEY_INVALID");
    }

    @Test
    void aRegistrationWhileUsersIsDownGetsItsProfileWhenUsersIsBack() throws Exception {
        final String username = newUsername();
        mesh.stop("users");
        final java.util.concurrent.atomic.AtomicReference<JsonNode> tokens = new java.util.concurrent.atomic.AtomicReference<>();
        try {
            // auth takes the registration and the login on its own (least privilege while users is away)
            tokens.set(registerAndLogin(username));
            assertError(call("GET", "/v1/users/me", null, tokens.get().path("accessToken").asText()), 503,
                        "BACKEND_UNAVAILABLE");
            // let auth's outbox try and fail at least once
            Thread.sleep(1500);
        } finally {
            mesh.restart("users");
        }
        // the outbox retries with a doubling backoff, which may outlast this mesh's 10 s access tokens:
        // the client refreshes, as a real one would
        Poll.until(Duration.ofSeconds(60), () -> {
            Reply me = call("GET", "/v1/users/me", null, tokens.get().path("accessToken").asText());
            if (me.status() == 401 && me.body().path("error").asText().equals("TOKEN_EXPIRED")) {
                tokens.set(refresh(tokens.get()));
                me = call("GET", "/v1/users/me", null, tokens.get().path("accessToken").asText());
            }
            assertThat(me.status()).as(me.raw().body()).isEqualTo(200);
            assertThat(me.body().path("username").asText()).isEqualTo(username);
            assertThat(me.body().path("roles").toString()).contains("roles/user");
        });
    }

    /**
     * The verified-token caches (the gateway's, auth's, users') do not delay a revocation: a token
     * used through the gateway (so each of them has verified and remembered it) is refused within
     * the second the README promises after logout, through the gateway and straight at auth and
     * at users.
     */
    @Test
    void aLoggedOutTokenIsRefusedEverywhereWithinASecondThoughEveryVerifierHadCachedIt() throws Exception {
        final JsonNode login = registerAndLogin(newUsername());
        final String access = login.path("accessToken").asText();
        final AuthServiceBlockingStub auth = grpc(mesh.port("auth"), access);
        final UsersServiceBlockingStub users = GrpcClients.builder("http://127.0.0.1:" + mesh.port("users"))
                                                          .responseTimeout(Duration.ofSeconds(10))
                                                          .addHeader("authorization", "Bearer " + access)
                                                          .build(UsersServiceBlockingStub.class);
        // the profile is provisioned a moment after the registration
        Poll.until(() -> assertThat(call("GET", "/v1/users/me", null, access).status()).isEqualTo(200));
        // verified, and remembered, by the gateway and by auth, then by the gateway and by users; twice each
        for (int i = 0; i < 2; i++) {
            assertThat(call("GET", "/v1/auth/validate", null, access).status()).isEqualTo(200);
            assertThat(call("GET", "/v1/users/me", null, access).status()).isEqualTo(200);
            auth.validateToken(ValidateTokenRequest.getDefaultInstance());
            users.getMyProfile(GetMyProfileRequest.getDefaultInstance());
        }

        final Reply logout = call("POST", "/v1/auth/logout",
                                  "{\"refreshToken\":\"" + login.path("refreshToken").asText() + "\"}", access);
        assertThat(logout.status()).isEqualTo(200);
        Poll.until(Duration.ofSeconds(1), () -> {
            assertError(call("GET", "/v1/auth/validate", null, access), 401, "TOKEN_REVOKED");
            assertError(call("GET", "/v1/users/me", null, access), 401, "TOKEN_REVOKED");
            assertThat(org.assertj.core.api.Assertions.catchThrowableOfType(StatusRuntimeException.class,
                    () -> auth.validateToken(ValidateTokenRequest.getDefaultInstance())).getStatus().getCode())
                    .isEqualTo(Status.Code.UNAUTHENTICATED);
            assertThat(org.assertj.core.api.Assertions.catchThrowableOfType(StatusRuntimeException.class,
                    () -> users.getMyProfile(GetMyProfileRequest.getDefaultInstance())).getStatus().getCode())
                    .isEqualTo(Status.Code.UNAUTHENTICATED);
        });
    }
}
