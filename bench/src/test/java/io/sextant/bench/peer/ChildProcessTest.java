package io.sextant.bench.peer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** A peer paused between the sections that measure it really stops running, its children too, and resumes. */
@EnabledOnOs(OS.LINUX)
class ChildProcessTest {

    @Test
    void aPausedTreeIsStoppedAndResumesAndAPausedTreeStillStopsAtOnce() throws Exception {
        // a shell with a child, like kc.sh around Keycloak's JVM
        final Process shell = new ProcessBuilder("sh", "-c", "sleep 60 & wait").start();
        try {
            final ProcessHandle child = awaitChild(shell);

            ChildProcess.pause(shell, true);
            assertThat(awaitState(shell.pid(), 'T')).isEqualTo('T');
            assertThat(awaitState(child.pid(), 'T')).isEqualTo('T');

            ChildProcess.pause(shell, false);
            assertThat(awaitState(shell.pid(), 'S')).isEqualTo('S');
            assertThat(awaitState(child.pid(), 'S')).isEqualTo('S');

            ChildProcess.pause(shell, true);
            ChildProcess.stop(shell);
            assertThat(shell.isAlive()).isFalse();
            assertThat(child.isAlive()).isFalse();
            // SIGTERM ended it (128 + 15): resumed first, it did not sit out the grace period until SIGKILL (137)
            assertThat(shell.exitValue()).isEqualTo(143);
        } finally {
            shell.descendants().forEach(ProcessHandle::destroyForcibly);
            shell.destroyForcibly();
        }
    }

    private static ProcessHandle awaitChild(Process shell) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            final var child = shell.descendants().findFirst();
            if (child.isPresent()) {
                return child.get();
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
        throw new AssertionError("the shell started no child");
    }

    /** The process state letter of /proc/PID/stat, once it is {@code wanted} or after 5 s. */
    private static char awaitState(long pid, char wanted) throws IOException, InterruptedException {
        char state = '?';
        for (int i = 0; i < 100; i++) {
            final String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            state = stat.charAt(stat.lastIndexOf(')') + 2);
            if (state == wanted) {
                return state;
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
        return state;
    }
}
