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
 * measures the mesh as a user runs it, and the flags have one definition, the script's
 * {@code exec java <flags> -jar "$jar"} line.
 */
final class SextantScript {

    private static final Pattern EXEC = Pattern.compile("^\\s*exec java (.*?)\\s*-jar \"\\$jar\"\\s*$");

    private SextantScript() {}

    static List<String> jvmFlags(Path script) {
        try {
            return jvmFlags(Files.readAllLines(script));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + script + " (run the report from the repository root)", e);
        }
    }

    static List<String> jvmFlags(List<String> lines) {
        for (String line : lines) {
            final Matcher matcher = EXEC.matcher(line);
            if (matcher.matches()) {
                final String flags = matcher.group(1).strip();
                if (flags.contains("$") || flags.contains("\"") || flags.contains("'")) {
                    throw new IllegalStateException("the sextant script's java line uses shell expansion, which the "
                                                    + "bench does not evaluate: " + line.strip());
                }
                return flags.isEmpty() ? List.of() : Arrays.asList(flags.split("\\s+"));
            }
        }
        throw new IllegalStateException("no 'exec java ... -jar \"$jar\"' line in the sextant script");
    }
}
