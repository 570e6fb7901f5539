package io.sextant.notification.channel;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

import io.sextant.platform.config.Env;

/**
 * The delivery providers' settings, read from the environment. Each channel lists its providers, in the
 * order they are tried, and each provider's settings are prefixed with the channel and its name, upper-cased
 * with '-' as '_': {@code SMS_PROVIDERS=twilio,backup} reads {@code SMS_TWILIO_*} and {@code SMS_BACKUP_*}.
 * A provider's kind is {@code <CHANNEL>_<NAME>_KIND}, by default its name without trailing digits
 * ({@code twilio2} is a twilio; {@code backup} needs {@code SMS_BACKUP_KIND=twilio}). A channel without
 * providers is off. Secrets are never quoted in a problem.
 *
 * <table>
 *   <tr><td>SMS_PROVIDERS</td><td>SMS providers, in order (kind {@code twilio}); unset: no SMS</td></tr>
 *   <tr><td>SMS_&lt;NAME&gt;_ACCOUNT_SID, SMS_&lt;NAME&gt;_AUTH_TOKEN</td><td>required: the Twilio account and its
 *       auth token (or, with SMS_&lt;NAME&gt;_API_KEY_SID, that API key's secret)</td></tr>
 *   <tr><td>SMS_&lt;NAME&gt;_FROM or SMS_&lt;NAME&gt;_MESSAGING_SERVICE_SID</td><td>one of them: the sender</td></tr>
 *   <tr><td>SMS_&lt;NAME&gt;_BASE_URL</td><td>default https://api.twilio.com</td></tr>
 *   <tr><td>PUSH_PROVIDERS</td><td>push providers, in order (kind {@code fcm}); unset: no push</td></tr>
 *   <tr><td>PUSH_&lt;NAME&gt;_CREDENTIALS_FILE</td><td>required: a service account's JSON key</td></tr>
 *   <tr><td>PUSH_&lt;NAME&gt;_PROJECT_ID</td><td>default the key's project_id</td></tr>
 *   <tr><td>PUSH_&lt;NAME&gt;_BASE_URL, PUSH_&lt;NAME&gt;_TOKEN_URL</td><td>default https://fcm.googleapis.com and
 *       the key's token_uri</td></tr>
 *   <tr><td>WEBHOOK_SIGNING_SECRET</td><td>{@code whsec_<base64>}, two separated by a space while rotating;
 *       unset: no webhooks</td></tr>
 *   <tr><td>WEBHOOK_ALLOW_HTTP</td><td>default false</td></tr>
 *   <tr><td>WEBHOOK_ALLOW_PRIVATE_ADDRESSES</td><td>default false; true, or networks ({@code 127.0.0.0/8,::1})</td></tr>
 *   <tr><td>SMS_, PUSH_, WEBHOOK_CONNECT_TIMEOUT / _TIMEOUT</td><td>default 5s / 10s</td></tr>
 *   <tr><td>PROVIDER_COOLDOWN, PROVIDER_COOLDOWN_MAX</td><td>default 30s, 10m</td></tr>
 * </table>
 *
 * @param webhook null when the webhook channel is off
 */
