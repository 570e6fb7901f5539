package io.sextant.platform.testing;

import java.util.concurrent.atomic.AtomicInteger;

import io.sextant.platform.db.DbConfig;
import io.sextant.platform.db.EmbeddedPostgres;

/**
 * One embedded PostgreSQL per test JVM, and a fresh database for every caller that asks, so test
 * classes never see each other's data and never need to clean up.
 */
public final class TestPostgres {

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static volatile EmbeddedPostgres postgres;

    private TestPostgres() {}

    /** A new, empty database. */
    public static DbConfig newDatabase(String prefix) {
        return server().database(prefix + "_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet(), 10);
    }

    public static synchronized EmbeddedPostgres server() {
        if (postgres == null) {
            postgres = EmbeddedPostgres.start(null, 0);
            Runtime.getRuntime().addShutdownHook(new Thread(postgres::close, "test-postgres-stop"));
        }
        return postgres;
    }
}
