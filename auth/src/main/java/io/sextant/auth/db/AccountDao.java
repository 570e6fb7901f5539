package io.sextant.auth.db;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** Credentials. Usernames and e-mail addresses are unique case-insensitively (the *_key columns). */
@RegisterConstructorMapper(AccountRow.class)
public interface AccountDao {

    String COLUMNS = "id, username, email, password_hash, disabled, created_at, password_changed_at";

    /** Inserts unless the username or e-mail is taken; returns whether a row was inserted. */
    @SqlUpdate("INSERT INTO accounts (id, username, username_key, email, email_key, password_hash)"
               + " VALUES (:id, :username, lower(:username), :email, lower(:email), :passwordHash)"
               + " ON CONFLICT DO NOTHING")
    boolean insertIfAbsent(@Bind("id") UUID id, @Bind("username") String username, @Bind("email") String email,
                           @Bind("passwordHash") String passwordHash);

    /** By username or e-mail address, case-insensitively. */
    @SqlQuery("SELECT " + COLUMNS + " FROM accounts WHERE username_key = lower(:login) OR email_key = lower(:login)"
              + " LIMIT 1")
    Optional<AccountRow> findByLogin(@Bind("login") String login);

    @SqlQuery("SELECT " + COLUMNS + " FROM accounts WHERE email_key = lower(:email)")
    Optional<AccountRow> findByEmail(@Bind("email") String email);

    @SqlQuery("SELECT " + COLUMNS + " FROM accounts WHERE id = :id")
    Optional<AccountRow> findById(@Bind("id") UUID id);

    @SqlUpdate("UPDATE accounts SET password_hash = :hash, password_changed_at = :now WHERE id = :id")
    void updatePassword(@Bind("id") UUID id, @Bind("hash") String hash, @Bind("now") Instant now);

    /** Replaces the hash without counting as a password change (rehash on login). */
    @SqlUpdate("UPDATE accounts SET password_hash = :hash WHERE id = :id")
    void rehash(@Bind("id") UUID id, @Bind("hash") String hash);

    /** Disables the account; returns whether it was enabled until now. */
    @SqlUpdate("UPDATE accounts SET disabled = true WHERE id = :id AND NOT disabled")
    boolean disable(@Bind("id") UUID id);
}
