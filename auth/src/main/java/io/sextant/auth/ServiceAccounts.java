package io.sextant.auth;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import io.sextant.platform.config.Env;

/**
 * The mesh's own services that auth gives a service token with ExchangeApiKey (subject
 * {@code services/<name>}, exactly the permissions declared here), declared in auth's settings as
 * the bootstrap administrator is: an operator's decision that needs no account, no database row and
 * no user step, so that {@code local/} and a Helm chart can wire it at install time. Each service
 * holds its secret (SERVICE_SECRET, {@link io.sextant.platform.identity.ServiceSecret}); auth holds
 * only its SHA-256, as it does for API keys (a high-entropy secret needs no slow hash).
 *
 * <table>
 *   <tr><td>SERVICE_ACCOUNTS</td><td>default none: the services, by name, comma-separated
 *       ({@code notification,monitoring}); a name is 1-32 lower-case letters, digits and '-', starting with a
 *       letter, and not {@code auth} (auth signs its own token)</td></tr>
 *   <tr><td>SERVICE_ACCOUNT_&lt;NAME&gt;_SECRET_SHA256</td><td>required for each: the SHA-256 of the service's
 *       secret in hex ({@code printf %s "$SECRET" | sha256sum}); two separated by a space while rotating.
 *       &lt;NAME&gt; is the name upper-cased with '-' as '_'</td></tr>
 *   <tr><td>SERVICE_ACCOUNT_&lt;NAME&gt;_PERMISSIONS</td><td>required for each: the permissions its tokens carry,
 *       comma-separated ({@code users.read,notifications.send}), 1 to 50</td></tr>
 * </table>
 */
record ServiceAccounts(List<Account> accounts) {

    /** One service: its name, the hashes of the secrets it may present, the permissions of its tokens. */
    record Account(String name, List<byte[]> secretHashes, List<String> permissions) {
        String subject() {
            return io.sextant.platform.identity.ServiceIdentity.SUBJECT_PREFIX + name;
        }

        @Override
        public String toString() {
            return "ServiceAccount[" + name + ", " + permissions + "]";
        }
    }

    static final ServiceAccounts NONE = new ServiceAccounts(List.of());

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,31}");
    /** As an API key's scopes (auth_service.proto, ApiKey.scopes). */
    private static final Pattern PERMISSION = Pattern.compile("^[a-z][a-z0-9_-]*(\\.[a-z0-9_*-]+)+$");
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-fA-F]{64}");
    private static final int MAX_PERMISSIONS = 50;

    ServiceAccounts {
        accounts = List.copyOf(accounts);
    }

    /** Reads the settings, recording each wrong one in the Env; the caller calls {@link Env#check()}. */
    static ServiceAccounts read(Env env) {
        final String list = env.raw("SERVICE_ACCOUNTS");
        if (list == null) {
            return NONE;
        }
        final Set<String> names = new LinkedHashSet<>();
        for (String part : list.split(",", -1)) {
            final String name = part.trim();
            if (!NAME.matcher(name).matches()) {
                env.problem("SERVICE_ACCOUNTS", "has '" + name + "', which is not a service name (1-32 lower-case letters,"
                                                + " digits and '-', starting with a letter)");
            } else if (name.equals("auth")) {
                env.problem("SERVICE_ACCOUNTS", "lists 'auth', which signs its own service token and needs no account");
            } else if (!names.add(name)) {
                env.problem("SERVICE_ACCOUNTS", "lists '" + name + "' twice");
            }
        }
        final List<Account> accounts = new ArrayList<>();
        final List<String> seenHashes = new ArrayList<>();
        for (String name : names) {
            final String prefix = "SERVICE_ACCOUNT_" + name.toUpperCase(Locale.ROOT).replace('-', '_');
            final List<byte[]> hashes = hashes(env, prefix + "_SECRET_SHA256", name, seenHashes);
            final List<String> permissions = permissions(env, prefix + "_PERMISSIONS", name);
            if (hashes != null && permissions != null) {
                accounts.add(new Account(name, hashes, permissions));
            }
        }
        return new ServiceAccounts(accounts);
    }

    private static List<byte[]> hashes(Env env, String setting, String name, List<String> seen) {
        final String value = env.required(setting, "the SHA-256 (hex) of the secret of the service account '" + name
                                                   + "' (printf %s \"$SECRET\" | sha256sum)");
        if (value.isEmpty()) {
            return null;
        }
        final String[] parts = value.split("\\s+");
        if (parts.length > 2) {
            env.problem(setting, "must be one SHA-256 in hex, or two separated by a space while rotating");
            return null;
        }
        final List<byte[]> hashes = new ArrayList<>();
        for (String part : parts) {
            if (!SHA256_HEX.matcher(part).matches()) {
                env.problem(setting, "must be a SHA-256 in hex: 64 characters 0-9 and a-f (the hash of the secret,"
                                     + " never the secret itself)");
                return null;
            }
            final String normalized = part.toLowerCase(Locale.ROOT);
            if (seen.contains(normalized)) {
                env.problem(setting, "repeats a secret hash already given (each service has a secret of its own)");
                return null;
            }
            seen.add(normalized);
            hashes.add(HexFormat.of().parseHex(normalized));
        }
        return hashes;
    }

    private static List<String> permissions(Env env, String setting, String name) {
        final String value = env.required(setting, "the permissions of the tokens of the service account '" + name
                                                   + "', comma-separated (e.g. users.read)");
        if (value.isEmpty()) {
            return null;
        }
        final Set<String> permissions = new LinkedHashSet<>();
        for (String part : value.split(",", -1)) {
            final String permission = part.trim();
            if (permission.length() > 64 || !PERMISSION.matcher(permission).matches()) {
                env.problem(setting, "has '" + permission + "', which is not a permission such as users.read");
                return null;
            }
            permissions.add(permission);
        }
        if (permissions.size() > MAX_PERMISSIONS) {
            env.problem(setting, "lists more than " + MAX_PERMISSIONS + " permissions");
            return null;
        }
        return List.copyOf(permissions);
    }

    /**
     * The account whose secret has this SHA-256, if any; every hash is compared in constant time, so
     * the answer's timing says nothing of which were near.
     */
    Optional<Account> find(byte[] secretHash) {
        Account found = null;
        for (Account account : accounts) {
            for (byte[] hash : account.secretHashes()) {
                if (MessageDigest.isEqual(hash, secretHash) && found == null) {
                    found = account;
                }
            }
        }
        return Optional.ofNullable(found);
    }

    /** The names, for the start-up log. */
    List<String> names() {
        return accounts.stream().map(Account::name).toList();
    }
}
