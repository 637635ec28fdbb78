package io.rapport.core.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;

import io.rapport.core.TestClock;
import io.rapport.core.TestDb;
import io.rapport.core.db.Db;
import io.rapport.core.db.Migrations;
import io.rapport.core.validation.TooManyAttemptsException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SessionsTest {

    static final char[] PASSWORD = "a-good-long-password".toCharArray();

    private TestDb db;
    private AccessStore access;
    private Sessions sessions;
    private final TestClock clock = new TestClock();
    private UUID tenant;

    @BeforeEach
    void setUp() {
        db = TestDb.fresh();
        Migrations.migrate(db.dataSource());
        Db d = new Db(db.dataSource());
        access = new AccessStore(d, clock);
        sessions = new Sessions(d, access, clock, new Sessions.Settings(Duration.ofHours(2), Duration.ofHours(12)));
        tenant = access.ensureDefaultTenant().id();
        access.createUser(tenant, "mia", PASSWORD, Role.MARKETER, false);
    }

    @AfterEach
    void tearDown() throws SQLException {
        db.close();
    }

    private Sessions another() {
        Db d = new Db(db.dataSource());
        return new Sessions(d, new AccessStore(d, clock), clock, new Sessions.Settings(Duration.ofHours(2), Duration.ofHours(12)));
    }

    @Test
    void aSignInOpensASessionThatEveryNodeKnowsByItsTokenAlone() {
        Sessions.Session s = sessions.open("mia", PASSWORD, "127.0.0.1", "test").orElseThrow();
        assertThat(s.token()).startsWith(Sessions.TOKEN_PREFIX).hasSizeGreaterThan(40);
        assertThat(s.principal().name()).isEqualTo("mia");
        assertThat(s.principal().role()).isEqualTo(Role.MARKETER);
        Sessions.Session found = another().find(s.token()).orElseThrow();
        assertThat(found.principal()).isEqualTo(s.principal());
        assertThat(found.csrfToken()).isEqualTo(s.csrfToken());
        assertThat(Sessions.csrfMatches(s.token(), s.csrfToken())).isTrue();
        assertThat(Sessions.csrfMatches(s.token(), Sessions.csrfToken(s.token() + "x"))).isFalse();
        assertThat(Sessions.csrfMatches(s.token(), null)).isFalse();
        assertThat(sessions.find("rps_unknown")).isEmpty();
        assertThat(sessions.find(null)).isEmpty();
    }

    @Test
    void theTokenIsNotStored() throws SQLException {
        Sessions.Session s = sessions.open("mia", PASSWORD, null, null).orElseThrow();
        try (var c = db.dataSource().getConnection(); var rs = c.createStatement().executeQuery("SELECT token_hash FROM app_session")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo(Passwords.sha256(s.token())).doesNotContain(s.token());
        }
    }

    @Test
    void aWrongPasswordOpensNothing() {
        assertThat(sessions.open("mia", "wrong".toCharArray(), null, null)).isEmpty();
        assertThat(sessions.open("nobody", PASSWORD, null, null)).isEmpty();
    }

    @Test
    void anIdleSessionEndsAndAnActiveOneEndsAtItsMaximumAge() {
        Sessions.Session idle = sessions.open("mia", PASSWORD, null, null).orElseThrow();
        Sessions.Session active = sessions.open("mia", PASSWORD, null, null).orElseThrow();
        for (int i = 0; i < 5; i++) {
            clock.advance(Duration.ofMinutes(30));
            assertThat(sessions.find(active.token())).isPresent();
        }
        assertThat(sessions.find(idle.token())).isEmpty(); // 2.5 h without use
        for (int i = 0; i < 18; i++) {
            clock.advance(Duration.ofMinutes(30));
            assertThat(sessions.find(active.token())).as("after %s h", (i + 6) / 2.0).isPresent();
        }
        clock.advance(Duration.ofMinutes(30)); // 12 h after the sign-in
        assertThat(sessions.find(active.token())).isEmpty();
        assertThat(another().find(active.token())).isEmpty();
    }

    @Test
    void signOutAndDisablingEndSessionsEverywhere() {
        Sessions.Session a = sessions.open("mia", PASSWORD, null, null).orElseThrow();
        Sessions.Session b = sessions.open("mia", PASSWORD, null, null).orElseThrow();
        Sessions.Session c = sessions.open("mia", PASSWORD, null, null).orElseThrow();
        sessions.close(a.token());
        assertThat(sessions.find(a.token())).isEmpty();
        assertThat(another().find(a.token())).isEmpty();
        sessions.closeAllBut("mia", b.token());
        assertThat(sessions.find(b.token())).isPresent();
        assertThat(sessions.find(c.token())).isEmpty();
        Sessions.Session d = sessions.open("mia", PASSWORD, null, null).orElseThrow();
        Sessions other = another();
        assertThat(other.find(d.token())).isPresent();
        access.disableUser(tenant, "mia");
        sessions.closeAll("mia");
        assertThat(sessions.find(d.token())).isEmpty();
        assertThat(other.find(b.token())).isEmpty(); // its cache is rechecked after RECHECK_MS at most
        assertThat(sessions.open("mia", PASSWORD, null, null)).isEmpty();
        assertThat(access.authenticateUser("mia", PASSWORD)).isEmpty();
        assertThat(access.users(tenant)).singleElement().satisfies(u -> assertThat(u.disabledAt()).isNotNull());
    }

    @Test
    void repeatedFailuresWaitLongerAndLongerAndTheRightPasswordWaitsToo() {
        for (int i = 0; i < SignInThrottle.FREE_FAILURES; i++) {
            assertThat(sessions.open("mia", "wrong".toCharArray(), "10.0.0.1", null)).isEmpty();
        }
        assertThatThrownBy(() -> sessions.open("mia", PASSWORD, "10.0.0.1", null)).isInstanceOf(TooManyAttemptsException.class)
                .satisfies(e -> assertThat(((TooManyAttemptsException) e).retryAfterSeconds()).isEqualTo(SignInThrottle.FIRST_LOCK.toSeconds()));
        // from elsewhere, the user still signs in: a stranger cannot lock them out
        assertThat(sessions.open("mia", PASSWORD, "10.0.0.2", null)).isPresent();
        // and HTTP Basic from the locked address waits as well
        assertThatThrownBy(() -> access.authenticateUser("mia", "also-wrong".toCharArray(), "10.0.0.1")).isInstanceOf(TooManyAttemptsException.class);
        clock.advance(SignInThrottle.FIRST_LOCK);
        assertThat(sessions.open("mia", "wrong".toCharArray(), "10.0.0.1", null)).isEmpty();
        assertThatThrownBy(() -> sessions.open("mia", PASSWORD, "10.0.0.1", null)).isInstanceOf(TooManyAttemptsException.class)
                .satisfies(e -> assertThat(((TooManyAttemptsException) e).retryAfterSeconds()).isEqualTo(2 * SignInThrottle.FIRST_LOCK.toSeconds()));
        clock.advance(SignInThrottle.FIRST_LOCK.multipliedBy(2));
        assertThat(sessions.open("mia", PASSWORD, "10.0.0.1", null)).isPresent(); // the right password resets the count
        assertThat(sessions.open("mia", "wrong".toCharArray(), "10.0.0.1", null)).isEmpty();
        assertThat(sessions.open("mia", PASSWORD, "10.0.0.1", null)).isPresent();
    }

    @Test
    void aUsernameThatCannotExistIsRefusedWithoutBeingRemembered() {
        assertThat(sessions.open("x".repeat(70_000), PASSWORD, "10.0.0.1", null)).isEmpty();
        assertThat(sessions.open("has space", PASSWORD, "10.0.0.1", null)).isEmpty();
        assertThat(sessions.open(null, PASSWORD, "10.0.0.1", null)).isEmpty();
    }
}
