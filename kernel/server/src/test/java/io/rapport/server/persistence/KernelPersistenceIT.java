package io.rapport.server.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.math.BigDecimal;
import java.net.URISyntaxException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;

import javax.sql.DataSource;

import io.rapport.api.customer.Customer;
import io.rapport.api.customer.Identifier;
import io.rapport.api.event.EventTypes;
import io.rapport.api.event.NewEvent;
import io.rapport.core.Kernel;
import io.rapport.core.customer.CustomerChanges;
import io.rapport.core.customer.CustomerJson;
import io.rapport.core.db.Db;
import io.rapport.core.db.Migrations;
import io.rapport.core.event.EventStore;
import io.rapport.core.json.Json;
import io.rapport.core.validation.ConflictException;
import io.rapport.server.KernelHolder;
import jakarta.annotation.Resource;
import jakarta.inject.Inject;
import org.assertj.core.api.Assertions;
import org.awaitility.Awaitility;
import org.hamcrest.Matcher;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.importer.ZipImporter;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The persistence layer inside Liberty: the kernel that {@link KernelHolder} started on the server's
 * {@code jdbc/rapport} data source, checked with plain SQL on that same data source. Each test works in a tenant of
 * its own, so counts are not disturbed by other tests or by earlier runs on the same database file.
 */
@ExtendWith(ArquillianExtension.class)
class KernelPersistenceIT {

    private static final String TENANT_ROWS = "SELECT COUNT(*) FROM %s WHERE tenant_id = ?";
    private static final List<String> TENANT_TABLES = List.of("customer", "customer_identifier", "customer_attribute", "customer_tag",
            "consent", "event", "outbox");

    @Deployment
    static WebArchive deployment() {
        return ShrinkWrap.create(ZipImporter.class, "rapport-persistence-it.war")
                .importFrom(serverWar())
                .as(WebArchive.class)
                .addClass(KernelPersistenceIT.class)
                .addAsLibraries(jarOf(Assertions.class), jarOf(Awaitility.class), jarOf(Matcher.class));
    }

    /** The WAR this module built (failsafe passes its path; target/rapport-server-*.war otherwise). */
    private static File serverWar() {
        String path = System.getProperty("rapport.war");
        if (path != null) {
            return new File(path);
        }
        File[] wars = new File("target").listFiles((dir, name) -> name.startsWith("rapport-server-") && name.endsWith(".war"));
        if (wars == null || wars.length != 1) {
            throw new IllegalStateException("build the WAR first (mvn package): expected one target/rapport-server-*.war");
        }
        return wars[0];
    }

    private static File jarOf(Class<?> type) {
        try {
            return new File(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Inject
    KernelHolder holder;

    @Resource(lookup = KernelHolder.DATA_SOURCE)
    DataSource dataSource;

    private Kernel kernel;
    private UUID tenant;

    @BeforeEach
    void newTenant() {
        assertThat(holder.started()).as("the kernel started with the application").isTrue();
        kernel = holder.kernel();
        String slug = "it-" + UUID.randomUUID().toString().substring(0, 8);
        tenant = kernel.access().createTenant(slug, "Arquillian " + slug, null).id();
    }

    @Test
    void theServerDataSourceIsMigratedToSchemaVersionOne() throws SQLException {
        assertThat(kernel.db().dialect()).isEqualTo(Db.Dialect.H2);
        List<String> applied = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT \"version\", \"success\" FROM \"" + Migrations.HISTORY_TABLE
                     + "\" WHERE \"version\" IS NOT NULL ORDER BY \"installed_rank\"");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                assertThat(rs.getBoolean(2)).as("migration %s succeeded", rs.getString(1)).isTrue();
                applied.add(rs.getString(1));
            }
        }
        assertThat(applied).startsWith("1");
        assertThat(count("SELECT COUNT(*) FROM tenant WHERE id = ?", tenant)).isEqualTo(1);
    }

    @Test
    void creatingACustomerWritesItsRowsAndAPendingCreatedEventInOneCommit() throws SQLException {
        long projectedBefore = kernel.relay().projectedCount();
        Customer ann;
        // the relay is paused so that the outbox row can be seen before it is projected and deleted
        kernel.relay().close();
        try {
            ann = kernel.customers().create(tenant, changes("""
                    {"email": "Ann@Example.com", "phone": "+14155552671", "firstName": "Ann", "tags": ["vip"], "attributes": {"plan": "gold"}}
                    """), "it");

            assertThat(count("SELECT COUNT(*) FROM customer WHERE tenant_id = ? AND id = ? AND email = 'ann@example.com' AND first_name = 'Ann'",
                    tenant, ann.id())).isEqualTo(1);
            assertThat(rows("SELECT type, id_value FROM customer_identifier WHERE tenant_id = ? AND customer_id = ? ORDER BY type", tenant, ann.id()))
                    .containsExactlyInAnyOrder("email=ann@example.com", "phone=+14155552671");
            assertThat(count("SELECT COUNT(*) FROM customer_tag WHERE customer_id = ? AND tag = 'vip'", ann.id())).isEqualTo(1);
            assertThat(count("SELECT COUNT(*) FROM customer_attribute WHERE customer_id = ? AND name = 'plan'", ann.id())).isEqualTo(1);
            assertThat(rows("SELECT type, source FROM event WHERE tenant_id = ? AND customer_id = ?", tenant, ann.id()))
                    .containsExactly(EventTypes.CUSTOMER_CREATED + "=it");
            assertThat(rows("SELECT e.type, o.state FROM outbox o JOIN event e ON e.id = o.event_id WHERE o.tenant_id = ?", tenant))
                    .containsExactly(EventTypes.CUSTOMER_CREATED + "=0");
        } finally {
            kernel.relay().start();
        }
        awaitUntil(() -> count(TENANT_ROWS.formatted("outbox"), tenant) == 0);
        assertThat(kernel.relay().projectedCount()).isGreaterThan(projectedBefore);
        assertThat(kernel.customers().findByIdentifier(tenant, Identifier.phone("+14155552671"))).map(Customer::id).contains(ann.id());
    }

