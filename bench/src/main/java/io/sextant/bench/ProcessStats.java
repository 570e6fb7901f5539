package io.sextant.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** CPU time and memory of another process (the mesh, nginx, Keycloak), from the JVM and /proc. */
final class ProcessStats {

    private ProcessStats() {}

    /** Resident memory now and at its peak, in MiB. */
    record Memory(double rssMib, double peakMib) {}

    /**
     * The CPU time of a process and all its descendants (nginx's workers, Keycloak's JVM under its
     * script) in nanoseconds; -1 if the process is gone or its CPU time unknown.
     */
    static long cpuNanos(long pid) {
        final Optional<ProcessHandle> process = ProcessHandle.of(pid);
        if (process.isEmpty()) {
            return -1;
        }
        long total = cpu(process.get());
        if (total < 0) {
            return -1;
        }
        for (ProcessHandle child : process.get().descendants().toList()) {
            total += Math.max(0, cpu(child));
        }
        return total;
    }

    /** The CPU time of a process alone (not its children), in nanoseconds; -1 if gone or unknown. */
    static long ownCpuNanos(long pid) {
        return ProcessHandle.of(pid).map(ProcessStats::cpu).orElse(-1L);
    }

    private static long cpu(ProcessHandle process) {
        return process.info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
    }

    /** VmRSS and VmHWM of a process from /proc/pid/status. */
    static Optional<Memory> memory(long pid) {
        try {
            return memory(Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    static Optional<Memory> memory(List<String> status) {
        final Optional<String> rss = Machine.value(status, "VmRSS", ":");
        final Optional<String> peak = Machine.value(status, "VmHWM", ":");
        if (rss.isEmpty() || peak.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Memory(mebibytes(rss.get()), mebibytes(peak.get())));
    }

    private static double mebibytes(String kilobytes) {
        return Long.parseLong(kilobytes.replace("kB", "").strip()) / 1024.0;
    }
}
