package io.rapport.core.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.time.Clock;
import java.util.UUID;

import io.rapport.core.TestDb;
import io.rapport.core.db.Db;
import io.rapport.core.db.Migrations;
import io.rapport.core.validation.ConflictException;
import io.rapport.core.validation.InvalidInputException;
import io.rapport.core.validation.NotFoundException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AccessStoreTest {

    private TestDb db;
    private AccessStore access;
    private UUID tenant;

    @BeforeEach
    void setUp() {
        db = TestDb.fresh();
        Migrations.migrate(db.dataSource());
        access = new AccessStore(new Db(db.dataSource()), Clock.systemUTC());
        tenant = access.ensureDefaultTenant().id();
    }

    @AfterEach
    void tearDown() throws SQLException {
        db.close();
    }

    @Test
    void passwordsAreSaltedHashesThatVerify() {
        String a = Passwords.hash("correct horse".toCharArray());
        String b = Passwords.hash("correct horse".toCharArray());
        assertThat(a).startsWith("pbkdf2-sha256$").isNotEqualTo(b).doesNotContain("correct");
        assertThat(Passwords.verify("correct horse".toCharArray(), a)).isTrue();
        assertThat(Passwords.verify("correct horsE".toCharArray(), a)).isFalse();
        assertThat(Passwords.verify("x".toCharArray(), "plain")).isFalse();
    }

    @Test
    void usersSignInWithTheirRoleAndTenant() {
        access.createUser(tenant, "mia", "twelve-chars!".toCharArray(), Role.MARKETER, false);
        Principal p = access.authenticateUser("mia", "twelve-chars!".toCharArray()).orElseThrow();
        assertThat(p.tenantId()).isEqualTo(tenant);
        assertThat(p.has(Role.VIEWER)).isTrue();
        assertThat(p.has(Role.ADMIN)).isFalse();
        assertThat(access.authenticateUser("mia", "wrong".toCharArray())).isEmpty();
        assertThat(access.authenticateUser("nobody", "twelve-chars!".toCharArray())).isEmpty();
        assertThatThrownBy(() -> access.createUser(tenant, "mia", "twelve-chars!".toCharArray(), Role.VIEWER, false))
                .isInstanceOf(ConflictException.class);
        assertThatThrownBy(() -> access.createUser(tenant, "neo", "short".toCharArray(), Role.VIEWER, false))
                .isInstanceOf(InvalidInputException.class);
    }

    @Test
    void aChangedPasswordReplacesTheCachedOne() {
        access.createUser(tenant, "lea", "first-password".toCharArray(), Role.VIEWER, false);
        assertThat(access.authenticateUser("lea", "first-password".toCharArray())).isPresent();
        access.changePassword("lea", "second-password".toCharArray());
        assertThat(access.authenticateUser("lea", "first-password".toCharArray())).isEmpty();
        assertThat(access.authenticateUser("lea", "second-password".toCharArray())).isPresent();
    }

    @Test
    void apiKeysAreStoredHashedAndCanBeRevoked() {
        AccessStore.NewApiKey k = access.createApiKey(tenant, "shop");
        assertThat(k.secret()).startsWith(AccessStore.KEY_PREFIX + k.key().prefix() + "_");
        Principal p = access.authenticateKey(k.secret()).orElseThrow();
        assertThat(p.isApiKey()).isTrue();
        assertThat(p.tenantId()).isEqualTo(tenant);
        assertThat(access.authenticateKey(k.secret() + "x")).isEmpty();
        assertThat(access.apiKeys(tenant)).extracting(AccessStore.ApiKey::name).containsExactly("shop");

        AccessStore.Tenant other = access.createTenant("other", "Other", "DE");
        assertThatThrownBy(() -> access.revokeApiKey(other.id(), k.key().id())).isInstanceOf(NotFoundException.class);
        access.revokeApiKey(tenant, k.key().id());
        assertThat(access.authenticateKey(k.secret())).isEmpty();
    }

    @Test
    void tenantsHaveUniqueValidSlugs() {
        assertThatThrownBy(() -> access.createTenant("default", "Again", null)).isInstanceOf(ConflictException.class);
        assertThatThrownBy(() -> access.createTenant("Bad Slug", "", "XX")).isInstanceOf(InvalidInputException.class)
                .satisfies(e -> assertThat(((InvalidInputException) e).errors()).hasSize(3));
    }

    @Test
    void manyParallelCallsWithTheRightPasswordAreNotABurst() throws Exception {
        access.createUser(tenant, "zed", "the-right-password".toCharArray(), Role.VIEWER, false);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(16);
        try {
            java.util.List<java.util.concurrent.Future<java.util.Optional<Principal>>> calls = new java.util.ArrayList<>();
            for (int i = 0; i < 32; i++) {
                calls.add(pool.submit(() -> access.authenticateUser("zed", "the-right-password".toCharArray(), "10.0.0.9")));
            }
            for (var f : calls) {
                assertThat(f.get()).isPresent();
            }
        } finally {
            pool.shutdown();
        }
    }
}