    @Test
    void aCreateThatConflictsOnAnIdentifierLeavesNothingHalfWritten() throws SQLException {
        Customer bo = kernel.customers().create(tenant, changes("{\"email\": \"bo@example.com\", \"phone\": \"+14155552671\"}"), "it");
        awaitUntil(() -> count(TENANT_ROWS.formatted("outbox"), tenant) == 0);
        Map<String, Long> before = tenantRowCounts();

        // the new email is written before the phone is found taken: the rollback must take it away again
        assertThatThrownBy(() -> kernel.customers().create(tenant, changes("""
                {"email": "cy@example.com", "phone": "+14155552671", "firstName": "Cy", "tags": ["new"], "attributes": {"plan": "free"},
                 "consents": [{"purpose": "marketing", "channel": "email", "status": "granted", "source": "it"}]}
                """), "it"))
                .isInstanceOfSatisfying(ConflictException.class, e -> assertThat(e.field()).isEqualTo("/phone"));

        assertThat(tenantRowCounts()).isEqualTo(before);
        assertThat(count("SELECT COUNT(*) FROM customer_identifier WHERE tenant_id = ? AND id_value = 'cy@example.com'", tenant)).isZero();
        assertThat(kernel.customers().findByIdentifier(tenant, Identifier.email("cy@example.com"))).isEmpty();
        assertThat(kernel.customers().findByIdentifier(tenant, Identifier.phone("+14155552671"))).map(Customer::id).contains(bo.id());
    }

    @Test
    void appendedEventsAreStoredOnceAndProjectedOntoAProfileByTheRelay() throws SQLException {
        OffsetDateTime now = OffsetDateTime.now(Clock.systemUTC());
        Identifier email = Identifier.email("di@example.com");
        List<NewEvent> orders = List.of(
                new NewEvent(EventTypes.ORDER_COMPLETED, List.of(email), false, now.minusMinutes(2), Map.of(EventTypes.PROPERTY_TOTAL, new BigDecimal("40.5")),
                        Map.of(), "order-1"),
                new NewEvent(EventTypes.ORDER_COMPLETED, List.of(email), false, now.minusMinutes(1), Map.of(EventTypes.PROPERTY_TOTAL, new BigDecimal("9.5")),
                        Map.of(), "order-2"));

        List<EventStore.Appended> stored = kernel.events().append(tenant, "it", orders);
        List<EventStore.Appended> again = kernel.events().append(tenant, "it", orders.subList(0, 1));

        assertThat(stored).noneMatch(EventStore.Appended::duplicate);
        assertThat(again).singleElement().satisfies(a -> {
            assertThat(a.duplicate()).isTrue();
            assertThat(a.eventId()).isEqualTo(stored.get(0).eventId());
        });
        awaitUntil(() -> count(TENANT_ROWS.formatted("outbox"), tenant) == 0);

        Customer di = kernel.customers().findByIdentifier(tenant, email).orElseThrow();
        assertThat(di.orderCount()).isEqualTo(2);
        assertThat(di.revenue()).isEqualByComparingTo("50");
        assertThat(count("SELECT COUNT(*) FROM event WHERE tenant_id = ? AND type = ? AND customer_id = ?", tenant, EventTypes.ORDER_COMPLETED, di.id()))
                .isEqualTo(2);
        assertThat(count("SELECT COUNT(*) FROM event WHERE tenant_id = ? AND customer_id IS NULL", tenant)).isZero();
    }

    private CustomerChanges changes(String json) {
        return CustomerJson.changes(Json.readObject(json), null, kernel.customers().stages(), Clock.systemUTC());
    }

    private Map<String, Long> tenantRowCounts() throws SQLException {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String table : TENANT_TABLES) {
            counts.put(table, count(TENANT_ROWS.formatted(table), tenant));
        }
        return counts;
    }

    private long count(String sql, Object... args) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = prepare(c, sql, args); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Two-column rows as {@code first=second}. */
    private List<String> rows(String sql, Object... args) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = prepare(c, sql, args); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getString(1) + "=" + rs.getString(2));
            }
        }
        return out;
    }

    private static PreparedStatement prepare(Connection c, String sql, Object... args) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        for (int i = 0; i < args.length; i++) {
            ps.setObject(i + 1, args[i]);
        }
        return ps;
    }

    /** Polls on the test's own (container-managed) thread. */
    private static void awaitUntil(Callable<Boolean> condition) {
        await().atMost(Duration.ofSeconds(20)).pollInSameThread().pollInterval(Duration.ofMillis(50)).until(condition);
    }
}
