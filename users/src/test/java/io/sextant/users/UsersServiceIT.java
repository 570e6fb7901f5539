package io.sextant.users;

import static io.sextant.platform.testing.GrpcErrors.badRequest;
import static io.sextant.platform.testing.GrpcErrors.code;
import static io.sextant.platform.testing.GrpcErrors.errorInfo;
import static io.sextant.platform.testing.GrpcErrors.failure;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.google.protobuf.FieldMask;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.grpc.GrpcService;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.sextant.auth.v1.Account;
import io.sextant.auth.v1.AuthServiceGrpc;
import io.sextant.auth.v1.CreateAccountRequest;
import io.sextant.auth.v1.CreateAccountResponse;
import io.sextant.auth.v1.DisableAccountRequest;
import io.sextant.auth.v1.DisableAccountResponse;
import io.sextant.auth.v1.RevokeAccountAccessRequest;
import io.sextant.auth.v1.RevokeAccountAccessResponse;
import io.sextant.platform.db.DbConfig;
import io.sextant.platform.identity.RevocationSet;
import io.sextant.platform.identity.TokenVerifier;
import io.sextant.platform.server.SextantServer;
import io.sextant.platform.testing.TestKeys;
import io.sextant.platform.testing.TestPostgres;
import io.sextant.platform.testing.TestServers;
import io.sextant.storage.v1.File;
import io.sextant.storage.v1.GetFileRequest;
import io.sextant.storage.v1.GetFileResponse;
import io.sextant.storage.v1.StorageServiceGrpc;
import io.sextant.storage.v1.Visibility;
import io.sextant.users.db.UserQueries;
import io.sextant.users.v1.AddUserRoleRequest;
import io.sextant.users.v1.CreateRoleRequest;
import io.sextant.users.v1.CreateUserRequest;
import io.sextant.users.v1.DeleteRoleRequest;
import io.sextant.users.v1.DeleteUserRequest;
import io.sextant.users.v1.GetMyProfileRequest;
import io.sextant.users.v1.GetRoleRequest;
import io.sextant.users.v1.GetUserGrantsRequest;
import io.sextant.users.v1.GetUserGrantsResponse;
import io.sextant.users.v1.GetUserRequest;
import io.sextant.users.v1.ListRolesRequest;
import io.sextant.users.v1.ListRolesResponse;
import io.sextant.users.v1.ListUsersRequest;
import io.sextant.users.v1.ListUsersResponse;
import io.sextant.users.v1.ProvisionUserRequest;
import io.sextant.users.v1.ProvisionUserResponse;
import io.sextant.users.v1.RemoveUserRoleRequest;
import io.sextant.users.v1.ReplaceUserRequest;
import io.sextant.users.v1.Role;
import io.sextant.users.v1.SearchUsersRequest;
import io.sextant.users.v1.SearchUsersResponse;
import io.sextant.users.v1.UpdateMyProfileRequest;
import io.sextant.users.v1.UpdateRoleRequest;
import io.sextant.users.v1.UpdateUserRequest;
import io.sextant.users.v1.User;
import io.sextant.users.v1.UsersServiceGrpc;
import io.sextant.users.v1.UsersServiceGrpc.UsersServiceBlockingStub;

/**
 * The users service over real gRPC on a real PostgreSQL, with tokens signed by a test key and a
 * small real auth server standing in for auth's CreateAccount and DisableAccount.
 */
class UsersServiceIT {

    private static final TestKeys KEYS = TestKeys.generate("users-it");
    private static final String ADMIN_ID = UUID.randomUUID().toString();
    private static final String ALICE_ID = UUID.randomUUID().toString();

    /** What the stand-in auth received. */
    private static final List<CreateAccountRequest> CREATED = new CopyOnWriteArrayList<>();
    private static final List<String> CREATE_AUTHORIZATION = new CopyOnWriteArrayList<>();
    private static final List<String> DISABLED = new CopyOnWriteArrayList<>();
    /** RevokeAccountAccess calls: "REASON account-id" for each account. */
    private static final List<String> REVOKED = new CopyOnWriteArrayList<>();

    private static Server fakeAuth;
    private static SextantServer server;
    private static Jdbi jdbi;
    private static UsersServiceBlockingStub anonymous;
    private static UsersServiceBlockingStub admin;
    private static UsersServiceBlockingStub alice;
    private static UsersServiceBlockingStub authService;
    private static String adminToken;

    @BeforeAll
    static void start() {
        fakeAuth = Server.builder()
                         .http(0)
                         .service(GrpcService.builder().addService(new FakeAuth()).addService(new FakeStorage()).build())
                         .build();
        fakeAuth.start().join();

        final DbConfig db = TestPostgres.newDatabase("users");
        final Map<String, String> env = new HashMap<>(Map.of(
                "DB_URL", db.url(), "DB_USER", db.user(),
                "AUTH_TARGET", "127.0.0.1:" + fakeAuth.activeLocalPort(),
                "STORAGE_TARGET", "127.0.0.1:" + fakeAuth.activeLocalPort()));
        if (!db.password().isEmpty()) {
            env.put("DB_PASSWORD", db.password());
        }
        final Clock clock = Clock.systemUTC();
        final TokenVerifier verifier = new TokenVerifier(kid -> kid.equals(KEYS.kid()) ? KEYS.publicKey() : null,
                                                         new RevocationSet(clock), clock);
        server = UsersServer.newServer(TestServers.config("users", env), verifier).start();
        jdbi = Jdbi.create(db.url(), db.user(), db.password());

        adminToken = KEYS.sign(KEYS.userToken(ADMIN_ID)
                                   .withClaim("username", "root")
                                   .withClaim("roles", List.of("admin"))
                                   .withClaim("permissions", List.of("*")));
        anonymous = stub(null);
        admin = stub(adminToken);
        alice = stub(KEYS.sign(KEYS.userToken(ALICE_ID).withClaim("permissions", List.of())));
        authService = stub(KEYS.sign(KEYS.userToken("services/auth")
                                         .withClaim("kind", "service")
                                         .withClaim("username", "")
                                         .withClaim("roles", List.of())
                                         .withClaim("permissions", List.of("users.read", "users.write"))));

        provision(ADMIN_ID, "root", "root@admin.test", "admin");
        provision(ALICE_ID, "alice", "alice@people.test");
    }

    @AfterAll
    static void stop() {
        server.close();
        fakeAuth.stop().join();
    }

    private static UsersServiceBlockingStub stub(String token) {
        final var builder = TestServers.grpc(server.port());
        if (token != null) {
            builder.addHeader("authorization", "Bearer " + token);
        }
        return builder.build(UsersServiceBlockingStub.class);
    }

    private static ProvisionUserResponse provision(String id, String username, String email, String... roles) {
        return authService.provisionUser(ProvisionUserRequest.newBuilder()
                                                             .setId(id)
                                                             .setUsername(username)
                                                             .setEmail(email)
                                                             .addAllRoleIds(List.of(roles))
                                                             .build());
    }

    /** A new user with a random id and username, in the e-mail domain. */
    private static User newUser(String domain) {
        final String id = UUID.randomUUID().toString();
        final String username = "u" + id.substring(0, 8) + id.substring(9, 13);
        return provision(id, username, username + "@" + domain).getUser();
    }

    private static String name(String id) {
        return "users/" + id;
    }

    private static List<String> listAll(UsersServiceBlockingStub stub, String filter, String orderBy, int pageSize) {
        final List<String> ids = new ArrayList<>();
        String token = "";
        do {
            final ListUsersResponse page = stub.listUsers(ListUsersRequest.newBuilder()
                                                                          .setFilter(filter)
                                                                          .setOrderBy(orderBy)
                                                                          .setPageSize(pageSize)
                                                                          .setPageToken(token)
                                                                          .build());
            assertThat(page.getUsersCount()).isLessThanOrEqualTo(pageSize);
            page.getUsersList().forEach(u -> ids.add(u.getId()));
            token = page.getNextPageToken();
        } while (!token.isEmpty());
        return ids;
    }

    private static void setActive(String id, boolean active) {
        admin.updateUser(UpdateUserRequest.newBuilder()
                                          .setUser(User.newBuilder().setName(name(id)).setActive(active))
                                          .setUpdateMask(FieldMask.newBuilder().addPaths("active"))
                                          .build());
    }

    // ---- provisioning and grants

