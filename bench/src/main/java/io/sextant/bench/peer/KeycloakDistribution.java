package io.sextant.bench.peer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Keycloak's server distribution, {@code org.keycloak:keycloak-quarkus-dist} from Maven Central,
 * unpacked in a cache directory. The zip (177 MB) is downloaded only when it is not in the cache
 * already, and kept only if its digest matches the SHA-256 and SHA-1 that Central publishes beside
 * it: a truncated or tampered download must not become the peer the mesh is compared with.
 */
final class KeycloakDistribution {

    static final String VERSION = "26.7.3";

    private static final String ARTIFACT = "keycloak-quarkus-dist-" + VERSION + ".zip";
    private static final URI CENTRAL = URI.create("https://repo.maven.apache.org/maven2/org/keycloak/"
                                                  + "keycloak-quarkus-dist/" + VERSION + "/" + ARTIFACT);
    /** Written last when unpacking, so an unpacking cut short is redone rather than used. */
    private static final String UNPACKED_MARKER = ".sextant-unpacked";

    private KeycloakDistribution() {
    }

    /** The unpacked distribution's home ({@code keycloak-26.7.3/}) in {@code cacheDir}. */
    static Path install(Path cacheDir) throws IOException, InterruptedException {
        Files.createDirectories(cacheDir);
        final Path home = cacheDir.resolve("keycloak-" + VERSION);
        if (Files.exists(home.resolve(UNPACKED_MARKER))) {
            return home;
        }
        final Path zip = cacheDir.resolve(ARTIFACT);
        if (!Files.exists(zip)) {
            download(zip);
        }
        unpack(zip, cacheDir, home);
        return home;
    }

    private static void download(Path zip) throws IOException, InterruptedException {
        final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                                          .connectTimeout(Duration.ofSeconds(30)).build();
        final Optional<String> sha256 = published(http, "sha256");
        final Optional<String> sha1 = published(http, "sha1");
        if (sha256.isEmpty() && sha1.isEmpty()) {
            throw new IOException("Maven Central publishes no SHA-256 or SHA-1 beside " + CENTRAL
                                  + ": refusing to use an unverified download");
        }
        final Path part = zip.resolveSibling(zip.getFileName() + ".part");
        final HttpResponse<Path> response = http.send(HttpRequest.newBuilder(CENTRAL).build(),
                                                      HttpResponse.BodyHandlers.ofFile(part));
        if (response.statusCode() != 200) {
            Files.deleteIfExists(part);
            throw new IOException("GET " + CENTRAL + " answered " + response.statusCode());
        }
        check(part, "SHA-256", sha256);
        check(part, "SHA-1", sha1);
        Files.move(part, zip, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The digest Central publishes in {@code <artifact>.<extension>}: its first word, in hex. */
    private static Optional<String> published(HttpClient http, String extension)
            throws IOException, InterruptedException {
        final URI uri = URI.create(CENTRAL + "." + extension);
        final HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).build(),
                                                        HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200 || response.body().isBlank()) {
            return Optional.empty();
        }
        return Optional.of(response.body().trim().split("\\s+")[0].toLowerCase(Locale.ROOT));
    }

    private static void check(Path file, String algorithm, Optional<String> expected) throws IOException {
        if (expected.isEmpty()) {
            return;
        }
        final String actual = digest(file, algorithm);
        if (!actual.equals(expected.get())) {
            Files.deleteIfExists(file);
            throw new IOException(algorithm + " of the downloaded " + ARTIFACT + " is " + actual
                                  + ", Maven Central publishes " + expected.get() + ": download discarded");
        }
    }

    static String digest(Path file, String algorithm) throws IOException {
        try (DigestInputStream in = new DigestInputStream(Files.newInputStream(file),
                                                          MessageDigest.getInstance(algorithm))) {
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(in.getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is required of every JDK", e);
        }
    }

    /**
     * Unpacks into a scratch directory beside {@code home}, then moves it in place, so {@code home}
     * is either complete or absent. The zip carries no Unix permissions, so the scripts in
     * {@code bin/} are made executable here.
     */
    private static void unpack(Path zip, Path cacheDir, Path home) throws IOException {
        final Path scratch = Files.createTempDirectory(cacheDir, "unpacking-");
        try (ZipFile archive = new ZipFile(zip.toFile())) {
            final Enumeration<? extends ZipEntry> entries = archive.entries();
            while (entries.hasMoreElements()) {
                final ZipEntry entry = entries.nextElement();
                final Path target = scratch.resolve(entry.getName()).normalize();
                if (!target.startsWith(scratch)) {
                    throw new IOException("zip entry outside the distribution: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                    continue;
                }
                Files.createDirectories(target.getParent());
                try (InputStream in = archive.getInputStream(entry)) {
                    Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                }
                if (entry.getName().endsWith(".sh")) {
                    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
                }
            }
            final Path unpacked = scratch.resolve(home.getFileName());
            if (!Files.exists(unpacked.resolve("bin/kc.sh"))) {
                throw new IOException(zip + " holds no " + home.getFileName() + "/bin/kc.sh");
            }
            Files.writeString(unpacked.resolve(UNPACKED_MARKER), ARTIFACT + "\n", StandardCharsets.UTF_8);
            Directories.deleteTree(home);
            Files.move(unpacked, home, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Directories.deleteTree(scratch);
        }
    }
}
