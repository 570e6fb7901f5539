package io.sextant.notification.channel;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Objects;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A Google service account's JSON key, as the Cloud console downloads it: what FCM's OAuth2 grant needs.
 *
 * @param clientEmail  the account ({@code ...@project.iam.gserviceaccount.com}): the assertion's issuer
 * @param privateKeyId the key's id: the assertion's {@code kid}
 * @param privateKey   the RSA key the assertion is signed with
 * @param tokenUri     where access tokens are granted ({@code https://oauth2.googleapis.com/token})
 * @param projectId    the project the account belongs to; may be empty
 */
public record GoogleServiceAccount(String clientEmail, String privateKeyId, RSAPrivateKey privateKey, URI tokenUri,
                                   String projectId) {

    public static final URI DEFAULT_TOKEN_URI = URI.create("https://oauth2.googleapis.com/token");

    private static final ObjectMapper JSON = new ObjectMapper();

    public GoogleServiceAccount {
        Objects.requireNonNull(clientEmail, "clientEmail");
        Objects.requireNonNull(privateKey, "privateKey");
        Objects.requireNonNull(tokenUri, "tokenUri");
        privateKeyId = privateKeyId == null ? "" : privateKeyId;
        projectId = projectId == null ? "" : projectId;
    }

    /**
     * Reads a key file.
     *
     * @throws IllegalArgumentException saying what is wrong with it (never quoting the key)
     */
    public static GoogleServiceAccount read(Path file) {
        final JsonNode json;
        try {
            json = JSON.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("is not there");
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("is not JSON");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot be read: " + e.getClass().getSimpleName());
        }
        if (json == null || !json.isObject()) {
            throw new IllegalArgumentException("is not a JSON object");
        }
        final String type = json.path("type").asText("");
        if (!type.equals("service_account")) {
            throw new IllegalArgumentException("is not a service account key (its \"type\" is '" + Details.clip(type)
                                               + "', not 'service_account')");
        }
        final String email = json.path("client_email").asText("");
        if (email.isEmpty()) {
            throw new IllegalArgumentException("has no \"client_email\"");
        }
        final RSAPrivateKey key = privateKey(json.path("private_key").asText(""));
        final String tokenUri = json.path("token_uri").asText("");
        final URI uri;
        try {
            uri = tokenUri.isEmpty() ? DEFAULT_TOKEN_URI : URI.create(tokenUri);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("has a \"token_uri\" that is not a URI");
        }
        return new GoogleServiceAccount(email, json.path("private_key_id").asText(""), key, uri,
                                        json.path("project_id").asText(""));
    }

    /** An RSA private key in PKCS#8 PEM ({@code -----BEGIN PRIVATE KEY-----}). */
    static RSAPrivateKey privateKey(String pem) {
        if (!pem.contains("-----BEGIN PRIVATE KEY-----")) {
            throw new IllegalArgumentException("has no \"private_key\" in PKCS#8 PEM (-----BEGIN PRIVATE KEY-----)");
        }
        final String base64 = pem.replace("-----BEGIN PRIVATE KEY-----", "")
                                 .replace("-----END PRIVATE KEY-----", "")
                                 .replaceAll("\\s", "");
        try {
            final byte[] der = Base64.getDecoder().decode(base64);
            return (RSAPrivateKey) KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (IllegalArgumentException | GeneralSecurityException | ClassCastException e) {
            throw new IllegalArgumentException("has a \"private_key\" that is not an RSA key in PKCS#8 PEM");
        }
    }

    @Override
    public String toString() {
        return "GoogleServiceAccount[" + clientEmail + ", key " + privateKeyId + ", " + tokenUri + ", " + projectId
               + "]";
    }
}
