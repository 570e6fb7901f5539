package io.sextant.notification.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.sextant.platform.config.ConfigException;
import io.sextant.platform.config.Env;

/** Reading the providers from the environment: names, kinds, defaults, and every wrong setting named. */
class ProvidersTest {

    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    @TempDir
    Path dir;

    private Path serviceAccountKey(String projectId) throws IOException, NoSuchAlgorithmException {
        final KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        final String pem = "-----BEGIN PRIVATE KEY-----\\n"
                           + Base64.getEncoder().encodeToString(generator.generateKeyPair().getPrivate().getEncoded())
                           + "\\n-----END PRIVATE KEY-----\\n";
        final Path file = dir.resolve("key-" + projectId + ".json");
        Files.writeString(file, "{\"type\":\"service_account\",\"project_id\":\"" + projectId + "\","
                                + "\"private_key_id\":\"k1\",\"private_key\":\"" + pem + "\","
                                + "\"client_email\":\"push@" + projectId + ".iam.gserviceaccount.com\"}");
        return file;
    }

    private static ConfigException configError(Map<String, String> settings) {
        try {
            final Map<String, Provider> providers = Providers.read(Env.of(settings));
            Providers.close(providers);
        } catch (ConfigException e) {
            return e;
        }
        throw new AssertionError("no ConfigException for " + settings.keySet());
    }

    @Test
    void nothingConfiguredIsNoChannel() {
        assertThat(Providers.read(Env.of(Map.of()))).isEmpty();
    }

    @Test
    void everyChannelFromItsSettings() throws Exception {
        final Map<String, String> settings = new HashMap<>();
        settings.put("SMS_PROVIDERS", "twilio,Backup-EU");
        settings.put("SMS_TWILIO_ACCOUNT_SID", "AC1");
        settings.put("SMS_TWILIO_AUTH_TOKEN", "tok-1");
        settings.put("SMS_TWILIO_FROM", "+15550000001");
        settings.put("SMS_BACKUP_EU_KIND", "twilio");
        settings.put("SMS_BACKUP_EU_ACCOUNT_SID", "AC2");
        settings.put("SMS_BACKUP_EU_AUTH_TOKEN", "tok-2");
        settings.put("SMS_BACKUP_EU_MESSAGING_SERVICE_SID", "MG2");
        settings.put("SMS_BACKUP_EU_BASE_URL", "https://sms-gateway.example.eu/twilio/");
        settings.put("PUSH_PROVIDERS", "fcm");
        settings.put("PUSH_FCM_CREDENTIALS_FILE", serviceAccountKey("demo-project").toString());
        settings.put("WEBHOOK_SIGNING_SECRET", SECRET);
        final Env env = Env.of(settings);
        final ProvidersConfig config = ProvidersConfig.read(env);
        env.check();

        assertThat(config.sms()).extracting(TwilioSmsProvider.Settings::name).containsExactly("twilio", "backup-eu");
        assertThat(config.sms().get(0).baseUrl()).isEqualTo(TwilioSmsProvider.DEFAULT_BASE_URL);
        assertThat(config.sms().get(1).baseUrl()).hasToString("https://sms-gateway.example.eu/twilio/");
        assertThat(config.sms().get(0).timeouts()).isEqualTo(HttpTimeouts.DEFAULT);
        assertThat(config.push().get(0).projectId()).isEqualTo("demo-project");
        assertThat(config.push().get(0).tokenUrl()).isEqualTo(GoogleServiceAccount.DEFAULT_TOKEN_URI);
        assertThat(config.webhook().allowHttp()).isFalse();
        assertThat(config.cooldown()).isEqualTo(ProviderChain.Cooldown.DEFAULT);
        assertThat(config.toString()).doesNotContain("tok-1", "tok-2", "MfKQ9r8G", "PRIVATE");

        final Map<String, Provider> providers = Providers.open(config, null);
        try {
            assertThat(providers.keySet()).containsExactly("sms", "push", "webhook");
            assertThat(providers.get("sms").name()).isEqualTo("twilio,backup-eu");
            assertThat(providers.get("push").name()).isEqualTo("fcm");
            assertThat(providers.get("webhook").name()).isEqualTo("webhook");
        } finally {
            Providers.close(providers);
        }
    }