    @Test
    void provisionIsIdempotentAndAppliesRolesOnlyWhenItCreates() {
        final String id = UUID.randomUUID().toString();
        final ProvisionUserResponse first = provision(id, "grace", "grace@provision.test");
        assertThat(first.getCreated()).isTrue();
        assertThat(first.getUser().getName()).isEqualTo(name(id));
        assertThat(first.getUser().getRolesList()).containsExactly("roles/user");
        assertThat(first.getUser().getActive()).isTrue();
        assertThat(first.getUser().getDisplayName()).isEqualTo("grace");

        final ProvisionUserResponse again = provision(id, "grace", "grace@provision.test", "admin");
        assertThat(again.getCreated()).isFalse();
        assertThat(again.getUser().getRolesList()).containsExactly("roles/user");
        assertThat(again.getUser().getCreateTime()).isEqualTo(first.getUser().getCreateTime());

        final ProvisionUserResponse withRoles = provision(UUID.randomUUID().toString(), "hopper", "hopper@provision.test",
                                                          "admin", "user");
        assertThat(withRoles.getUser().getRolesList()).containsExactly("roles/admin", "roles/user");
    }

    @Test
    void grantsOfAdminUserAndUnknownAccounts() {
        final GetUserGrantsResponse ofAdmin = authService.getUserGrants(GetUserGrantsRequest.newBuilder()
                                                                                            .setName(name(ADMIN_ID)).build());
        assertThat(ofAdmin.getRoleIdsList()).containsExactly("admin");
        assertThat(ofAdmin.getPermissionsList()).containsExactly("*");
        assertThat(ofAdmin.getActive()).isTrue();

        final User plain = newUser("grants.test");
        final GetUserGrantsResponse ofUser = authService.getUserGrants(GetUserGrantsRequest.newBuilder()
                                                                                           .setName(plain.getName()).build());
        assertThat(ofUser.getRoleIdsList()).containsExactly("user");
        assertThat(ofUser.getPermissionsList()).isEmpty();
        assertThat(ofUser.getActive()).isTrue();

        // not provisioned yet (still in auth's outbox): the grants every new user gets
        final GetUserGrantsResponse ofUnknown = authService.getUserGrants(
                GetUserGrantsRequest.newBuilder().setName(name(UUID.randomUUID().toString())).build());
        assertThat(ofUnknown.getRoleIdsList()).containsExactly("user");
        assertThat(ofUnknown.getPermissionsList()).isEmpty();
        assertThat(ofUnknown.getActive()).isTrue();

        // the union of the roles' permissions, ordered, without duplicates; inactive shows
        admin.createRole(CreateRoleRequest.newBuilder().setRoleId("editor")
                                          .setRole(Role.newBuilder().addPermissions("users.read").addPermissions("files.*"))
                                          .build());
        admin.createRole(CreateRoleRequest.newBuilder().setRoleId("reader")
                                          .setRole(Role.newBuilder().addPermissions("users.read").addPermissions("files.read"))
                                          .build());
        admin.addUserRole(AddUserRoleRequest.newBuilder().setName(plain.getName()).setRole("roles/editor").build());
        admin.addUserRole(AddUserRoleRequest.newBuilder().setName(plain.getName()).setRole("roles/reader").build());
        setActive(plain.getId(), false);
        final GetUserGrantsResponse combined = authService.getUserGrants(GetUserGrantsRequest.newBuilder()
                                                                                             .setName(plain.getName()).build());
        assertThat(combined.getRoleIdsList()).containsExactly("editor", "reader", "user");
        assertThat(combined.getPermissionsList()).containsExactly("files.*", "files.read", "users.read");
        assertThat(combined.getActive()).isFalse();
    }

    // ---- list: pagination, filter, order, total

