package io.rapport.core.message;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Base64;
import java.util.UUID;

import io.rapport.core.TestClock;
import io.rapport.core.TestDb;
import io.rapport.core.db.Db;
import io.rapport.core.db.Migrations;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LinksTest {

    static final URI BASE = URI.create("https://engage.example.com");
    private final TestClock clock = new TestClock();
    private TestDb db;
    private Links links;
    private final UUID tenant = UUID.randomUUID();
    private final UUID customer = UUID.randomUUID();

    @BeforeEach
    void setUp() {
        db = TestDb.fresh();
        Migrations.migrate(db.dataSource());
        links = new Links(new Db(db.dataSource()), clock, BASE);
    }

    @AfterEach
    void tearDown() throws SQLException {
        db.close();
    }

    static String token(URI link) {
        return link.getQuery().substring((Links.TOKEN_PARAMETER + "=").length());
    }

    @Test
    void anUnsubscribeLinkNamesTheCustomerThePurposeAndTheChannel() {
        URI link = links.unsubscribe(tenant, customer, "marketing", "email");
        assertThat(link.toString()).startsWith("https://engage.example.com" + Links.UNSUBSCRIBE_PATH + "?token=");
        assertThat(token(link)).matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+").hasSizeLessThan(160);
        Links.Claim c = links.verify(token(link)).orElseThrow();
        assertThat(c.kind()).isEqualTo(Links.Kind.UNSUBSCRIBE);
        assertThat(c.tenantId()).isEqualTo(tenant);
        assertThat(c.customerId()).isEqualTo(customer);
        assertThat(c.purpose()).isEqualTo("marketing");
        assertThat(c.channel()).isEqualTo("email");
        Links.Claim p = links.verify(token(links.preferences(tenant, customer))).orElseThrow();
        assertThat(p.kind()).isEqualTo(Links.Kind.PREFERENCES);
        assertThat(p.customerId()).isEqualTo(customer);
    }

    @Test
    void everyNodeAcceptsTheLinksOfEveryOther() {
        Links other = new Links(new Db(db.dataSource()), clock, URI.create("http://other-node:9080"));
        assertThat(other.verify(token(links.unsubscribe(tenant, customer, "marketing", "sms")))).isPresent();
    }

    @Test
    void aChangedForgedOrExpiredTokenIsRefused() throws SQLException {
        String t = token(links.unsubscribe(tenant, customer, "marketing", "email"));
        String payload = t.substring(0, t.indexOf('.'));
        byte[] raw = Base64.getUrlDecoder().decode(payload);
        raw[20] ^= 1; // another customer
        String changed = Base64.getUrlEncoder().withoutPadding().encodeToString(raw) + t.substring(t.indexOf('.'));
        assertThat(links.verify(changed)).isEmpty();
        assertThat(links.verify(t.substring(0, t.length() - 2) + "AA")).isEmpty();
        for (String junk : new String[] {null, "", ".", "abc", "abc.def", "%%%.%%%", "x".repeat(2000), payload + ".", "." + payload}) {
            assertThat(links.verify(junk)).as(String.valueOf(junk)).isEmpty();
        }
        // a database with another key (another installation) does not accept it
        try (TestDb otherDb = TestDb.fresh()) {
            Migrations.migrate(otherDb.dataSource());
            assertThat(new Links(new Db(otherDb.dataSource()), clock, BASE).verify(t)).isEmpty();
        }
        clock.advance(Links.UNSUBSCRIBE_LIFETIME.plus(Duration.ofSeconds(1)));
        assertThat(links.verify(t)).isEmpty();
    }
}
