package io.sextant.notification.db;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.jdbi.v3.sqlobject.SingleValue;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlBatch;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** The recipients' opt-outs ({@code opt_outs}), when they last changed, and the service's signing keys. */
@RegisterConstructorMapper(PreferencesDao.OptOutRow.class)
public interface PreferencesDao {

    /** One opt-out: {@code channel} and {@code category} are {@code *} for every one. */
    record OptOutRow(String channel, String category) {}

    @SqlQuery("SELECT channel, category FROM opt_outs WHERE owner = :owner ORDER BY channel, category")
    List<OptOutRow> optOuts(@Bind("owner") String owner);

    @SqlQuery("SELECT update_time FROM preference_updates WHERE owner = :owner")
    Optional<Instant> updateTime(@Bind("owner") String owner);

    @SqlUpdate("DELETE FROM opt_outs WHERE owner = :owner")
    void clear(@Bind("owner") String owner);

    @SqlBatch("INSERT INTO opt_outs (owner, channel, category) VALUES (:owner, :channel, :category)"
              + " ON CONFLICT DO NOTHING")
    void add(@Bind("owner") String owner, @Bind("channel") List<String> channels,
             @Bind("category") List<String> categories);

    @SqlUpdate("INSERT INTO preference_updates (owner) VALUES (:owner)"
               + " ON CONFLICT (owner) DO UPDATE SET update_time = now()")
    void touch(@Bind("owner") String owner);

    /** Stores {@code secret} as the key of {@code purpose} unless there is one already. */
    @SqlUpdate("INSERT INTO signing_keys (purpose, secret) VALUES (:purpose, :secret) ON CONFLICT DO NOTHING")
    void offerKey(@Bind("purpose") String purpose, @Bind("secret") byte[] secret);

    @SqlQuery("SELECT secret FROM signing_keys WHERE purpose = :purpose")
    @SingleValue
    byte[] key(@Bind("purpose") String purpose);
}