public record ProvidersConfig(List<TwilioSmsProvider.Settings> sms, List<FcmPushProvider.Settings> push,
                              WebhookProvider.Settings webhook, ProviderChain.Cooldown cooldown) {

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_-]{0,31}");
    private static final Pattern SID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Duration MIN_TIMEOUT = Duration.ofMillis(100);

    public ProvidersConfig {
        sms = List.copyOf(sms);
        push = List.copyOf(push);
    }

    /** Reads the settings, recording each wrong one in the Env; the caller calls {@link Env#check()}. */
    public static ProvidersConfig read(Env env) {
        return new ProvidersConfig(readSms(env), readPush(env), readWebhook(env), readCooldown(env));
    }

    private static ProviderChain.Cooldown readCooldown(Env env) {
        final Duration initial = env.duration("PROVIDER_COOLDOWN", ProviderChain.Cooldown.DEFAULT.initial());
        final Duration max = env.duration("PROVIDER_COOLDOWN_MAX", ProviderChain.Cooldown.DEFAULT.max());
        if (initial.compareTo(Duration.ofSeconds(1)) < 0) {
            env.problem("PROVIDER_COOLDOWN", "must be at least 1s");
            return ProviderChain.Cooldown.DEFAULT;
        }
        if (max.compareTo(initial) < 0) {
            env.problem("PROVIDER_COOLDOWN_MAX", "must not be shorter than PROVIDER_COOLDOWN (" + initial + ")");
            return ProviderChain.Cooldown.DEFAULT;
        }
        return new ProviderChain.Cooldown(initial, max);
    }

    private static List<TwilioSmsProvider.Settings> readSms(Env env) {
        final List<String> names = names(env, "SMS");
        final List<TwilioSmsProvider.Settings> providers = new ArrayList<>();
        if (names.isEmpty()) {
            return providers;
        }
        final HttpTimeouts timeouts = timeouts(env, "SMS");
        for (String name : names) {
            final String prefix = "SMS_" + key(name) + "_";
            if (!kind(env, prefix, name, TwilioSmsProvider.KIND)) {
                continue;
            }
            boolean ok = true;
            final String sid = env.required(prefix + "ACCOUNT_SID", "the Twilio account SID (AC...) of SMS provider "
                                                                    + name);
            if (!sid.isEmpty() && !SID.matcher(sid).matches()) {
                env.problem(prefix + "ACCOUNT_SID", "must be letters, digits, '_' or '-' (AC followed by 32 hex digits)");
                ok = false;
            }
            final String token = env.required(prefix + "AUTH_TOKEN", "the auth token (or API key secret) of SMS"
                                                                     + " provider " + name);
            final String apiKey = env.raw(prefix + "API_KEY_SID");
            if (apiKey != null && !SID.matcher(apiKey).matches()) {
                env.problem(prefix + "API_KEY_SID", "must be letters, digits, '_' or '-' (SK followed by 32 hex digits)");
                ok = false;
            }
            final String from = env.raw(prefix + "FROM");
            final String service = env.raw(prefix + "MESSAGING_SERVICE_SID");
            if ((from == null) == (service == null)) {
                env.problem(prefix + "FROM", (from == null ? "or " + prefix + "MESSAGING_SERVICE_SID must be set"
                                                           : "and " + prefix + "MESSAGING_SERVICE_SID are both set")
                                             + ": exactly one says who sends (a number or sender id, or a"
                                             + " messaging service)");
                ok = false;
            }
            final URI base = url(env, prefix + "BASE_URL", TwilioSmsProvider.DEFAULT_BASE_URL);
            if (ok && base != null && !sid.isEmpty() && !token.isEmpty()) {
                providers.add(new TwilioSmsProvider.Settings(name, base, sid, apiKey, token, from, service, timeouts));
            }
        }
        return providers;
    }

    private static List<FcmPushProvider.Settings> readPush(Env env) {
        final List<String> names = names(env, "PUSH");
        final List<FcmPushProvider.Settings> providers = new ArrayList<>();
        if (names.isEmpty()) {
            return providers;
        }
        final HttpTimeouts timeouts = timeouts(env, "PUSH");
        for (String name : names) {
            final String prefix = "PUSH_" + key(name) + "_";
            if (!kind(env, prefix, name, FcmPushProvider.KIND)) {
                continue;
            }
            final String file = env.required(prefix + "CREDENTIALS_FILE",
                                             "the path of the Google service account's JSON key of push provider "
                                             + name);
            final URI base = url(env, prefix + "BASE_URL", FcmPushProvider.DEFAULT_BASE_URL);
            if (file.isEmpty()) {
                continue;
            }
            final GoogleServiceAccount account;
            try {
                account = GoogleServiceAccount.read(Path.of(file));
            } catch (IllegalArgumentException e) { // also InvalidPathException
                env.problem(prefix + "CREDENTIALS_FILE", "('" + file + "') " + e.getMessage());
                continue;
            }
            final String project = env.string(prefix + "PROJECT_ID", account.projectId());
            final URI tokenUrl = url(env, prefix + "TOKEN_URL", account.tokenUri());
            boolean ok = base != null && tokenUrl != null;
            if (project.isEmpty()) {
                env.problem(prefix + "PROJECT_ID", "is not set and the key in " + prefix + "CREDENTIALS_FILE has no"
                                                   + " project_id: set the Firebase project id");
                ok = false;
            } else if (!project.matches("[a-z0-9][a-z0-9:._-]{0,99}")) {
                env.problem(prefix + "PROJECT_ID", "'" + project + "' is not a project id (lower-case letters, digits,"
                                                   + " '-')");
                ok = false;
            }
            if (ok) {
                providers.add(new FcmPushProvider.Settings(name, base, project, account, tokenUrl, timeouts));
            }
        }
        return providers;
    }

    private static WebhookProvider.Settings readWebhook(Env env) {
        final String secretText = env.raw("WEBHOOK_SIGNING_SECRET");
        final HttpTimeouts timeouts = timeouts(env, "WEBHOOK");
        final boolean allowHttp = env.bool("WEBHOOK_ALLOW_HTTP", false);
        AddressPolicy addresses = AddressPolicy.publicOnly();
        try {
            addresses = AddressPolicy.parse(env.raw("WEBHOOK_ALLOW_PRIVATE_ADDRESSES"));
        } catch (IllegalArgumentException e) {
            env.problem("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", "must be true, false or networks such as 127.0.0.0/8,::1: "
                                                           + e.getMessage());
        }
        if (secretText == null) {
            return null;
        }
        final List<byte[]> secrets = new ArrayList<>();
        final String[] parts = secretText.split("[\\s,]+");
        for (int i = 0; i < parts.length; i++) {
            if (parts[i].isEmpty()) {
                continue;
            }
            try {
                secrets.add(WebhookProvider.parseSecret(parts[i]));
            } catch (IllegalArgumentException e) {
                // never quote the secret
                env.problem("WEBHOOK_SIGNING_SECRET", (parts.length > 1 ? "(secret " + (i + 1) + ") " : "")
                                                      + e.getMessage());
            }
        }
        if (secrets.isEmpty() || secrets.size() < parts.length) {
            return null;
        }
        return new WebhookProvider.Settings(secrets, allowHttp, addresses, timeouts);
    }

    /** The names in {@code <CHANNEL>_PROVIDERS}, lower-cased, checked. */
    private static List<String> names(Env env, String channel) {
        final String variable = channel + "_PROVIDERS";
        final String value = env.raw(variable);
        final List<String> names = new ArrayList<>();
        if (value == null) {
            return names;
        }
        final Set<String> keys = new HashSet<>();
        for (String part : value.split(",")) {
            final String name = part.trim().toLowerCase(Locale.ROOT);
            if (name.isEmpty()) {
                continue;
            }
            if (!NAME.matcher(name).matches()) {
                env.problem(variable, "has '" + part.trim() + "', which is not a provider name (a letter, then up to"
                                      + " 31 letters, digits, '-' or '_')");
            } else if (!keys.add(key(name))) {
                env.problem(variable, "names '" + name + "' twice (names that differ only in '-' and '_' share"
                                      + " their settings)");
            } else {
                names.add(name);
            }
        }
        return names;
    }

    /** Whether the provider is of the channel's one kind; records a problem if not. */
    private static boolean kind(Env env, String prefix, String name, String expected) {
        final String configured = env.raw(prefix + "KIND");
        final String kind = configured != null ? configured.toLowerCase(Locale.ROOT) : name.replaceAll("[0-9]+$", "");
        if (kind.equals(expected)) {
            return true;
        }
        if (configured != null) {
            env.problem(prefix + "KIND", "is '" + configured + "'; the kind here is " + expected);
        } else {
            env.problem(prefix + "KIND", "is not set, and '" + name + "' is not a kind: set it to " + expected);
        }
        return false;
    }

    private static String key(String name) {
        return name.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    private static HttpTimeouts timeouts(Env env, String channel) {
        final Duration connect = env.duration(channel + "_CONNECT_TIMEOUT", HttpTimeouts.DEFAULT.connect());
        final Duration response = env.duration(channel + "_TIMEOUT", HttpTimeouts.DEFAULT.response());
        final Duration connectOk = within(env, channel + "_CONNECT_TIMEOUT", connect, Duration.ofMinutes(1),
                                          HttpTimeouts.DEFAULT.connect());
        final Duration responseOk = within(env, channel + "_TIMEOUT", response, Duration.ofMinutes(5),
                                           HttpTimeouts.DEFAULT.response());
        return new HttpTimeouts(connectOk, responseOk);
    }

    private static Duration within(Env env, String variable, Duration value, Duration max, Duration fallback) {
        if (value.compareTo(MIN_TIMEOUT) < 0 || value.compareTo(max) > 0) {
            env.problem(variable, "must be between 100ms and " + max.toMinutes() + "m");
            return fallback;
        }
        return value;
    }

    /** An absolute http(s) URL without query or fragment; null (and a problem) when it is not. */
    private static URI url(Env env, String variable, URI defaultValue) {
        final String text = env.raw(variable);
        if (text == null) {
            return defaultValue;
        }
        try {
            final URI uri = new URI(text);
            final String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null
                && uri.getRawQuery() == null && uri.getRawFragment() == null && uri.getRawUserInfo() == null) {
                return uri;
            }
        } catch (java.net.URISyntaxException e) {
            // reported below
        }
        env.problem(variable, "is '" + text + "', which is not an http(s) URL such as " + defaultValue
                              + " (no query, no user:password@)");
        return null;
    }

    @Override
    public String toString() {
        return "ProvidersConfig[sms=" + sms + ", push=" + push + ", webhook=" + webhook + ", cooldown=" + cooldown + "]";
    }
}
