package io.sextant.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Tokens and passwords the report's commands use, each shown as a shell variable: the commands are
 * exact but for them (they are a run's own, valid for minutes), and a reader sets the variables from
 * their own login.
 */
final class Secrets {

    private final Map<String, String> names = new LinkedHashMap<>();
    private final Map<String, String> aliases = new LinkedHashMap<>();

    /** Shows {@code secret} as {@code $variable} from now on. */
    void name(String secret, String variable) {
        if (!secret.isEmpty()) {
            names.put(secret, "$" + variable);
        }
    }

    /** Shows {@code literal} as {@code shown} (a temporary directory as nothing: the files are named in the report). */
    void alias(String literal, String shown) {
        aliases.put(literal, shown);
    }

    /** The command as a shell line, each argument quoted where needed and each secret replaced. */
    String shell(List<String> command) {
        return command.stream().map(this::argument).collect(Collectors.joining(" "));
    }

    private String argument(String raw) {
        String text = raw;
        for (Map.Entry<String, String> alias : aliases.entrySet()) {
            text = text.replace(alias.getKey(), alias.getValue());
        }
        boolean hasVariable = false;
        for (Map.Entry<String, String> secret : names.entrySet()) {
            if (text.contains(secret.getKey())) {
                text = text.replace(secret.getKey(), secret.getValue());
                hasVariable = true;
            }
        }
        if (text.matches("[A-Za-z0-9_./:=@%+,-]+")) {
            return text;
        }
        if (hasVariable) {
            // double quotes, so that the variables expand
            return '"' + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("`", "\\`") + '"';
        }
        return "'" + text.replace("'", "'\\''") + "'";
    }
}
