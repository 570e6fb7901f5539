package io.sextant.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The JVM flags {@code ./sextant up} starts the mesh with, read from the script itself: the report
 * measures the mesh as a user runs it, and the flags have one definition: the script's
 * {@code JAVA_OPTS_DEFAULT="<flags>"} (or, in a script without one, its {@code exec java <flags> -jar "$jar"}
 * line). Like the script, the bench takes SEXTANT_JAVA_OPTS instead when it is set.
 */
final class SextantScript {

    private static final Pattern DEFAULTS = Pattern.compile("^\\s*JAVA_OPTS_DEFAULT=\"([^\"$'`]*)\"\\s*$");
    private static final Pattern EXEC = Pattern.compile("^\\s*exec java (.*?)\\s*-jar \"\\$jar\"\\s*$");

    private SextantScript() {}

    static List<String> jvmFlags(Path script) {
        final String override = System.getenv("SEXTANT_JAVA_OPTS");
        if (override != null && !override.isBlank()) {
            return words(override);
        }
        try {
            return jvmFlags(Files.readAllLines(script));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + script + " (run the report from the repository root)", e);
        }
    }

    static List<String> jvmFlags(List<String> lines) {
        for (String line : lines) {
            final Matcher defaults = DEFAULTS.matcher(line);
            if (defaults.matches()) {
                return words(defaults.group(1));
            }
        }
        for (String line : lines) {
            final Matcher matcher = EXEC.matcher(line);
            if (matcher.matches()) {
                final String flags = matcher.group(1).strip();
                if (flags.contains("$") || flags.contains("\"") || flags.contains("'")) {
                    throw new IllegalStateException("the sextant script's java line uses shell expansion, which the "
                                                    + "bench does not evaluate: " + line.strip());
                }
                return words(flags);
            }
        }
        throw new IllegalStateException("no 'exec java ... -jar \"$jar\"' line in the sextant script");
    }

    private static List<String> words(String flags) {
        final String stripped = flags.strip();
        return stripped.isEmpty() ? List.of() : Arrays.asList(stripped.split("\\s+"));
    }
}
