package io.sextant.platform.db;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a PostgreSQL of an earlier run may have left in its data directory. When the JVM that started
 * the embedded PostgreSQL is killed ({@code kill -9}), the postmaster is not its child and keeps
 * running, holding the directory: a new one cannot start there. Its {@code postmaster.pid} (first
 * line: the postmaster's pid) tells which process it is; that one is stopped (fast shutdown with the
 * embedded {@code pg_ctl}, then SIGKILL of it and its children, so that no process keeps its shared
 * memory). A {@code postmaster.pid} whose pid now belongs to another process is removed, as
 * PostgreSQL would refuse to start beside it; one whose process has ended is left to PostgreSQL,
 * which recovers from it. What cannot be cleared is an {@link IllegalStateException} that says
 * what to do.
 */
final class LeftoverPostgres {

    private static final Logger log = LoggerFactory.getLogger(LeftoverPostgres.class);

    /** How long a fast shutdown of a leftover postmaster may take before it is killed. */
    static final Duration FAST_SHUTDOWN = Duration.ofSeconds(15);
    /** How long the killed processes may take to be gone. */
    static final Duration KILLED = Duration.ofSeconds(5);

    private LeftoverPostgres() {}

    /** Leaves the data directory free for a new PostgreSQL, or says why it cannot. */
    static void clear(Path dataDirectory) {
        final Path pidFile = dataDirectory.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        final long pid = pid(pidFile);
        if (pid <= 0) {
            // PostgreSQL refuses an empty lock file ("another server is starting?"); here none is
            delete(pidFile);
            log.warn("Removed an unreadable {} left by an earlier run", pidFile);
            return;
        }
        final Optional<ProcessHandle> process = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (process.isEmpty()) {
            log.info("The PostgreSQL of an earlier run (pid {}) has ended without a shutdown; it recovers on start", pid);
            return;
        }
        final ProcessHandle.Info info = process.get().info();
        final String user = info.user().orElse("?");
        final Optional<Boolean> postgres = info.command().map(LeftoverPostgres::isPostgres);
        if (postgres.isPresent() && !postgres.get()) {
            delete(pidFile);
            log.warn("Removed a stale {}: its pid {} now belongs to another program ({})",
                     pidFile, pid, info.command().orElse("?"));
            return;
        }
        final Optional<Path> itsDirectory = info.arguments().flatMap(LeftoverPostgres::dataDirectoryArgument);
        if (postgres.isPresent() && itsDirectory.isPresent() && !sameFile(itsDirectory.get(), dataDirectory)) {
            delete(pidFile);
            log.warn("Removed a stale {}: its pid {} now belongs to the PostgreSQL of {}", pidFile, pid, itsDirectory.get());
            return;
        }
        if (postgres.isEmpty() || itsDirectory.isEmpty()) {
            throw new IllegalStateException("Process " + pid + " (user " + user + ") holds " + pidFile
                                            + " and cannot be inspected: if it is a PostgreSQL of that directory, stop it"
                                            + " (kill " + pid + "); if it is not, delete that file. Then start again.");
        }
        if (!user.equals(System.getProperty("user.name"))) {
            throw new IllegalStateException("The data directory " + dataDirectory + " is in use by a PostgreSQL of user "
                                            + user + " (pid " + pid + "): stop it as that user (pg_ctl stop -D "
                                            + dataDirectory + "), or use another data directory.");
        }
        stop(process.get(), info, dataDirectory);
    }

    /**
     * Stops a leftover postmaster of this data directory: a fast shutdown (its clients died with the
     * JVM that started it), then SIGKILL of it and of every process it had started.
     */
    private static void stop(ProcessHandle postmaster, ProcessHandle.Info info, Path dataDirectory) {
        final long pid = postmaster.pid();
        log.warn("A PostgreSQL of an earlier run (pid {}) still holds {}: stopping it", pid, dataDirectory);
        // taken now: once the postmaster is gone, its children would belong to init
        final List<ProcessHandle> children = postmaster.descendants().toList();
        final Optional<Path> pgCtl = info.command()
                                         .map(command -> Path.of(command).resolveSibling(isWindows() ? "pg_ctl.exe" : "pg_ctl"))
                                         .filter(Files::isExecutable);
        if (pgCtl.isEmpty() || !pgCtlStop(pgCtl.get(), dataDirectory)) {
            postmaster.destroy(); // SIGTERM: a smart shutdown, which ends at once without clients
        }
        if (!gone(List.of(postmaster), FAST_SHUTDOWN)) {
            log.warn("The PostgreSQL of the earlier run (pid {}) did not stop in {} s: killing it", pid, FAST_SHUTDOWN.toSeconds());
        }
        final List<ProcessHandle> all = new ArrayList<>(children);
        all.add(postmaster);
        all.forEach(ProcessHandle::destroyForcibly);
        if (!gone(all, KILLED)) {
            throw new IllegalStateException("Cannot stop the PostgreSQL (pid " + pid + ") that still holds " + dataDirectory
                                            + ": kill it (kill -9 " + pid + ") and start again.");
        }
        log.info("Stopped the PostgreSQL of the earlier run (pid {})", pid);
    }

    /** {@code pg_ctl stop -m fast}: whether it stopped the server. */
    private static boolean pgCtlStop(Path pgCtl, Path dataDirectory) {
        try {
            final Process process = new ProcessBuilder(pgCtl.toString(), "stop", "-D", dataDirectory.toString(), "-m", "fast",
                                                       "-w", "-t", String.valueOf(FAST_SHUTDOWN.toSeconds()))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!process.waitFor(FAST_SHUTDOWN.toSeconds() + 5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return false;
            }
            return process.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static boolean gone(List<ProcessHandle> processes, Duration within) {
        final long deadline = System.nanoTime() + within.toNanos();
        while (processes.stream().anyMatch(ProcessHandle::isAlive)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** The first line of postmaster.pid, or -1 when it is empty or not a number. */
    static long pid(Path pidFile) {
        try {
            final List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
            return lines.isEmpty() ? -1 : Long.parseLong(lines.get(0).trim());
        } catch (NumberFormatException e) {
            return -1;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + pidFile + ": " + e.getMessage(), e);
        }
    }

    private static boolean isPostgres(String command) {
        final String name = Path.of(command).getFileName().toString().toLowerCase(Locale.ROOT);
        return name.equals("postgres") || name.equals("postgres.exe");
    }

    /** The {@code -D} argument of a postmaster's command line (pg_ctl always passes one). */
    private static Optional<Path> dataDirectoryArgument(String[] arguments) {
        for (int i = 0; i < arguments.length - 1; i++) {
            if (arguments[i].equals("-D")) {
                return Optional.of(Path.of(arguments[i + 1]));
            }
        }
        return Optional.empty();
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
        }
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot remove the stale " + file + ": " + e.getMessage()
                                           + ". Remove it by hand and start again.", e);
        }
    }

    private static boolean isWindows() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
    }
}
