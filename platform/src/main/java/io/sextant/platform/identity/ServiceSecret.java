package io.sextant.platform.identity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

import io.sextant.platform.config.Env;

/**
 * A service's own secret, which auth exchanges for the service's token ({@link ServiceIdentity}):
 * auth knows it only by its SHA-256 (its SERVICE_ACCOUNT_&lt;NAME&gt;_SECRET_SHA256), as it knows API
 * keys. Read from one of
 *
 * <table>
 *   <tr><td>SERVICE_SECRET</td><td>the secret itself: 32 to 512 printable characters without spaces
 *       (e.g. {@code openssl rand -base64 32})</td></tr>
 *   <tr><td>SERVICE_SECRET_FILE</td><td>a file holding it (a Kubernetes Secret mounted as a file); a
 *       trailing line break is ignored</td></tr>
 * </table>
 *
 * The value is never printed, not even in a start-up error.
 */
public final class ServiceSecret {

    public static final String SETTING = "SERVICE_SECRET";
    public static final String FILE_SETTING = "SERVICE_SECRET_FILE";
    /** 32 characters of base64 are 192 bits: no secret a person chose, and nothing to brute-force. */
    public static final int MIN_LENGTH = 32;
    /** What ExchangeApiKey accepts. */
    public static final int MAX_LENGTH = 512;

    private static final Pattern PRINTABLE = Pattern.compile("[\\x21-\\x7e]+");

    private final String value;

    private ServiceSecret(String value) {
        this.value = value;
    }

    /**
     * The secret of {@code service} from SERVICE_SECRET or SERVICE_SECRET_FILE; a missing, short or
     * malformed one is a problem recorded in {@code env} (the caller calls {@link Env#check()}), and
     * then the result is null.
     */
    public static ServiceSecret read(Env env, String service) {
        final String inline = env.raw(SETTING);
        final String file = env.raw(FILE_SETTING);
        if (inline != null && file != null) {
            env.problem(SETTING, "and " + FILE_SETTING + " are both set: set one of them");
            return null;
        }
        if (inline == null && file == null) {
            env.problem(SETTING, "is not set (nor " + FILE_SETTING + "): the " + service + " service's own secret, which"
                                 + " auth exchanges for its service token; auth's SERVICE_ACCOUNTS must list '" + service
                                 + "' with the secret's SHA-256");
            return null;
        }
        final String name = inline != null ? SETTING : FILE_SETTING;
        String text = inline;
        if (file != null) {
            try {
                text = Files.readString(Path.of(file), StandardCharsets.UTF_8).strip();
            } catch (IOException | RuntimeException e) {
                env.problem(FILE_SETTING, "is '" + file + "', which is not a readable file (" + e.getClass().getSimpleName()
                                          + ")");
                return null;
            }
        }
        if (text.length() < MIN_LENGTH || text.length() > MAX_LENGTH) {
            env.problem(name, "must be " + MIN_LENGTH + " to " + MAX_LENGTH + " characters long (it has " + text.length()
                              + "): use a random one, e.g. `openssl rand -base64 32`");
            return null;
        }
        if (!PRINTABLE.matcher(text).matches()) {
            env.problem(name, "must be printable ASCII without spaces");
            return null;
        }
        return new ServiceSecret(text);
    }

    /** A secret given in code (tests, {@code local/}), checked as the settings are. */
    public static ServiceSecret of(String value) {
        final Env env = Env.of(java.util.Map.of(SETTING, value));
        final ServiceSecret secret = read(env, "this");
        env.check();
        return secret;
    }

    /** The secret itself, for ExchangeApiKey only. */
    String value() {
        return value;
    }

    @Override
    public String toString() {
        return "ServiceSecret[****]";
    }
}
