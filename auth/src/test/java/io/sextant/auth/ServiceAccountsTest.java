package io.sextant.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.sextant.platform.config.ConfigException;
import io.sextant.platform.config.Env;

class ServiceAccountsTest {

    private static final String SECRET = "sxs_a-secret-that-is-long-enough-000000";
    private static final String HASH = sha256(SECRET);

    /** The hash auth keeps of a service's secret, in hex as the settings give it. */
    static String sha256(String secret) {
        return java.util.HexFormat.of().formatHex(Secrets.hash(secret));
    }

    private static ServiceAccounts read(Map<String, String> values) {
        final Env env = Env.of(values);
        final ServiceAccounts accounts = ServiceAccounts.read(env);
        env.check();
        return accounts;
    }

    private static ConfigException failure(Map<String, String> values) {
        try {
            read(values);
        } catch (ConfigException e) {
            return e;
        }
        throw new AssertionError("accepted: " + values);
    }

    @Test
    void accountsAreFoundByTheHashOfTheirSecretAndNoneIsDeclaredByDefault() {
        assertThat(read(Map.of()).accounts()).isEmpty();
        final ServiceAccounts accounts = read(Map.of(
                "SERVICE_ACCOUNTS", "notification, alert-relay",
                "SERVICE_ACCOUNT_NOTIFICATION_SECRET_SHA256", HASH.toUpperCase(),
                "SERVICE_ACCOUNT_NOTIFICATION_PERMISSIONS", "users.read",
                "SERVICE_ACCOUNT_ALERT_RELAY_SECRET_SHA256", sha256(SECRET + "2"),
                "SERVICE_ACCOUNT_ALERT_RELAY_PERMISSIONS", "notifications.send, users.read"));

        assertThat(accounts.find(Secrets.hash(SECRET))).get().satisfies(a -> {
            assertThat(a.subject()).isEqualTo("services/notification");
            assertThat(a.permissions()).containsExactly("users.read");
        });
        assertThat(accounts.find(Secrets.hash(SECRET + "2")).get().permissions())
                .containsExactly("notifications.send", "users.read");
        assertThat(accounts.find(Secrets.hash(SECRET + "3"))).isEmpty();
        assertThat(accounts.toString()).doesNotContain(HASH);
    }

    @Test
    void everyWrongSettingIsAStartUpErrorNamingIt() {
        final Map<String, String> values = new HashMap<>(Map.of(
                "SERVICE_ACCOUNTS", "notification,auth,Bad_Name,monitoring,storage,storage",
                "SERVICE_ACCOUNT_NOTIFICATION_SECRET_SHA256", SECRET,
                "SERVICE_ACCOUNT_NOTIFICATION_PERMISSIONS", "users.read",
                "SERVICE_ACCOUNT_MONITORING_SECRET_SHA256", HASH,
                "SERVICE_ACCOUNT_MONITORING_PERMISSIONS", "*",
                "SERVICE_ACCOUNT_STORAGE_SECRET_SHA256", HASH));

        assertThat(failure(values).problems()).containsExactlyInAnyOrder(
                "SERVICE_ACCOUNTS lists 'auth', which signs its own service token and needs no account",
                "SERVICE_ACCOUNTS has 'Bad_Name', which is not a service name (1-32 lower-case letters, digits and '-',"
                + " starting with a letter)",
                "SERVICE_ACCOUNTS lists 'storage' twice",
                "SERVICE_ACCOUNT_NOTIFICATION_SECRET_SHA256 must be a SHA-256 in hex: 64 characters 0-9 and a-f (the hash"
                + " of the secret, never the secret itself)",
                "SERVICE_ACCOUNT_MONITORING_PERMISSIONS has '*', which is not a permission such as users.read",
                "SERVICE_ACCOUNT_STORAGE_SECRET_SHA256 repeats a secret hash already given (each service has a secret of"
                + " its own)",
                "SERVICE_ACCOUNT_STORAGE_PERMISSIONS is not set: the permissions of the tokens of the service account"
                + " 'storage', comma-separated (e.g. users.read)");
        // a secret pasted where its hash belongs is not echoed back
        assertThat(failure(values).getMessage()).doesNotContain(SECRET);
    }

    @Test
    void theSettingsAreReadWithAuthsOthers() {
        assertThatThrownBy(() -> AuthConfig.read(Env.of(Map.of(
                "AUTH_KEY_ENCRYPTION_KEY", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
                "SERVICE_ACCOUNTS", "notification"))))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactly(
                        "SERVICE_ACCOUNT_NOTIFICATION_SECRET_SHA256 is not set: the SHA-256 (hex) of the secret of the"
                        + " service account 'notification' (printf %s \"$SECRET\" | sha256sum)",
                        "SERVICE_ACCOUNT_NOTIFICATION_PERMISSIONS is not set: the permissions of the tokens of the"
                        + " service account 'notification', comma-separated (e.g. users.read)"));
    }
}
