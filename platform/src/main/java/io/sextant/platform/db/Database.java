package io.sextant.platform.db;

import java.time.Duration;

import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.postgres.PostgresPlugin;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * A service's own database: a HikariCP pool, migrated by Flyway at start-up (validation on, clean
 * off), used through Jdbi 3. Migrations live in {@code classpath:db/migration/<service>} (so that
 * several services can share one classpath in {@code local/}) plus the platform's own
 * ({@code classpath:db/platform}: the outbox), numbered {@code V0_x} to stay before a service's.
 */
public final class Database implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Database.class);

    private final HikariDataSource dataSource;
    private final Jdbi jdbi;

    private Database(HikariDataSource dataSource) {
        this.dataSource = dataSource;
        this.jdbi = Jdbi.create(dataSource)
                        .installPlugin(new SqlObjectPlugin())
                        .installPlugin(new PostgresPlugin());
    }

    /**
     * Opens the pool (its metrics in {@code registry}) and applies pending migrations. Fails fast when
     * the database is unreachable.
     */
    public static Database open(String serviceName, DbConfig config, io.prometheus.client.CollectorRegistry registry) {
        final HikariConfig hikari = new HikariConfig();
        hikari.setPoolName(serviceName + "-db");
        hikari.setJdbcUrl(config.url());
        hikari.setUsername(config.user());
        if (!config.password().isEmpty()) {
            hikari.setPassword(config.password());
        }
        hikari.setMaximumPoolSize(config.poolSize());
        hikari.setMinimumIdle(Math.min(2, config.poolSize()));
        hikari.setConnectionTimeout(Duration.ofSeconds(5).toMillis());
        hikari.setInitializationFailTimeout(Duration.ofSeconds(30).toMillis());
        hikari.setAutoCommit(true);
        hikari.setMetricsTrackerFactory(new com.zaxxer.hikari.metrics.prometheus.PrometheusMetricsTrackerFactory(registry));
        final HikariDataSource dataSource;
        try {
            dataSource = new HikariDataSource(hikari);
        } catch (RuntimeException e) {
            throw new IllegalStateException("Cannot connect to the database of " + serviceName + " at "
                                            + config.url() + " as " + config.user() + ": " + rootMessage(e), e);
        }
        try {
            final String own = "db/migration/" + serviceName;
            final String[] locations = Database.class.getClassLoader().getResource(own) == null
                                       ? new String[] {"classpath:db/platform"}
                                       : new String[] {"classpath:db/platform", "classpath:" + own};
            final var result = Flyway.configure()
                                     .dataSource(dataSource)
                                     .locations(locations)
                                     .validateOnMigrate(true)
                                     .cleanDisabled(true)
                                     .load()
                                     .migrate();
            if (result.migrationsExecuted > 0) {
                log.info("Applied {} migration(s) to the {} database, now at version {}",
                         result.migrationsExecuted, serviceName, result.targetSchemaVersion);
            }
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
        return new Database(dataSource);
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    public HikariDataSource dataSource() {
        return dataSource;
    }

    /** Whether the database answers a trivial query within a second: the readiness check. */
    public boolean isReady() {
        try (var connection = dataSource.getConnection()) {
            return connection.isValid(1);
        } catch (Exception e) {
            return false;
        }
    }

    @Override
    public void close() {
        dataSource.close();
    }

    private static String rootMessage(Throwable t) {
        Throwable cause = t;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause.getMessage();
    }
}
