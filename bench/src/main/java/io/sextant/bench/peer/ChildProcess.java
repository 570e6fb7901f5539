package io.sextant.bench.peer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A peer server run as a child of the benchmark. Stopping it stops its whole tree: Keycloak's
 * {@code kc.sh} runs the JVM as a child of a shell, nginx forks workers, and a worker left behind
 * would keep the port and the CPU after the benchmark has moved on.
 */
final class ChildProcess {

    private static final long GRACE_SECONDS = 30;

    private ChildProcess() {
    }

    /**
     * SIGTERM to the process and to every descendant it has now (a descendant is reparented away
     * once its parent exits, so they are collected first), up to {@value #GRACE_SECONDS} s to exit,
     * then SIGKILL to whatever is left.
     */
    static void stop(Process process) {
        final List<ProcessHandle> tree = new java.util.ArrayList<>(process.descendants().toList());
        tree.add(0, process.toHandle());
        tree.forEach(ProcessHandle::destroy);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GRACE_SECONDS);
        for (ProcessHandle handle : tree) {
            final long left = deadline - System.nanoTime();
            try {
                handle.onExit().get(Math.max(left, 0), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (Exception e) {
                // timed out: killed below
            }
        }
        tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The last {@code lines} lines of a log, for an exception message; empty if it cannot be read. */
    static String tail(Path log, int lines) {
        try {
            final List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
