package io.sextant.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The machine a report was measured on, from /proc and the JVM: figures mean little without it. */
record Machine(int cores, String cpu, String memory, String os, String java) {

    static Machine current() {
        final List<String> cpuinfo = lines(Path.of("/proc/cpuinfo"));
        final List<String> meminfo = lines(Path.of("/proc/meminfo"));
        final List<String> release = lines(Path.of("/etc/os-release"));
        final String os = value(release, "PRETTY_NAME", "=").map(name -> name.replace("\"", ""))
                .orElse(System.getProperty("os.name")) + ", kernel " + System.getProperty("os.version");
        return new Machine(Runtime.getRuntime().availableProcessors(),
                           value(cpuinfo, "model name", ":").orElse("unknown (no /proc/cpuinfo)"),
                           value(meminfo, "MemTotal", ":").map(Machine::gibibytes).orElse("unknown"),
                           os,
                           System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    }

    /**
     * The 1-minute load average, for each run: on a machine shared with other work, a run measured
     * while something else used the cores says more about that than about the mesh.
     */
    static String loadAverage() {
        final List<String> lines = lines(Path.of("/proc/loadavg"));
        return lines.isEmpty() ? "n/a" : lines.get(0).split(" ")[0];
    }

    /** The value of the first {@code key<separator>value} line. */
    static Optional<String> value(List<String> lines, String key, String separator) {
        for (String line : lines) {
            final int at = line.indexOf(separator);
            if (at > 0 && line.substring(0, at).trim().equals(key)) {
                return Optional.of(line.substring(at + separator.length()).trim());
            }
        }
        return Optional.empty();
    }

    /** "24589432 kB" as "23.5 GiB". */
    static String gibibytes(String kilobytes) {
        final String number = kilobytes.replace("kB", "").trim();
        try {
            return String.format(Locale.ROOT, "%.1f GiB", Long.parseLong(number) / (1024.0 * 1024.0));
        } catch (NumberFormatException e) {
            return kilobytes;
        }
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            return List.of();
        }
    }
}
