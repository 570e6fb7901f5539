package io.sextant.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One run of an external load generator (wrk, h2load), with the CPU it used: the command runs under
 * {@code bash}, whose {@code times} prints the user and system time of its finished children. The
 * generator shares the cores with the mesh, so its CPU belongs in the report next to the mesh's.
 *
 * @param cpuSeconds the generator's user + system CPU time, -1 if {@code times} printed nothing readable
 */
record ToolRun(List<String> command, int exitCode, String stdout, String stderr, double cpuSeconds) {

    /** The line {@code times} prints for the children: user then system, e.g. {@code 0m0.184s 0m0.563s}. */
    private static final Pattern TIMES = Pattern.compile("^(\\d+)m([\\d.]+)s (\\d+)m([\\d.]+)s$");
    private static final String WRAPPER = "\"$@\"; status=$?; times >&2; exit $status";

    /** Whether a program is on the PATH (the report needs wrk, h2load and nginx; the tests skip without them). */
    static boolean installed(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    /** Runs the command to its end (killing it after {@code limit}) and keeps its output. */
    static ToolRun run(List<String> command, Duration limit) {
        return run(command, Map.of(), limit);
    }

    /** The same, with variables added to the environment (wrk scripts that read theirs with os.getenv). */
    static ToolRun run(List<String> command, Map<String, String> environment, Duration limit) {
        final List<String> wrapped = new ArrayList<>(List.of("bash", "-c", WRAPPER, "bash"));
        wrapped.addAll(command);
        try {
            final Path out = Files.createTempFile("sextant-bench-", ".out");
            final Path err = Files.createTempFile("sextant-bench-", ".err");
            try {
                final ProcessBuilder builder = new ProcessBuilder(wrapped).redirectOutput(out.toFile())
                        .redirectError(err.toFile());
                builder.environment().putAll(environment);
                final Process process = builder.start();
                if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly().waitFor();
                    throw new IllegalStateException(command.get(0) + " did not finish within " + Format.duration(limit)
                                                    + ": " + String.join(" ", command));
                }
                final String stderr = Files.readString(err, StandardCharsets.UTF_8);
                return new ToolRun(command, process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                                   stderr, childCpuSeconds(stderr));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while " + command.get(0) + " ran", e);
        }
    }

    /** The children's CPU seconds from the last line of {@code times}' output, -1 if there is none. */
    static double childCpuSeconds(String stderr) {
        final String[] lines = stderr.strip().split("\n");
        final Matcher matcher = TIMES.matcher(lines[lines.length - 1].trim());
        if (!matcher.matches()) {
            return -1;
        }
        return Long.parseLong(matcher.group(1)) * 60 + Double.parseDouble(matcher.group(2))
               + Long.parseLong(matcher.group(3)) * 60 + Double.parseDouble(matcher.group(4));
    }

    /** Throws unless the tool exited with 0, quoting what it said. */
    ToolRun requireSuccess() {
        if (exitCode != 0) {
            throw new IllegalStateException(command.get(0) + " exited with " + exitCode + ": "
                                            + (stderr.isBlank() ? stdout : stderr).strip());
        }
        return this;
    }
}
