package io.sextant.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.sextant.auth.db.SessionDao;
import io.sextant.auth.v1.PasswordResetRequestedEvent;
import io.sextant.platform.config.ConfigException;
import io.sextant.platform.db.Database;
import io.sextant.platform.identity.RevocationSet;
import io.sextant.platform.identity.ServiceIdentity;
import io.sextant.platform.identity.TokenVerifier;
import io.sextant.platform.jobs.ScheduledJobs;
import io.sextant.platform.outbox.OutboxHandler;
import io.sextant.platform.outbox.OutboxRelay;
import io.sextant.platform.server.SextantServer;

/** Wires the auth service: what {@link AuthMain} runs and what the tests start. */
public final class AuthServer {

    private static final Logger log = LoggerFactory.getLogger(AuthServer.class);

    // Which methods need no token, which are internal and which need a plain permission
    // (CreateAccount, DisableAccount: users.write; RotateSigningKey: auth.keys.rotate) is declared in
    // the contract (sextant.api.v1.policy) and checked by the platform; every other method checks its
    // caller in AuthServiceImpl: validate (any token), me, password change and API keys (the owner's
    // user token), RevokeAccountAccess (users.write, or roles.manage for changed grants).

    /** The role of the bootstrap administrator. */
    static final String ADMIN_ROLE = "admin";

    private AuthServer() {}

    /**
     * Creates the configured first administrator unless an account has that username already:
     * idempotent across restarts, and replicas starting together create it once (the username is
     * unique). Fails the start when the e-mail address belongs to another account.
     */
    static void bootstrapAdmin(Accounts accounts, PasswordHasher hasher, AuthConfig.BootstrapAdmin admin) {
        if (accounts.usernameTaken(admin.username())) {
            log.info("Bootstrap administrator '{}' exists already; left as it is", admin.username());
            return;
        }
        if (accounts.createAccount(admin.username(), admin.email(), hasher.hash(admin.password()), List.of(ADMIN_ROLE))
                   .isPresent()) {
            log.info("Created the bootstrap administrator '{}' with the role {}", admin.username(), ADMIN_ROLE);
        } else if (!accounts.usernameTaken(admin.username())) {
            throw new ConfigException(List.of("BOOTSTRAP_ADMIN_EMAIL '" + admin.email()
                                              + "' already belongs to another account; choose another address"));
        }
    }

    /**
     * Opens (and migrates) auth's database and builds its server; {@code start()} it. Password reset
     * requests become e-mails through the notification service ({@link ResetMailer}); while it cannot take them
     * they wait in the outbox.
     */
    public static SextantServer newServer(AuthConfig config) {
        return newServer(config, null);
    }

    /** As {@link #newServer(AuthConfig)}, delivering password reset tokens through {@code resetSender}. */
    public static SextantServer newServer(AuthConfig config, ResetTokenSender resetSender) {
        final Clock clock = Clock.systemUTC();
        final SextantServer.Builder builder = SextantServer.builder(config.service());
        final Database db = Database.open("auth", config.service().db(), builder.registry());
        builder.database(db);

        final SigningKeys keys = new SigningKeys(db.jdbi(), config.keyEncryptionKey(), clock,
                                                 config.keyRotationInterval(), config.longestTokenTtl()).init();
        final RevocationSet revocations = new RevocationSet(clock);
        final RevocationFeed feed = new RevocationFeed(db.jdbi(), revocations).start();
        final LoginThrottle throttle = new LoginThrottle(db.jdbi(), clock, config);
        final TokenIssuer issuer = new TokenIssuer(keys, clock);
        final ServiceIdentity identity = OwnIdentity.of(issuer, clock, config.serviceTokenTtl());
        final UsersClient users = new UsersClient(config, identity);
        final ResetMailer mailer = resetSender == null ? new ResetMailer(config, identity) : null;
        final ResetTokenSender sender = resetSender == null ? mailer : resetSender;
        final PasswordHasher hasher = new PasswordHasher();
        final Revocations revoker = new Revocations(config, feed);
        final Accounts accounts = new Accounts(config, db.jdbi(), clock, hasher, revoker);
        final Passwords passwords = new Passwords(db.jdbi(), clock, hasher, throttle, revoker);
        final AuthServiceImpl service = new AuthServiceImpl(
                accounts, passwords, new Sessions(config, db.jdbi(), clock, hasher, issuer, throttle, users, revoker),
                new ApiKeys(config, db.jdbi(), clock, issuer, throttle, users, revoker), keys, feed);
        if (config.bootstrapAdmin() != null) {
            try {
                bootstrapAdmin(accounts, hasher, config.bootstrapAdmin());
            } catch (RuntimeException e) {
                feed.close();
                users.close();
                identity.close();
                if (mailer != null) {
                    mailer.close();
                }
                db.close();
                throw e;
            }
        }
        // a new account's profile is made by users (ProvisionUser), retried while users is down;
        // a password reset request becomes an e-mail (notification), retried while notification is down
        final Map<String, OutboxHandler> handlers = new HashMap<>();
        handlers.put(Accounts.TOPIC_ACCOUNT_CREATED, users.provisioner());
        handlers.put(Passwords.TOPIC_PASSWORD_RESET, event -> {
            final PasswordResetRequestedEvent request = event.payload().unpack(PasswordResetRequestedEvent.class);
            final Instant expiresAt = clock.instant().plus(config.passwordResetTtl());
            sender.send(event.eventId(), request, passwords.mintResetToken(UUID.fromString(request.getAccountId()), expiresAt),
                        expiresAt);
        });
        final OutboxRelay relay = new OutboxRelay("auth", db.jdbi(), handlers, Duration.ofMillis(500),
                                                  builder.registry()).start();

        final ScheduledJobs maintenance = ScheduledJobs.on("auth-maintenance").every(
                "auth maintenance", Duration.ofSeconds(30), Duration.ofSeconds(30), () -> {
                    keys.maintain();
                    throttle.purge();
                    db.jdbi().useExtension(SessionDao.class, dao -> dao.purge(clock.instant().minus(Duration.ofDays(1))));
                });

        builder.closeOnStop(identity);
        if (mailer != null) {
            builder.closeOnStop(mailer);
        }
        if (!config.serviceAccounts().accounts().isEmpty()) {
            log.info("Service accounts whose secrets ExchangeApiKey takes: {}", config.serviceAccounts().accounts());
        }
        return builder.grpcService(service)
                      .verifier(new TokenVerifier(keys, revocations, clock))
                      .closeOnStop(feed)
                      .closeOnStop(users)
                      .closeOnStop(relay)
                      .closeOnStop(maintenance)
                      .build();
    }

}
