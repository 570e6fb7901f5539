package io.sextant.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;


/**
 * {@code ./sextant up} after the mesh was killed with {@code kill -9}: its PostgreSQL outlives it,
 * and the next start must stop that one and find the data; stale {@code postmaster.pid} files must
 * not stop a start either. The mesh runs as {@link SextantUp} in a child JVM, as the script runs it.
 */
class KillNineIT {


    @TempDir
    Path data;
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stopEverything() {
        started.forEach(Process::destroyForcibly);
        postmaster().ifPresent(ProcessHandle::destroyForcibly);
    }

    @Test
    void aMeshKilledWithSigkillStartsAgainWithItsData() throws Exception {
        final int basePort = freeBasePort();
        final Process first = up(basePort, "first");
        final String username = "k9" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        assertThat(register(basePort, username).statusCode()).isEqualTo(200);

        // a second mesh on the same data is refused with the first one's pid, before anything is touched
        assertThatThrownBy(() -> LocalMesh.start(data, 0, Map.of()))
                .hasMessageContaining("already running (pid " + first.pid() + ")")
                .hasMessageContaining("stop it first");

        final ProcessHandle leftover = postmaster().orElseThrow();
        first.destroyForcibly(); // SIGKILL: no shutdown hook runs
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(leftover.isAlive()).as("the killed mesh's PostgreSQL outlives it").isTrue();

        final Process second = up(basePort, "second");
        assertThat(leftover.isAlive()).as("the leftover PostgreSQL was stopped").isFalse();
        assertThat(login(basePort, username).statusCode()).isEqualTo(200);

        // PostgreSQL dying under the running mesh ends the mesh, with one line that says so
        final ProcessHandle postgres = postmaster().orElseThrow();
        postgres.destroyForcibly();
        assertThat(second.waitFor(60, TimeUnit.SECONDS)).as("the mesh exits when its PostgreSQL is gone").isTrue();
        assertThat(second.exitValue()).isEqualTo(1);
        assertThat(output("second")).contains("the embedded PostgreSQL (pid " + postgres.pid() + ") has stopped under the running mesh");
    }

    @Test
    void stalePostmasterPidFilesDoNotStopTheStart() throws Exception {
        final String username = "st" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        final Path pidFile = data.resolve("postgres").resolve("postmaster.pid");
        final List<String> written;
        try (LocalMesh mesh = LocalMesh.start(data, 0, Map.of())) {
            assertThat(register(mesh.port("gateway"), username).statusCode()).isEqualTo(200);
            written = Files.readAllLines(pidFile);
        }
        assertThat(pidFile).doesNotExist();

        // its pid now belongs to another program: PostgreSQL alone would refuse to start
        final Process other = new ProcessBuilder("sleep", "300").start();
        started.add(other);
        final List<String> reused = new ArrayList<>(written);
        reused.set(0, String.valueOf(other.pid()));
        Files.write(pidFile, reused);
        try (LocalMesh mesh = LocalMesh.start(data, 0, Map.of())) {
            assertThat(login(mesh.port("gateway"), username).statusCode()).isEqualTo(200);
        }
        assertThat(other.isAlive()).as("the other program is left alone").isTrue();

        // its process has ended (the earlier run's postmaster)
        Files.write(pidFile, written);
        try (LocalMesh mesh = LocalMesh.start(data, 0, Map.of())) {
            assertThat(login(mesh.port("gateway"), username).statusCode()).isEqualTo(200);
        }
    }

    // --- helpers

    /** {@link ChildMesh#up}, stopped after the test. */
    private Process up(int basePort, String name) throws Exception {
        final Process process = ChildMesh.up(data, basePort, name);
        started.add(process);
        return process;
    }

    private String output(String name) throws IOException {
        return ChildMesh.output(data, name);
    }

    private Optional<ProcessHandle> postmaster() {
        return ChildMesh.postmaster(data);
    }

    private static HttpResponse<String> register(int gatewayPort, String username) throws Exception {
        return ChildMesh.register(gatewayPort, username);
    }

    private static HttpResponse<String> login(int gatewayPort, String username) throws Exception {
        return ChildMesh.login(gatewayPort, username);
    }

    private static int freeBasePort() {
        return ChildMesh.freeBasePort();
    }
}
