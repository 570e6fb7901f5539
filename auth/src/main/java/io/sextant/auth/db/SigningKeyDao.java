package io.sextant.auth.db;

import java.util.List;

import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** The RS256 signing keys, newest first; the newest signs, the others only verify. */
@RegisterConstructorMapper(SigningKeyRow.class)
public interface SigningKeyDao {

    @SqlQuery("SELECT kid, private_key, public_key, created_at FROM signing_keys ORDER BY created_at DESC, kid")
    List<SigningKeyRow> all();

    @SqlUpdate("INSERT INTO signing_keys (kid, private_key, public_key) VALUES (:kid, :privateKey, :publicKey)")
    void insert(@Bind("kid") String kid, @Bind("privateKey") byte[] privateKey, @Bind("publicKey") byte[] publicKey);

    /** Serializes key generation across auth replicas, for the rest of the transaction. */
    @SqlQuery("SELECT pg_advisory_xact_lock(7265730001)")
    String lockForRotation();

    /** Deletes the keys that were superseded by a newer key longer than {@code keep} ago. */
    @SqlUpdate("DELETE FROM signing_keys k WHERE EXISTS (SELECT 1 FROM signing_keys n"
               + " WHERE n.created_at > k.created_at AND n.created_at < now() - CAST(:keep AS interval))")
    int deleteSupersededBefore(@Bind("keep") String keepInterval);
}
