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
     * Stops {@code process} when this JVM exits without having stopped it (SIGTERM, Ctrl-C or
     * {@code System.exit} of the benchmark): an nginx or a Keycloak outliving the run would hold
     * its port and memory into the next one. Returns the hook, for {@link #stop(Process, Thread)}.
     * Only a SIGKILL of the JVM leaves them behind.
     */
    static Thread stopOnExit(Process process, String name) {
        final Thread hook = new Thread(() -> stop(process), "stop " + name + " " + process.pid());
        Runtime.getRuntime().addShutdownHook(hook);
        return hook;
    }

    /** {@link #stop(Process)}, and forgets the exit hook {@link #stopOnExit} registered. */
    static void stop(Process process, Thread exitHook) {
        try {
            if (exitHook != null) {
                Runtime.getRuntime().removeShutdownHook(exitHook);
            }
        } catch (IllegalStateException e) {
            // the JVM is exiting: the hook is running or about to, and stopping twice is harmless
        }
        stop(process);
    }

    /**
     * SIGTERM to the process and to every descendant it has now (a descendant is reparented away
     * once its parent exits, so they are collected first), up to {@value #GRACE_SECONDS} s to exit,
     * then SIGKILL to whatever is left.
     */
    static void stop(Process process) {
        final List<ProcessHandle> tree = new java.util.ArrayList<>(process.descendants().toList());
        tree.add(0, process.toHandle());
        signal(tree, "CONT"); // a paused tree would hold SIGTERM pending for the whole grace period
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

    /**
     * Pauses (SIGSTOP) or resumes (SIGCONT) the process and every descendant: a peer idle between the
     * sections that measure it still costs CPU (Keycloak's timers and JIT, a third of a core), which
     * the two cores of the machine would otherwise take from the sections measuring the mesh.
     */
    static void pause(Process process, boolean paused) {
        final List<ProcessHandle> tree = new java.util.ArrayList<>(process.descendants().toList());
        tree.add(0, process.toHandle());
        signal(tree, paused ? "STOP" : "CONT");
    }

    private static void signal(List<ProcessHandle> tree, String signal) {
        final List<String> command = new java.util.ArrayList<>(List.of("kill", "-s", signal));
        tree.stream().filter(ProcessHandle::isAlive).forEach(h -> command.add(String.valueOf(h.pid())));
        if (command.size() == 3) {
            return;
        }
        try {
            final Process kill = new ProcessBuilder(command).redirectErrorStream(true)
                                                            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!kill.waitFor(5, TimeUnit.SECONDS)) {
                kill.destroyForcibly();
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("could not send SIG" + signal + " to " + command.subList(3, command.size()), e);
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