    @Test
    void paginationReturnsEveryUserExactlyOnceWhileUsersAreInserted() throws Exception {
        final Set<String> existing = new HashSet<>();
        for (int i = 0; i < 150; i++) {
            existing.add(newUser("paging.test").getId());
        }
        for (String orderBy : List.of("", "username", "last_name desc, email")) {
            final AtomicBoolean done = new AtomicBoolean();
            final AtomicInteger inserted = new AtomicInteger();
            final List<Thread> writers = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                final Thread writer = new Thread(() -> {
                    while (!done.get()) {
                        newUser("paging.test");
                        inserted.incrementAndGet();
                    }
                });
                writer.start();
                writers.add(writer);
            }
            final List<String> seen;
            try {
                seen = listAll(admin, "email_domain = \"paging.test\"", orderBy, 7);
            } finally {
                done.set(true);
                for (Thread writer : writers) {
                    writer.join();
                }
            }
            assertThat(inserted.get()).as("users inserted while paging").isPositive();
            assertThat(new HashSet<>(seen)).as("no user twice (order '%s')", orderBy).hasSize(seen.size());
            assertThat(seen).as("every user that existed before (order '%s')", orderBy).containsAll(existing);
            existing.addAll(seen);
        }
    }

    @Test
    void aBulkImportInOneTransactionPagesExactlyOnceAndItsTotalIsAnEstimate() {
        // one transaction: every row has the same create_time, so the id alone orders them
        final int count = UserQueries.EXACT_COUNT_LIMIT + 50;
        jdbi.useHandle(h -> {
            h.execute("INSERT INTO profiles (id, username, email) SELECT gen_random_uuid(), 'bulk' || i,"
                      + " 'bulk' || i || '@bulk.test' FROM generate_series(1, ?) i", count);
            h.execute("ANALYZE profiles");
        });
        final String filter = "email_domain = \"bulk.test\"";
        final ListUsersResponse first = admin.listUsers(ListUsersRequest.newBuilder().setFilter(filter)
                                                                        .setPageSize(10).build());
        assertThat(first.getTotalSizeIsEstimate()).isTrue();
        assertThat(first.getTotalSize()).isGreaterThan(UserQueries.EXACT_COUNT_LIMIT);

        for (String orderBy : List.of("", "create_time")) {
            final List<String> ids = listAll(admin, filter, orderBy, 1000);
            assertThat(ids).as("order '%s'", orderBy).hasSize(count).doesNotHaveDuplicates();
        }
        final List<String> newest = listAll(admin, filter, "create_time desc", 1000);
        final List<String> oldest = new ArrayList<>(listAll(admin, filter, "create_time", 1000));
        java.util.Collections.reverse(oldest);
        assertThat(newest).containsExactlyElementsOf(oldest);

        final ListUsersResponse few = admin.listUsers(ListUsersRequest.newBuilder()
                                                                      .setFilter("email_domain = \"bulk.test\" AND active = false")
                                                                      .build());
        assertThat(few.getTotalSizeIsEstimate()).isFalse();
        assertThat(few.getTotalSize()).isZero();
    }

    @Test
    void totalSizeCountsEveryPageAndPageSizeIsBounded() {
        for (int i = 0; i < 12; i++) {
            newUser("total.test");
        }
        final ListUsersResponse first = admin.listUsers(ListUsersRequest.newBuilder()
                                                                        .setFilter("email_domain = \"total.test\"")
                                                                        .setPageSize(5).build());
        assertThat(first.getUsersCount()).isEqualTo(5);
        assertThat(first.getTotalSize()).isEqualTo(12);
        assertThat(first.getTotalSizeIsEstimate()).isFalse();
        assertThat(first.getNextPageToken()).isNotEmpty();
        assertThat(listAll(admin, "email_domain = \"total.test\"", "", 5)).hasSize(12);

        final StatusRuntimeException tooBig = failure(() -> admin.listUsers(ListUsersRequest.newBuilder()
                                                                                             .setPageSize(1001).build()));
        assertThat(code(tooBig)).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(badRequest(tooBig).getFieldViolations(0).getField()).isEqualTo("page_size");
    }

    @Test
    void everyFilterField() {
        final String d = "filter.test";
        final User a = newUser(d);
        final User b = newUser(d);
        final User c = newUser(d);
        final User other = newUser("elsewhere.test");
        admin.createRole(CreateRoleRequest.newBuilder().setRoleId("auditor").setRole(Role.getDefaultInstance()).build());
        admin.addUserRole(AddUserRoleRequest.newBuilder().setName(a.getName()).setRole("roles/auditor").build());
        setActive(b.getId(), false);
        admin.updateUser(UpdateUserRequest.newBuilder()
                                          .setUser(User.newBuilder().setName(c.getName()).setLocale("de-DE"))
                                          .build());
        jdbi.useHandle(h -> {
            h.execute("UPDATE profiles SET create_time = '2020-01-01T00:00:00Z' WHERE id = ?", UUID.fromString(a.getId()));
            h.execute("UPDATE profiles SET create_time = '2021-06-01T00:00:00Z' WHERE id = ?", UUID.fromString(b.getId()));
            h.execute("UPDATE profiles SET create_time = '2022-01-01T00:00:00Z', update_time = '2022-01-02T00:00:00Z'"
                      + " WHERE id = ?", UUID.fromString(c.getId()));
        });
        final String in = "email_domain = \"" + d + "\"";
        assertThat(listAll(admin, in, "", 50)).containsExactlyInAnyOrder(a.getId(), b.getId(), c.getId());
        assertThat(listAll(admin, "email_domain = \"FILTER.test\"", "", 50)).hasSize(3);
        assertThat(listAll(admin, "email_domain = \"elsewhere.test\"", "", 50)).containsExactly(other.getId());
        assertThat(listAll(admin, in + " AND role = \"auditor\"", "", 50)).containsExactly(a.getId());
        assertThat(listAll(admin, "role = \"auditor\"", "", 50)).containsExactly(a.getId());
        assertThat(listAll(admin, in + " AND role = \"user\"", "", 50)).hasSize(3);
        assertThat(listAll(admin, in + " AND active = false", "", 50)).containsExactly(b.getId());
        assertThat(listAll(admin, in + " AND active = true", "", 50)).containsExactlyInAnyOrder(a.getId(), c.getId());
        assertThat(listAll(admin, in + " AND active != true", "", 50)).containsExactly(b.getId());
        assertThat(listAll(admin, in + " AND locale = \"de-DE\"", "", 50)).containsExactly(c.getId());
        assertThat(listAll(admin, in + " AND create_time >= \"2021-01-01T00:00:00Z\" AND create_time < \"2022-01-01T00:00:00Z\"",
                           "", 50)).containsExactly(b.getId());
        assertThat(listAll(admin, in + " AND create_time <= \"2021-06-01T02:00:00+02:00\"", "", 50))
                .containsExactlyInAnyOrder(a.getId(), b.getId());
        assertThat(listAll(admin, in + " AND create_time = \"2022-01-01T00:00:00Z\"", "", 50)).containsExactly(c.getId());
        assertThat(listAll(admin, in + " AND create_time != \"2022-01-01T00:00:00Z\"", "", 50))
                .containsExactlyInAnyOrder(a.getId(), b.getId());
        assertThat(listAll(admin, in + " AND create_time > \"2021-12-31T00:00:00Z\"", "", 50)).containsExactly(c.getId());
        assertThat(listAll(admin, in + " AND update_time < \"2023-01-01T00:00:00Z\"", "", 50)).containsExactly(c.getId());
        // values are bound, never spliced into the SQL
        assertThat(listAll(admin, "email_domain = \"x' OR '1'='1\"", "", 50)).isEmpty();
        assertThat(listAll(admin, "role = \"\\\"admin\\\"\"", "", 50)).isEmpty();
    }

    @Test
    void aMalformedFilterSaysWhatWasExpected() {
        for (String bad : List.of("role = admin", "colour = \"red\"", "active = yes", "active = \"true\"",
                                  "create_time >= \"yesterday\"", "role = \"a\" OR active = true", "email_domain = \"x",
                                  "active", "role ~ \"a\"", "active = true AND", "email_domain > \"a.test\"",
                                  "active = true active = false")) {
            final StatusRuntimeException e = failure(() -> admin.listUsers(ListUsersRequest.newBuilder()
                                                                                           .setFilter(bad).build()));
            assertThat(code(e)).as(bad).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(badRequest(e).getFieldViolations(0).getField()).as(bad).isEqualTo("filter");
            assertThat(badRequest(e).getFieldViolations(0).getDescription()).as(bad).contains("expected");
        }
        final StatusRuntimeException unknown = failure(() -> admin.listUsers(
                ListUsersRequest.newBuilder().setFilter("password = \"x\"").build()));
        assertThat(badRequest(unknown).getFieldViolations(0).getDescription()).contains("unknown field 'password'");
    }

    @Test
    void orderByAndPageTokensThatBelongToTheQuery() {
        final String d = "order.test";
        final String[][] people = {{"Zed", "Adams"}, {"Amy", "Brown"}, {"Bob", "Brown"}, {"Cy", "Young"}, {"Di", "Cole"}};
        final Map<String, String> byLast = new LinkedHashMap<>();
        for (String[] person : people) {
            final User u = newUser(d);
            admin.updateUser(UpdateUserRequest.newBuilder()
                                              .setUser(User.newBuilder().setName(u.getName())
                                                           .setFirstName(person[0]).setLastName(person[1]))
                                              .build());
            byLast.put(u.getId(), person[0] + " " + person[1]);
        }
        final String in = "email_domain = \"" + d + "\"";
        final List<String> lastAsc = names(listAll(admin, in, "last_name, display_name", 2), byLast);
        assertThat(lastAsc).containsExactly("Zed Adams", "Amy Brown", "Bob Brown", "Di Cole", "Cy Young");
        final List<String> lastDesc = names(listAll(admin, in, "last_name desc, display_name desc", 2), byLast);
        assertThat(lastDesc).containsExactly("Cy Young", "Di Cole", "Bob Brown", "Amy Brown", "Zed Adams");
        final List<String> shown = names(listAll(admin, in, " display_name asc ", 3), byLast);
        assertThat(shown).containsExactly("Amy Brown", "Bob Brown", "Cy Young", "Di Cole", "Zed Adams");
        // default: newest first
        final List<String> newest = listAll(admin, in, "", 2);
        final List<String> oldest = new ArrayList<>(listAll(admin, in, "create_time", 2));
        java.util.Collections.reverse(oldest);
        assertThat(newest).containsExactlyElementsOf(oldest);
        assertThat(listAll(admin, in, "update_time desc", 2)).hasSize(5);
        assertThat(listAll(admin, in, "username, email", 2)).hasSize(5);

        final ListUsersResponse first = admin.listUsers(ListUsersRequest.newBuilder().setFilter(in)
                                                                        .setOrderBy("last_name").setPageSize(2).build());
        final StatusRuntimeException otherOrder = failure(() -> admin.listUsers(
                ListUsersRequest.newBuilder().setFilter(in).setOrderBy("username").setPageSize(2)
                                .setPageToken(first.getNextPageToken()).build()));
        assertThat(code(otherOrder)).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(badRequest(otherOrder).getFieldViolations(0).getField()).isEqualTo("page_token");
        final StatusRuntimeException garbage = failure(() -> admin.listUsers(
                ListUsersRequest.newBuilder().setPageToken("not-a-token!").build()));
        assertThat(badRequest(garbage).getFieldViolations(0).getField()).isEqualTo("page_token");
        final StatusRuntimeException badOrder = failure(() -> admin.listUsers(
                ListUsersRequest.newBuilder().setOrderBy("password desc").build()));
        assertThat(code(badOrder)).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(badRequest(badOrder).getFieldViolations(0).getField()).isEqualTo("order_by");
        final StatusRuntimeException twice = failure(() -> admin.listUsers(
                ListUsersRequest.newBuilder().setOrderBy("email, email desc").build()));
        assertThat(badRequest(twice).getFieldViolations(0).getField()).isEqualTo("order_by");
    }

    private static List<String> names(List<String> ids, Map<String, String> names) {
        return ids.stream().map(names::get).toList();
    }

    // ---- search

    @Test
    void searchFindsByTheStartOfNamesAndAddresses() {
        final User ada = newUser("search.test");
        admin.updateUser(UpdateUserRequest.newBuilder()
                                          .setUser(User.newBuilder().setName(ada.getName())
                                                       .setFirstName("Ada").setLastName("Lovelace"))
                                          .build());
        final User exact = provision(UUID.randomUUID().toString(), "lovel", "lovel@search.test").getUser();
        final User byMail = provision(UUID.randomUUID().toString(), "countess", "lovelace.a@analytical.test").getUser();

        assertThat(search("lovel", 20)).containsExactly(exact.getId(),
                                                        min(ada.getId(), byMail.getId()), max(ada.getId(), byMail.getId()));
        assertThat(search("LOVELACE", 20)).containsExactlyInAnyOrder(ada.getId(), byMail.getId());
        assertThat(search("ada lovel", 20)).containsExactly(ada.getId());
        assertThat(search("lovelace.a@analytical", 20)).containsExactly(byMail.getId());
        assertThat(search("countess", 20)).containsExactly(byMail.getId());
        assertThat(search("%", 20)).isEmpty();
        assertThat(search("nobody-by-this-name", 20)).isEmpty();
        // paginated: the same users, one at a time
        assertThat(search("lovel", 1)).containsExactlyElementsOf(search("lovel", 20));

        final StatusRuntimeException forbidden = failure(() -> alice.searchUsers(
                SearchUsersRequest.newBuilder().setQuery("lovel").build()));
        assertThat(code(forbidden)).isEqualTo(Status.Code.PERMISSION_DENIED);
        final StatusRuntimeException otherQuery = failure(() -> admin.searchUsers(
                SearchUsersRequest.newBuilder().setQuery("ada").setPageSize(1)
                                  .setPageToken(admin.searchUsers(SearchUsersRequest.newBuilder().setQuery("lovel")
                                                                                    .setPageSize(1).build())
                                                     .getNextPageToken()).build()));
        assertThat(badRequest(otherQuery).getFieldViolations(0).getField()).isEqualTo("page_token");
    }

    /** The smaller id in PostgreSQL's uuid order: unsigned bytes, the order of the lower-case hex text
     * (not Java's UUID.compareTo, which compares signed longs). */
    private static String min(String a, String b) {
        return a.compareTo(b) < 0 ? a : b;
    }

    private static String max(String a, String b) {
        return a.equals(min(a, b)) ? b : a;
    }

    private static List<String> search(String query, int pageSize) {
        final List<String> ids = new ArrayList<>();
        String token = "";
        do {
            final SearchUsersResponse page = admin.searchUsers(SearchUsersRequest.newBuilder().setQuery(query)
                                                                                 .setPageSize(pageSize)
                                                                                 .setPageToken(token).build());
            page.getUsersList().forEach(u -> ids.add(u.getId()));
            token = page.getNextPageToken();
        } while (!token.isEmpty());
        return ids;
    }

    // ---- create, update, replace, delete

    @Test
    void createUserCreatesTheAccountInAuthWithTheCallersTokenThenTheProfile() {
        final User created = admin.createUser(CreateUserRequest.newBuilder()
                                                               .setUser(User.newBuilder().setUsername("newton")
                                                                            .setEmail("newton@create.test")
                                                                            .setFirstName("Isaac").setLastName("Newton")
                                                                            .setLocale("en-GB")
                                                                            .putMetadata("team", "optics")
                                                                            .addRoles("roles/admin"))
                                                               .setInitialPassword("apple falls down")
                                                               .build()).getUser();
        final CreateAccountRequest sent = CREATED.stream().filter(r -> r.getUsername().equals("newton")).findFirst()
                                                 .orElseThrow();
        assertThat(sent.getEmail()).isEqualTo("newton@create.test");
        assertThat(sent.getInitialPassword()).isEqualTo("apple falls down");
        assertThat(CREATE_AUTHORIZATION).contains("Bearer " + adminToken);
        assertThat(created.getUsername()).isEqualTo("newton");
        assertThat(created.getDisplayName()).isEqualTo("Isaac Newton");
        assertThat(created.getMetadataMap()).containsEntry("team", "optics");
        assertThat(created.getRolesList()).as("roles in the request are ignored").containsExactly("roles/user");
        assertThat(created.getActive()).isTrue();

        // the ProvisionUser that auth's outbox sends afterwards changes nothing
        final ProvisionUserResponse late = provision(created.getId(), "newton", "newton@create.test");
        assertThat(late.getCreated()).isFalse();
        assertThat(late.getUser()).isEqualTo(created);

        final StatusRuntimeException taken = failure(() -> admin.createUser(
                CreateUserRequest.newBuilder().setUser(User.newBuilder().setUsername("taken").setEmail("t@create.test"))
                                 .setInitialPassword("apple falls down").build()));
        assertThat(code(taken)).isEqualTo(Status.Code.ALREADY_EXISTS);
        final StatusRuntimeException noEmail = failure(() -> admin.createUser(
                CreateUserRequest.newBuilder().setUser(User.newBuilder().setUsername("nomail"))
                                 .setInitialPassword("apple falls down").build()));
        assertThat(code(noEmail)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    }

    @Test
    void deleteUserDisablesTheAccountInAuthThenDeletesTheProfile() {
        final User victim = newUser("delete.test");
        admin.deleteUser(DeleteUserRequest.newBuilder().setName(victim.getName()).build());
        assertThat(DISABLED).contains(victim.getId());
        final StatusRuntimeException gone = failure(() -> admin.getUser(GetUserRequest.newBuilder()
                                                                                     .setName(victim.getName()).build()));
        assertThat(code(gone)).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(code(failure(() -> admin.deleteUser(DeleteUserRequest.newBuilder().setName(victim.getName()).build()))))
                .isEqualTo(Status.Code.NOT_FOUND);
        // a late ProvisionUser (auth's outbox retrying) does not bring the profile back
        final ProvisionUserResponse late = provision(victim.getId(), victim.getUsername(), victim.getEmail());
        assertThat(late.getCreated()).isFalse();
        assertThat(late.hasUser()).isFalse();
        assertThat(code(failure(() -> admin.getUser(GetUserRequest.newBuilder().setName(victim.getName()).build()))))
                .isEqualTo(Status.Code.NOT_FOUND);
        final StatusRuntimeException self = failure(() -> admin.deleteUser(DeleteUserRequest.newBuilder()
                                                                                            .setName(name(ADMIN_ID)).build()));
        assertThat(code(self)).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(errorInfo(self).getReason()).isEqualTo("CANNOT_DELETE_SELF");
    }

    @Test
    void patchChangesOnlyTheMaskedFieldsAndPutReplacesThemAll() {
        final User u = newUser("patch.test");
        final User full = admin.updateUser(UpdateUserRequest.newBuilder()
                                                            .setUser(User.newBuilder().setName(u.getName())
                                                                         .setFirstName("Mary").setLastName("Somerville")
                                                                         .setPhone("+4930123456").setTimeZone("Europe/London")
                                                                         .setAvatarFile(PUBLIC_IMAGE)
                                                                         .putMetadata("k", "v"))
                                                            .build()).getUser();
        assertThat(full.getDisplayName()).isEqualTo("Mary Somerville");
        assertThat(full.getPhone()).isEqualTo("+4930123456");
        assertThat(Instant.ofEpochSecond(full.getUpdateTime().getSeconds()))
                .isAfterOrEqualTo(Instant.ofEpochSecond(u.getUpdateTime().getSeconds()));

        // a named field that is empty is cleared; the others stay
        final User patched = admin.updateUser(UpdateUserRequest.newBuilder()
                                                               .setUser(User.newBuilder().setName(u.getName())
                                                                            .setDisplayName("Mrs S"))
                                                               .setUpdateMask(FieldMask.newBuilder().addPaths("display_name")
                                                                                       .addPaths("phone"))
                                                               .build()).getUser();
        assertThat(patched.getDisplayName()).isEqualTo("Mrs S");
        assertThat(patched.getPhone()).isEmpty();
        assertThat(patched.getFirstName()).isEqualTo("Mary");
        assertThat(patched.getMetadataMap()).containsEntry("k", "v");

        final StatusRuntimeException unknownPath = failure(() -> admin.updateUser(
                UpdateUserRequest.newBuilder().setUser(User.newBuilder().setName(u.getName()))
                                 .setUpdateMask(FieldMask.newBuilder().addPaths("roles")).build()));
        assertThat(code(unknownPath)).isEqualTo(Status.Code.INVALID_ARGUMENT);
        final StatusRuntimeException badPhone = failure(() -> admin.updateUser(
                UpdateUserRequest.newBuilder().setUser(User.newBuilder().setName(u.getName()).setPhone("call me"))
                                 .build()));
        assertThat(code(badPhone)).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(code(failure(() -> admin.updateUser(UpdateUserRequest.newBuilder().setUser(
                User.newBuilder().setName(name(UUID.randomUUID().toString())).setFirstName("x")).build()))))
                .isEqualTo(Status.Code.NOT_FOUND);

        final User replaced = admin.replaceUser(ReplaceUserRequest.newBuilder()
                                                                  .setUser(User.newBuilder().setName(u.getName())
                                                                               .setUsername(u.getUsername())
                                                                               .setLastName("Fairfax"))
                                                                  .build()).getUser();
        assertThat(replaced.getFirstName()).isEmpty();
        assertThat(replaced.getLastName()).isEqualTo("Fairfax");
        assertThat(replaced.getDisplayName()).isEqualTo("Fairfax");
        assertThat(replaced.getMetadataMap()).isEmpty();
        assertThat(replaced.getAvatarFile()).isEmpty();
        assertThat(replaced.getActive()).isTrue();
        final StatusRuntimeException rename = failure(() -> admin.replaceUser(ReplaceUserRequest.newBuilder()
                .setUser(User.newBuilder().setName(u.getName()).setUsername("someoneelse")).build()));
        assertThat(code(rename)).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(badRequest(rename).getFieldViolations(0).getField()).isEqualTo("user.username");
    }

    // ---- own profile and mass assignment

    @Test
    void aNulByteAnywhereIsInvalidArgumentNamingTheFieldAndNothingIsStored() {
        final User before = alice.getMyProfile(GetMyProfileRequest.getDefaultInstance()).getUser();

        final StatusRuntimeException e = failure(() -> alice.updateMyProfile(UpdateMyProfileRequest.newBuilder()
                .setUser(User.newBuilder().setLastName("Nul\u0000").putMetadata("theme", "dark\u0000"))
                .build()));

        assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(badRequest(e).getFieldViolationsList())
                .extracting(v -> v.getField() + " " + v.getReason())
                .containsExactlyInAnyOrder("user.last_name string.no_nul", "user.metadata[\"theme\"] string.no_nul");
        final StatusRuntimeException role = failure(() -> admin.createRole(CreateRoleRequest.newBuilder()
                .setRoleId("nul" + UUID.randomUUID().toString().substring(0, 8))
                .setRole(Role.newBuilder().setDescription("\u0000"))
                .build()));
        assertThat(code(role)).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(badRequest(role).getFieldViolations(0).getField()).isEqualTo("role.description");
        assertThat(alice.getMyProfile(GetMyProfileRequest.getDefaultInstance()).getUser()).isEqualTo(before);
    }

    @Test
    void aUserChangesTheOwnProfileButNeverTheOwnRolesOrActiveState() {
        final User me = alice.getMyProfile(GetMyProfileRequest.getDefaultInstance()).getUser();
        assertThat(me.getId()).isEqualTo(ALICE_ID);
        assertThat(alice.getUser(GetUserRequest.newBuilder().setName(name(ALICE_ID)).build()).getUser().getId())
                .isEqualTo(ALICE_ID);

        // empty mask: the personal fields that are set; active and roles are not taken from the request
        final User changed = alice.updateMyProfile(UpdateMyProfileRequest.newBuilder()
                                                                         .setUser(User.newBuilder().setFirstName("Alice")
                                                                                      .setActive(false)
                                                                                      .addRoles("roles/admin"))
                                                                         .build()).getUser();
        assertThat(changed.getFirstName()).isEqualTo("Alice");
        assertThat(changed.getActive()).isTrue();
        assertThat(changed.getRolesList()).containsExactly("roles/user");

        for (String path : List.of("active", "roles", "*", "username")) {
            final StatusRuntimeException e = failure(() -> alice.updateMyProfile(UpdateMyProfileRequest.newBuilder()
                    .setUser(User.newBuilder().setActive(false))
                    .setUpdateMask(FieldMask.newBuilder().addPaths(path)).build()));
            assertThat(code(e)).as(path).isEqualTo(Status.Code.INVALID_ARGUMENT);
        }
        final StatusRuntimeException notMine = failure(() -> alice.updateMyProfile(UpdateMyProfileRequest.newBuilder()
                .setUser(User.newBuilder().setName(name(ADMIN_ID)).setFirstName("Mallory")).build()));
        assertThat(code(notMine)).isEqualTo(Status.Code.PERMISSION_DENIED);
        final StatusRuntimeException viaUpdateUser = failure(() -> alice.updateUser(UpdateUserRequest.newBuilder()
                .setUser(User.newBuilder().setName(name(ALICE_ID)).setActive(true))
                .setUpdateMask(FieldMask.newBuilder().addPaths("active")).build()));
        assertThat(code(viaUpdateUser)).isEqualTo(Status.Code.PERMISSION_DENIED);
        final StatusRuntimeException selfPromotion = failure(() -> alice.addUserRole(AddUserRoleRequest.newBuilder()
                .setName(name(ALICE_ID)).setRole("roles/admin").build()));
        assertThat(code(selfPromotion)).isEqualTo(Status.Code.PERMISSION_DENIED);

        final User after = admin.getUser(GetUserRequest.newBuilder().setName(name(ALICE_ID)).build()).getUser();
        assertThat(after.getActive()).isTrue();
        assertThat(after.getRolesList()).containsExactly("roles/user");
        assertThat(after.getFirstName()).isEqualTo("Alice");
    }

    // ---- roles

    @Test
    void roleCrudAndTheRulesOfBuiltInRoles() {
        final Role created = admin.createRole(CreateRoleRequest.newBuilder().setRoleId("support")
                                                               .setRole(Role.newBuilder().setDescription("Helpdesk")
                                                                            .addPermissions("users.read"))
                                                               .build()).getRole();
        assertThat(created.getName()).isEqualTo("roles/support");
        assertThat(created.getBuiltIn()).isFalse();
        assertThat(code(failure(() -> admin.createRole(CreateRoleRequest.newBuilder().setRoleId("support")
                                                                       .setRole(Role.getDefaultInstance()).build()))))
                .isEqualTo(Status.Code.ALREADY_EXISTS);
        assertThat(code(failure(() -> admin.createRole(CreateRoleRequest.newBuilder().setRoleId("bad")
                .setRole(Role.newBuilder().addPermissions("Not A Permission")).build()))))
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(alice.getRole(GetRoleRequest.newBuilder().setName("roles/support").build()).getRole())
                .isEqualTo(created);

        final Role described = admin.updateRole(UpdateRoleRequest.newBuilder()
                                                                 .setRole(Role.newBuilder().setName("roles/support")
                                                                              .setDescription("First-line support"))
                                                                 .setUpdateMask(FieldMask.newBuilder().addPaths("description"))
                                                                 .build()).getRole();
        assertThat(described.getDescription()).isEqualTo("First-line support");
        assertThat(described.getPermissionsList()).containsExactly("users.read");
        final Role widened = admin.updateRole(UpdateRoleRequest.newBuilder()
                                                               .setRole(Role.newBuilder().setName("roles/support")
                                                                            .addPermissions("users.read")
                                                                            .addPermissions("notifications.send"))
                                                               .build()).getRole();
        assertThat(widened.getPermissionsList()).containsExactly("users.read", "notifications.send");
        assertThat(widened.getDescription()).isEqualTo("First-line support");

        final StatusRuntimeException adminPermissions = failure(() -> admin.updateRole(UpdateRoleRequest.newBuilder()
                .setRole(Role.newBuilder().setName("roles/admin").addPermissions("users.read")).build()));
        assertThat(code(adminPermissions)).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(admin.updateRole(UpdateRoleRequest.newBuilder()
                                                     .setRole(Role.newBuilder().setName("roles/user")
                                                                  .addPermissions("files.read"))
                                                     .build()).getRole().getPermissionsList())
                .containsExactly("files.read");
        admin.updateRole(UpdateRoleRequest.newBuilder().setRole(Role.newBuilder().setName("roles/user"))
                                          .setUpdateMask(FieldMask.newBuilder().addPaths("permissions")).build());

        for (String builtIn : List.of("roles/admin", "roles/user")) {
            final StatusRuntimeException e = failure(() -> admin.deleteRole(DeleteRoleRequest.newBuilder()
                                                                                             .setName(builtIn).setForce(true).build()));
            assertThat(code(e)).as(builtIn).isEqualTo(Status.Code.FAILED_PRECONDITION);
            assertThat(errorInfo(e).getReason()).isEqualTo("BUILT_IN_ROLE");
        }

        final User holder = newUser("roles.test");
        admin.addUserRole(AddUserRoleRequest.newBuilder().setName(holder.getName()).setRole("roles/support").build());
        // granting twice changes nothing
        assertThat(admin.addUserRole(AddUserRoleRequest.newBuilder().setName(holder.getName())
                                                       .setRole("roles/support").build()).getUser().getRolesList())
                .containsExactly("roles/support", "roles/user");
        final StatusRuntimeException inUse = failure(() -> admin.deleteRole(DeleteRoleRequest.newBuilder()
                                                                                           .setName("roles/support").build()));
        assertThat(errorInfo(inUse).getReason()).isEqualTo("ROLE_IN_USE");
        admin.deleteRole(DeleteRoleRequest.newBuilder().setName("roles/support").setForce(true).build());
        assertThat(code(failure(() -> admin.getRole(GetRoleRequest.newBuilder().setName("roles/support").build()))))
                .isEqualTo(Status.Code.NOT_FOUND);
        assertThat(admin.getUser(GetUserRequest.newBuilder().setName(holder.getName()).build()).getUser().getRolesList())
                .containsExactly("roles/user");
        assertThat(code(failure(() -> admin.addUserRole(AddUserRoleRequest.newBuilder().setName(holder.getName())
                                                                         .setRole("roles/nosuchrole").build()))))
                .isEqualTo(Status.Code.NOT_FOUND);

        // every role, one page at a time, by name
        final List<String> names = new ArrayList<>();
        String token = "";
        do {
            final ListRolesResponse page = alice.listRoles(ListRolesRequest.newBuilder().setPageSize(1)
                                                                           .setPageToken(token).build());
            page.getRolesList().forEach(r -> names.add(r.getName()));
            token = page.getNextPageToken();
        } while (!token.isEmpty());
        assertThat(names).contains("roles/admin", "roles/user").isSorted().doesNotHaveDuplicates();
    }

    @Test
    void nobodyGrantsOrShapesARoleBeyondTheirOwnPermissions() {
        // a holder of users.write (and users.read) only: the probe's way to admin was to grant itself
        // a role carrying roles.manage or *, then admin
        final User writer = newUser("escalation.test");
        final UsersServiceBlockingStub asWriter = stub(KEYS.sign(KEYS.userToken(writer.getId())
                .withClaim("permissions", List.of("users.write", "users.read"))));
        final String suffix = UUID.randomUUID().toString().substring(0, 8);
        admin.createRole(CreateRoleRequest.newBuilder().setRoleId("managers" + suffix)
                                          .setRole(Role.newBuilder().addPermissions("roles.manage")).build());
        admin.createRole(CreateRoleRequest.newBuilder().setRoleId("everything" + suffix)
                                          .setRole(Role.newBuilder().addPermissions("*")).build());
        admin.createRole(CreateRoleRequest.newBuilder().setRoleId("readers" + suffix)
                                          .setRole(Role.newBuilder().addPermissions("users.read")).build());
        for (String role : List.of("roles/managers" + suffix, "roles/everything" + suffix, "roles/admin")) {
            final StatusRuntimeException e = failure(() -> asWriter.addUserRole(AddUserRoleRequest.newBuilder()
                    .setName(writer.getName()).setRole(role).build()));
            assertThat(code(e)).as(role).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(errorInfo(e).getReason()).as(role).isEqualTo("ROLE_EXCEEDS_CALLER");
        }
        assertThat(admin.getUser(GetUserRequest.newBuilder().setName(writer.getName()).build()).getUser().getRolesList())
                .containsExactly("roles/user");
        // within its own permissions it grants and takes away
        assertThat(asWriter.addUserRole(AddUserRoleRequest.newBuilder().setName(writer.getName())
                                                          .setRole("roles/readers" + suffix).build()).getUser().getRolesList())
                .contains("roles/readers" + suffix);
        asWriter.removeUserRole(RemoveUserRoleRequest.newBuilder().setName(writer.getName())
                                                     .setRole("roles/readers" + suffix).build());
        // and it takes nothing away that it could not grant: not admin from an administrator
        final StatusRuntimeException demote = failure(() -> asWriter.removeUserRole(RemoveUserRoleRequest.newBuilder()
                .setName(name(ADMIN_ID)).setRole("roles/admin").build()));
        assertThat(errorInfo(demote).getReason()).isEqualTo("ROLE_EXCEEDS_CALLER");

        // a holder of roles.manage (and users.read) shapes roles only within what it holds
        final UsersServiceBlockingStub asManager = stub(KEYS.sign(KEYS.userToken(writer.getId())
                .withClaim("permissions", List.of("roles.manage", "users.read"))));
        for (String permission : List.of("*", "users.write", "users.*")) {
            final StatusRuntimeException e = failure(() -> asManager.createRole(CreateRoleRequest.newBuilder()
                    .setRoleId("n" + suffix).setRole(Role.newBuilder().addPermissions(permission)).build()));
            assertThat(errorInfo(e).getReason()).as(permission).isEqualTo("ROLE_EXCEEDS_CALLER");
        }
        final StatusRuntimeException widen = failure(() -> asManager.updateRole(UpdateRoleRequest.newBuilder()
                .setRole(Role.newBuilder().setName("roles/readers" + suffix).addPermissions("users.read")
                             .addPermissions("users.write")).build()));
        assertThat(errorInfo(widen).getReason()).isEqualTo("ROLE_EXCEEDS_CALLER");
        final StatusRuntimeException narrow = failure(() -> asManager.updateRole(UpdateRoleRequest.newBuilder()
                .setRole(Role.newBuilder().setName("roles/everything" + suffix).addPermissions("users.read")).build()));
        assertThat(errorInfo(narrow).getReason()).as("a role more powerful than the caller").isEqualTo("ROLE_EXCEEDS_CALLER");
        final StatusRuntimeException delete = failure(() -> asManager.deleteRole(DeleteRoleRequest.newBuilder()
                .setName("roles/everything" + suffix).setForce(true).build()));
        assertThat(errorInfo(delete).getReason()).isEqualTo("ROLE_EXCEEDS_CALLER");
        assertThat(asManager.getRole(GetRoleRequest.newBuilder().setName("roles/everything" + suffix).build())
                            .getRole().getPermissionsList()).containsExactly("*");
        // its own permissions it may hand to a role, and change the description of any role
        assertThat(asManager.createRole(CreateRoleRequest.newBuilder().setRoleId("n" + suffix)
                                                         .setRole(Role.newBuilder().addPermissions("roles.manage")).build())
                            .getRole().getPermissionsList()).containsExactly("roles.manage");
        asManager.updateRole(UpdateRoleRequest.newBuilder().setRole(Role.newBuilder().setName("roles/everything" + suffix)
                                                                        .setDescription("all of it")).build());

        // ProvisionUser grants roles: a user's token, even with users.write, may not call it
        final StatusRuntimeException provision = failure(() -> asWriter.provisionUser(ProvisionUserRequest.newBuilder()
                .setId(UUID.randomUUID().toString()).setUsername("sneaky" + suffix).setEmail("s" + suffix + "@x.test")
                .addRoleIds("admin").build()));
        assertThat(code(provision)).isEqualTo(Status.Code.PERMISSION_DENIED);
    }

    @Test
    void changesOfGrantsAndDeactivationEndTheTokensInAuth() {
        final User held = newUser("revocation.test");
        final User other = newUser("revocation.test");
        final String suffix = UUID.randomUUID().toString().substring(0, 8);
        admin.createRole(CreateRoleRequest.newBuilder().setRoleId("ops" + suffix)
                                          .setRole(Role.newBuilder().addPermissions("users.read")).build());
        REVOKED.clear();

        admin.addUserRole(AddUserRoleRequest.newBuilder().setName(held.getName()).setRole("roles/ops" + suffix).build());
        assertThat(REVOKED).containsExactly("REASON_GRANTS_CHANGED " + held.getId());
        // a description changes no one's rights
        REVOKED.clear();
        admin.updateRole(UpdateRoleRequest.newBuilder().setRole(Role.newBuilder().setName("roles/ops" + suffix)
                                                                    .setDescription("operations")).build());
        assertThat(REVOKED).isEmpty();
        // the permissions of a held role: every holder, and no one else
        admin.updateRole(UpdateRoleRequest.newBuilder().setRole(Role.newBuilder().setName("roles/ops" + suffix))
                                          .setUpdateMask(FieldMask.newBuilder().addPaths("permissions")).build());
        assertThat(REVOKED).containsExactly("REASON_GRANTS_CHANGED " + held.getId());
        REVOKED.clear();
        admin.removeUserRole(RemoveUserRoleRequest.newBuilder().setName(held.getName()).setRole("roles/ops" + suffix).build());
        assertThat(REVOKED).containsExactly("REASON_GRANTS_CHANGED " + held.getId());
        REVOKED.clear();
        admin.addUserRole(AddUserRoleRequest.newBuilder().setName(other.getName()).setRole("roles/ops" + suffix).build());
        REVOKED.clear();
        admin.deleteRole(DeleteRoleRequest.newBuilder().setName("roles/ops" + suffix).setForce(true).build());
        assertThat(REVOKED).containsExactly("REASON_GRANTS_CHANGED " + other.getId());

        // deactivation ends sessions, tokens and keys; reactivation asks nothing of auth (login only)
        REVOKED.clear();
        setActive(held.getId(), false);
        assertThat(REVOKED).containsExactly("REASON_DEACTIVATED " + held.getId());
        REVOKED.clear();
        setActive(held.getId(), true);
        admin.updateUser(UpdateUserRequest.newBuilder().setUser(User.newBuilder().setName(held.getName()).setFirstName("H"))
                                          .build());
        assertThat(REVOKED).isEmpty();
    }

    @Test
    void theLastAdministratorKeepsTheRole() {
        final User second = newUser("admins.test");
        admin.addUserRole(AddUserRoleRequest.newBuilder().setName(second.getName()).setRole("roles/admin").build());
        for (String holder : listAll(admin, "role = \"admin\"", "", 100)) {
            if (!holder.equals(ADMIN_ID)) {
                admin.removeUserRole(RemoveUserRoleRequest.newBuilder().setName(name(holder)).setRole("roles/admin").build());
            }
        }
        final StatusRuntimeException last = failure(() -> admin.removeUserRole(RemoveUserRoleRequest.newBuilder()
                .setName(name(ADMIN_ID)).setRole("roles/admin").build()));
        assertThat(code(last)).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(errorInfo(last).getReason()).isEqualTo("LAST_ADMIN");
        // nor can the last administrator be deactivated
        final StatusRuntimeException inactive = failure(() -> admin.updateUser(UpdateUserRequest.newBuilder()
                .setUser(User.newBuilder().setName(name(ADMIN_ID)).setActive(false))
                .setUpdateMask(FieldMask.newBuilder().addPaths("active")).build()));
        assertThat(errorInfo(inactive).getReason()).isEqualTo("LAST_ADMIN");
        // taking away a role the user does not hold succeeds and changes nothing
        assertThat(admin.removeUserRole(RemoveUserRoleRequest.newBuilder().setName(second.getName())
                                                             .setRole("roles/admin").build()).getUser().getRolesList())
                .containsExactly("roles/user");
    }

    @Test
    void twoAdministratorsDeletedAtOnceLeaveOneOfThem() throws Exception {
        for (int round = 0; round < 5; round++) {
            final User x = newUser("race.test");
            final User y = newUser("race.test");
            for (User u : List.of(x, y)) {
                admin.addUserRole(AddUserRoleRequest.newBuilder().setName(u.getName()).setRole("roles/admin").build());
            }
            for (String holder : listAll(admin, "role = \"admin\"", "", 100)) {
                if (!holder.equals(x.getId()) && !holder.equals(y.getId())) {
                    admin.removeUserRole(RemoveUserRoleRequest.newBuilder().setName(name(holder))
                                                              .setRole("roles/admin").build());
                }
            }
            final CountDownLatch go = new CountDownLatch(1);
            final List<CompletableFuture<Status.Code>> deletes = new ArrayList<>();
            for (User u : List.of(x, y)) {
                deletes.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        go.await();
                        admin.deleteUser(DeleteUserRequest.newBuilder().setName(u.getName()).build());
                        return Status.Code.OK;
                    } catch (StatusRuntimeException e) {
                        return e.getStatus().getCode();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            go.countDown();
            final List<Status.Code> codes = new ArrayList<>();
            for (CompletableFuture<Status.Code> delete : deletes) {
                codes.add(delete.get(30, TimeUnit.SECONDS));
            }
            assertThat(codes).as("round %d", round).containsExactlyInAnyOrder(Status.Code.OK, Status.Code.FAILED_PRECONDITION);
            assertThat(listAll(admin, "role = \"admin\"", "", 100)).as("round %d", round).hasSize(1);
            // back to the usual administrator
            admin.addUserRole(AddUserRoleRequest.newBuilder().setName(name(ADMIN_ID)).setRole("roles/admin").build());
        }
    }

    // ---- the authorization matrix

    /** A cell's target: a user id (the acting user's own for the "own" column) and a fresh role. */
    private record Target(String userId, String roleId) {}

    private record Row(String rpc, Function<UsersServiceBlockingStub, Function<Target, Object>> call,
                       Status.Code anonymous, Status.Code userOnOther, Status.Code userOnOwn, Status.Code admin) {}

    @Test
    void authorizationMatrix() {
        final Status.Code ok = Status.Code.OK;
        final Status.Code unauthenticated = Status.Code.UNAUTHENTICATED;
        final Status.Code denied = Status.Code.PERMISSION_DENIED;
        final List<Row> rows = List.of(
                new Row("ListUsers", s -> t -> s.listUsers(ListUsersRequest.getDefaultInstance()),
                        unauthenticated, denied, denied, ok),
                new Row("SearchUsers", s -> t -> s.searchUsers(SearchUsersRequest.newBuilder().setQuery("a").build()),
                        unauthenticated, denied, denied, ok),
                new Row("GetUser", s -> t -> s.getUser(GetUserRequest.newBuilder().setName(name(t.userId())).build()),
                        unauthenticated, denied, ok, ok),
                new Row("CreateUser", s -> t -> s.createUser(CreateUserRequest.newBuilder()
                        .setUser(User.newBuilder().setUsername("m" + t.roleId()).setEmail(t.roleId() + "@matrix.test"))
                        .setInitialPassword("apple falls down").build()),
                        unauthenticated, denied, denied, ok),
                new Row("UpdateUser", s -> t -> s.updateUser(UpdateUserRequest.newBuilder()
                        .setUser(User.newBuilder().setName(name(t.userId())).setFirstName("X")).build()),
                        unauthenticated, denied, denied, ok),
                new Row("ReplaceUser", s -> t -> s.replaceUser(ReplaceUserRequest.newBuilder()
                        .setUser(User.newBuilder().setName(name(t.userId())).setFirstName("X")).build()),
                        unauthenticated, denied, denied, ok),
                new Row("DeleteUser", s -> t -> s.deleteUser(DeleteUserRequest.newBuilder()
                        .setName(name(t.userId())).build()),
                        unauthenticated, denied, denied, ok),
                new Row("GetMyProfile", s -> t -> s.getMyProfile(GetMyProfileRequest.getDefaultInstance()),
                        unauthenticated, ok, ok, ok),
                new Row("UpdateMyProfile", s -> t -> s.updateMyProfile(UpdateMyProfileRequest.newBuilder()
                        .setUser(User.newBuilder().setName(name(t.userId())).setLastName("Y")).build()),
                        unauthenticated, denied, ok, denied),
                new Row("AddUserRole", s -> t -> s.addUserRole(AddUserRoleRequest.newBuilder()
                        .setName(name(t.userId())).setRole("roles/" + t.roleId()).build()),
                        unauthenticated, denied, denied, ok),
                new Row("RemoveUserRole", s -> t -> s.removeUserRole(RemoveUserRoleRequest.newBuilder()
                        .setName(name(t.userId())).setRole("roles/" + t.roleId()).build()),
                        unauthenticated, denied, denied, ok),
                new Row("ListRoles", s -> t -> s.listRoles(ListRolesRequest.getDefaultInstance()),
                        unauthenticated, ok, ok, ok),
                new Row("GetRole", s -> t -> s.getRole(GetRoleRequest.newBuilder().setName("roles/" + t.roleId()).build()),
                        unauthenticated, ok, ok, ok),
                new Row("CreateRole", s -> t -> s.createRole(CreateRoleRequest.newBuilder().setRoleId("n" + t.roleId())
                        .setRole(Role.getDefaultInstance()).build()),
                        unauthenticated, denied, denied, ok),
                new Row("UpdateRole", s -> t -> s.updateRole(UpdateRoleRequest.newBuilder()
                        .setRole(Role.newBuilder().setName("roles/" + t.roleId()).setDescription("d")).build()),
                        unauthenticated, denied, denied, ok),
                new Row("DeleteRole", s -> t -> s.deleteRole(DeleteRoleRequest.newBuilder()
                        .setName("roles/" + t.roleId()).build()),
                        unauthenticated, denied, denied, ok),
                new Row("GetUserGrants", s -> t -> s.getUserGrants(GetUserGrantsRequest.newBuilder()
                        .setName(name(t.userId())).build()),
                        unauthenticated, denied, denied, ok),
                new Row("ProvisionUser", s -> t -> s.provisionUser(ProvisionUserRequest.newBuilder()
                        .setId(t.userId()).setUsername("p" + t.roleId()).setEmail(t.roleId() + "@matrix.test").build()),
                        // it grants roles: auth's own service token only, never a user's, not even an administrator's
                        unauthenticated, denied, denied, denied));
        assertThat(rows.stream().map(Row::rpc).toList())
                .as("every RPC of the contract has a row")
                .containsExactlyInAnyOrderElementsOf(UsersServiceGrpc.getServiceDescriptor().getMethods().stream()
                                                                     .map(m -> m.getBareMethodName()).toList());

        final List<String> mismatches = new ArrayList<>();
        int counter = 0;
        for (Row row : rows) {
            final String roleId = "m" + (++counter) + UUID.randomUUID().toString().substring(0, 6);
            admin.createRole(CreateRoleRequest.newBuilder().setRoleId(roleId).setRole(Role.getDefaultInstance()).build());
            final User other = newUser("matrix.test");
            final Target onOther = new Target(other.getId(), roleId);
            check(mismatches, row, "anonymous", anonymous, onOther, row.anonymous());
            check(mismatches, row, "user on another user", alice, onOther, row.userOnOther());
            check(mismatches, row, "user on own", alice, new Target(ALICE_ID, roleId), row.userOnOwn());
            check(mismatches, row, "administrator", admin, onOther, row.admin());
        }
        assertThat(mismatches).isEmpty();
    }

    private static void check(List<String> mismatches, Row row, String column, UsersServiceBlockingStub stub,
                              Target target, Status.Code expected) {
        Status.Code actual;
        try {
            row.call().apply(stub).apply(target);
            actual = Status.Code.OK;
        } catch (StatusRuntimeException e) {
            actual = e.getStatus().getCode();
        }
        if (actual != expected) {
            mismatches.add(row.rpc() + " / " + column + ": expected " + expected + ", got " + actual);
        }
    }

    /** Auth's CreateAccount and DisableAccount, recording what they receive. */
    // ---- avatars: checked with storage (a stand-in on loopback, holding the files below)

    private static final String PUBLIC_IMAGE = "files/" + UUID.randomUUID();
    private static final String PRIVATE_IMAGE = "files/" + UUID.randomUUID();
    private static final String PUBLIC_PDF = "files/" + UUID.randomUUID();
    /** GetFile calls the storage stand-in received: "authorization name". */
    private static final List<String> FILE_LOOKUPS = new CopyOnWriteArrayList<>();
    private static final AtomicBoolean STORAGE_DOWN = new AtomicBoolean();

    @Test
    void anAvatarIsAPublicImageTheCallerMayReadAndProfilesShowItsThumbnail() {
        final User u = newUser("avatar.test");
        FILE_LOOKUPS.clear();
        final User set = admin.updateUser(UpdateUserRequest.newBuilder()
                                                           .setUser(User.newBuilder().setName(u.getName()).setAvatarFile(PUBLIC_IMAGE))
                                                           .setUpdateMask(FieldMask.newBuilder().addPaths("avatar_file"))
                                                           .build()).getUser();
        assertThat(set.getAvatarFile()).isEqualTo(PUBLIC_IMAGE);
        assertThat(set.getAvatarThumbnailUrl()).isEqualTo("/v1/public/" + PUBLIC_IMAGE + "/thumbnail");
        // asked with the caller's own token: storage decides whether the caller may read the file
        assertThat(FILE_LOOKUPS).containsExactly("Bearer " + adminToken + " " + PUBLIC_IMAGE);

        for (Map.Entry<String, String> refused : Map.of("files/" + UUID.randomUUID(), "that you may read",
                                                        PRIVATE_IMAGE, "is private",
                                                        PUBLIC_PDF, "is not an image (its bytes are application/pdf)").entrySet()) {
            final StatusRuntimeException e = failure(() -> admin.updateUser(
                    UpdateUserRequest.newBuilder()
                                     .setUser(User.newBuilder().setName(u.getName()).setAvatarFile(refused.getKey()))
                                     .setUpdateMask(FieldMask.newBuilder().addPaths("avatar_file")).build()));
            assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(badRequest(e).getFieldViolations(0).getField()).isEqualTo("user.avatar_file");
            assertThat(badRequest(e).getFieldViolations(0).getDescription()).contains(refused.getValue());
        }
        assertThat(admin.getUser(GetUserRequest.newBuilder().setName(u.getName()).build()).getUser().getAvatarFile())
                .isEqualTo(PUBLIC_IMAGE);

        // storage away: a new avatar cannot be checked (UNAVAILABLE); the profile's other fields, and
        // the avatar it already has, still change without storage
        STORAGE_DOWN.set(true);
        try {
            final StatusRuntimeException down = failure(() -> admin.updateUser(
                    UpdateUserRequest.newBuilder()
                                     .setUser(User.newBuilder().setName(u.getName()).setAvatarFile(PRIVATE_IMAGE))
                                     .setUpdateMask(FieldMask.newBuilder().addPaths("avatar_file")).build()));
            assertThat(code(down)).isEqualTo(Status.Code.UNAVAILABLE);
            final User kept = admin.replaceUser(ReplaceUserRequest.newBuilder()
                                                                  .setUser(User.newBuilder().setName(u.getName())
                                                                               .setFirstName("Ada").setAvatarFile(PUBLIC_IMAGE))
                                                                  .build()).getUser();
            assertThat(kept.getFirstName()).isEqualTo("Ada");
            assertThat(kept.getAvatarFile()).isEqualTo(PUBLIC_IMAGE);
        } finally {
            STORAGE_DOWN.set(false);
        }
        final User cleared = admin.updateUser(UpdateUserRequest.newBuilder()
                                                               .setUser(User.newBuilder().setName(u.getName()))
                                                               .setUpdateMask(FieldMask.newBuilder().addPaths("avatar_file"))
                                                               .build()).getUser();
        assertThat(cleared.getAvatarFile()).isEmpty();
        assertThat(cleared.getAvatarThumbnailUrl()).isEmpty();
    }

    /** Storage's GetFile as far as users uses it: three files, NOT_FOUND for any other, UNAVAILABLE when "down". */
    private static final class FakeStorage extends StorageServiceGrpc.StorageServiceImplBase {

        private static final Map<String, File> FILES = Map.of(
                PUBLIC_IMAGE, File.newBuilder().setName(PUBLIC_IMAGE).setDetectedContentType("image/png")
                                  .setVisibility(Visibility.VISIBILITY_PUBLIC).build(),
                PRIVATE_IMAGE, File.newBuilder().setName(PRIVATE_IMAGE).setDetectedContentType("image/jpeg")
                                   .setVisibility(Visibility.VISIBILITY_PRIVATE).build(),
                PUBLIC_PDF, File.newBuilder().setName(PUBLIC_PDF).setDetectedContentType("application/pdf")
                                .setVisibility(Visibility.VISIBILITY_PUBLIC).build());

        @Override
        public void getFile(GetFileRequest request, StreamObserver<GetFileResponse> response) {
            FILE_LOOKUPS.add(ServiceRequestContext.current().request().headers().get(HttpHeaderNames.AUTHORIZATION, "")
                             + " " + request.getName());
            if (STORAGE_DOWN.get()) {
                response.onError(Status.UNAVAILABLE.withDescription("storage is down").asRuntimeException());
                return;
            }
            final File file = FILES.get(request.getName());
            if (file == null) {
                response.onError(Status.NOT_FOUND.withDescription("file not found").asRuntimeException());
                return;
            }
            response.onNext(GetFileResponse.newBuilder().setFile(file).build());
            response.onCompleted();
        }
    }

    private static final class FakeAuth extends AuthServiceGrpc.AuthServiceImplBase {

        private final Map<String, String> usernames = new ConcurrentHashMap<>(Map.of("taken", "x"));

        @Override
        public void createAccount(CreateAccountRequest request, StreamObserver<CreateAccountResponse> response) {
            CREATED.add(request);
            CREATE_AUTHORIZATION.add(ServiceRequestContext.current().request().headers()
                                                          .get(HttpHeaderNames.AUTHORIZATION, ""));
            if (usernames.putIfAbsent(request.getUsername(), request.getEmail()) != null) {
                response.onError(Status.ALREADY_EXISTS.withDescription("username taken").asRuntimeException());
                return;
            }
            final String id = UUID.randomUUID().toString();
            response.onNext(CreateAccountResponse.newBuilder()
                                                 .setAccount(Account.newBuilder().setName("accounts/" + id).setId(id)
                                                                    .setUsername(request.getUsername())
                                                                    .setEmail(request.getEmail())
                                                                    .addAllRoles(request.getRoleIdsList()))
                                                 .build());
            response.onCompleted();
        }

        @Override
        public void disableAccount(DisableAccountRequest request, StreamObserver<DisableAccountResponse> response) {
            DISABLED.add(request.getAccountId());
            response.onNext(DisableAccountResponse.getDefaultInstance());
            response.onCompleted();
        }

        @Override
        public void revokeAccountAccess(RevokeAccountAccessRequest request,
                                        StreamObserver<RevokeAccountAccessResponse> response) {
            request.getAccountIdsList().forEach(id -> REVOKED.add(request.getReason().name() + " " + id));
            response.onNext(RevokeAccountAccessResponse.newBuilder().setAccounts(request.getAccountIdsCount()).build());
            response.onCompleted();
        }
    }
}
