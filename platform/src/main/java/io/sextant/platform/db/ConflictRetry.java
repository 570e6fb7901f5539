package io.sextant.platform.db;

import java.sql.SQLException;
import java.util.function.Supplier;

import org.jdbi.v3.core.JdbiException;

/**
 * Runs a statement (or a transaction) again when PostgreSQL aborted it for a conflict with a concurrent one: a
 * deadlock ({@code 40P01}: two upserts of the same rows in another order) or a serialization failure
 * ({@code 40001}). PostgreSQL undoes the aborted one completely, so running it again is safe; the caller must
 * not have had side effects outside the database in between. Anything else is thrown at once.
 */
public final class ConflictRetry {

    /** Attempts in all: conflicts are rare and short, and a third in a row means something else is wrong. */
    public static final int ATTEMPTS = 3;

    private ConflictRetry() {}

    public static <T> T run(Supplier<T> work) {
        for (int attempt = 1; ; attempt++) {
            try {
                return work.get();
            } catch (JdbiException e) {
                if (attempt >= ATTEMPTS || !isConflict(e)) {
                    throw e;
                }
            }
        }
    }

    /** Whether the exception (or one of its causes) is PostgreSQL's deadlock or serialization failure. */
    public static boolean isConflict(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql
                && ("40P01".equals(sql.getSQLState()) || "40001".equals(sql.getSQLState()))) {
                return true;
            }
        }
        return false;
    }
}