    @Test
    void aProviderWithoutItsSettingsNamesEachMissingOne() {
        final ConfigException e = configError(Map.of("SMS_PROVIDERS", "twilio"));

        assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("SMS_TWILIO_ACCOUNT_SID is not set"))
                                .anySatisfy(p -> assertThat(p).startsWith("SMS_TWILIO_AUTH_TOKEN is not set"))
                                .anySatisfy(p -> assertThat(p).startsWith("SMS_TWILIO_FROM or SMS_TWILIO_MESSAGING_SERVICE_SID"));
    }

    @Test
    void aNameThatIsNoKindNeedsItsKind() {
        final ConfigException e = configError(Map.of("SMS_PROVIDERS", "backup", "PUSH_PROVIDERS", "fcm2",
                                                     "PUSH_FCM2_KIND", "apns"));

        assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("SMS_BACKUP_KIND is not set"))
                                .anySatisfy(p -> assertThat(p).startsWith("PUSH_FCM2_KIND is 'apns'"));
    }

    @Test
    void wrongValuesAreNamedAndSecretsNeverQuoted() throws Exception {
        final Path notAKey = dir.resolve("not-a-key.json");
        Files.writeString(notAKey, "{\"type\":\"authorized_user\"}");
        final Map<String, String> settings = new HashMap<>();
        settings.put("SMS_PROVIDERS", "twilio,twilio");
        settings.put("SMS_TWILIO_ACCOUNT_SID", "AC/../x");
        settings.put("SMS_TWILIO_AUTH_TOKEN", "tok-secret");
        settings.put("SMS_TWILIO_FROM", "+1555");
        settings.put("SMS_TWILIO_MESSAGING_SERVICE_SID", "MG1");
        settings.put("SMS_TWILIO_BASE_URL", "ftp://api.twilio.com");
        settings.put("SMS_TIMEOUT", "0s");
        settings.put("PUSH_PROVIDERS", "fcm");
        settings.put("PUSH_FCM_CREDENTIALS_FILE", notAKey.toString());
        settings.put("WEBHOOK_SIGNING_SECRET", "whsec_c2hvcnQtc2VjcmV0LXZhbHVl");
        settings.put("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", "intranet");
        settings.put("WEBHOOK_ALLOW_HTTP", "perhaps");
        settings.put("PROVIDER_COOLDOWN", "1m");
        settings.put("PROVIDER_COOLDOWN_MAX", "30s");

        final ConfigException e = configError(settings);

        assertThat(e.problems()).extracting(p -> p.split("[ =]")[0])
                                .contains("SMS_PROVIDERS", "SMS_TWILIO_ACCOUNT_SID", "SMS_TWILIO_FROM",
                                          "SMS_TWILIO_BASE_URL", "SMS_TIMEOUT", "PUSH_FCM_CREDENTIALS_FILE",
                                          "WEBHOOK_SIGNING_SECRET", "WEBHOOK_ALLOW_PRIVATE_ADDRESSES",
                                          "WEBHOOK_ALLOW_HTTP", "PROVIDER_COOLDOWN_MAX");
        assertThat(e.getMessage()).doesNotContain("tok-secret", "c2hvcnQtc2VjcmV0LXZhbHVl")
                                  .contains("service_account");
    }

    @Test
    void aKeyWithoutAProjectNeedsTheProjectId() throws Exception {
        final ConfigException e = configError(Map.of(
                "PUSH_PROVIDERS", "fcm", "PUSH_FCM_CREDENTIALS_FILE", serviceAccountKey("").toString()));

        assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("PUSH_FCM_PROJECT_ID is not set"));
    }
}
