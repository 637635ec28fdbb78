package io.rapport.core.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.rapport.api.customer.Customer;
import io.rapport.api.customer.Identifier;
import io.rapport.api.event.EventTypes;
import io.rapport.api.event.NewEvent;
import io.rapport.core.Kernel;
import io.rapport.core.TestClock;
import io.rapport.core.TestDb;
import io.rapport.core.customer.CustomerJson;
import io.rapport.core.json.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Segments whose truth changes with time alone are re-evaluated for the customers whose events or dates left a window
 * since the last check, on the simulated clock: "no order within 30 days" takes a customer in the day their order
 * turns 31 days old, without a rebuild.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class) // one clock: each test starts where the one before left it
class SegmentRecheckTest {

    @TempDir
    static Path dir;

    private final TestClock clock = new TestClock(Instant.parse("2026-11-23T10:00:00Z"));
    private TestDb db;
    private Kernel kernel;
    private UUID tenant;

    @BeforeAll
    void start() {
        db = TestDb.fresh();
        // the evaluator's own timer never fires: the test calls the recheck on its clock
        kernel = Kernel.start(db.dataSource(), Kernel.Settings.defaults(dir.resolve("data")).withSegmentRecheck(Duration.ofDays(3650)), clock);
        tenant = kernel.defaultTenant().id();
    }

    @AfterAll
    void stop() throws SQLException {
        if (kernel != null) {
            kernel.close();
        }
        db.close();
    }

    @Test
    @Order(1)
    void aCustomerEntersTheDayTheirLastOrderLeavesTheWindow() {
        Customer ann = customer("ann@example.com");
        Customer bob = customer("bob@example.com");
        Customer cy = customer("cy@example.com");
        order(ann, 29, "a");
        order(bob, 10, "b");
        kernel.customers().update(tenant, cy.id(), CustomerJson.changes(Json.readObject(
                "{\"attributes\": {\"renewal\": {\"type\": \"date\", \"value\": \"2026-10-25\"}}}"), null, kernel.customers().stages(), clock), "tester");
        await().atMost(Duration.ofSeconds(10)).until(() -> kernel.customers().find(tenant, bob.id()).orElseThrow().orderCount() == 1
                && kernel.customers().find(tenant, ann.id()).orElseThrow().orderCount() == 1);
        // every change delivered and evaluated: none is left to move a customer after the clock moves
        await().atMost(Duration.ofSeconds(30)).until(() -> kernel.events().outboxDepth() == 0 && kernel.segmentEvaluator().idle());
        UUID lapsed = kernel.segments().create(tenant, "lapsed", null, Json.readObject("{\"condition\": {\"all\": [{\"event\": \"order.completed\"}, "
                + "{\"event\": \"order.completed\", \"count\": {\"op\": \"eq\", \"value\": 0}, \"withinDays\": 30}]}}")).id();
        UUID renewalDue = kernel.segments().create(tenant, "renewal a month ago", null, Json.readObject("{\"condition\": {\"attribute\": \"renewal\", "
                + "\"op\": \"olderThanDays\", \"value\": 30}}")).id();
        assertThat(kernel.segments().members(tenant, lapsed, null, 10)).isEmpty();
        assertThat(kernel.segments().members(tenant, renewalDue, null, 10)).isEmpty();

        OffsetDateTime before = OffsetDateTime.now(clock);
        clock.advance(Duration.ofDays(2));
        long moved = kernel.segmentEvaluator().recheckCrossing(before, OffsetDateTime.now(clock));

        assertThat(kernel.segments().members(tenant, lapsed, null, 10)).containsExactly(ann.id());
        assertThat(kernel.segments().members(tenant, renewalDue, null, 10)).containsExactly(cy.id());
        assertThat(moved).isEqualTo(2);
        // nothing crossed in the next minute: nothing moves
        OffsetDateTime t = OffsetDateTime.now(clock);
        clock.advance(Duration.ofMinutes(1));
        assertThat(kernel.segmentEvaluator().recheckCrossing(t, OffsetDateTime.now(clock))).isZero();
        // a rebuild agrees
        assertThat(kernel.segments().rebuild(tenant, lapsed).members()).isEqualTo(1);
    }

    @Test
    @Order(2)
    void visitorsLeaveASeenWithinSegmentTheMinuteTheirLastVisitLeavesTheWindowAcrossMidnight() {
        // the recheck finds them through the UTC day of their last visit (V16): a window over midnight spans two days
        OffsetDateTime midnight = OffsetDateTime.now(clock).withOffsetSameInstant(java.time.ZoneOffset.UTC).toLocalDate().plusDays(1)
                .atStartOfDay().atOffset(java.time.ZoneOffset.UTC);
        clock.advance(Duration.between(OffsetDateTime.now(clock), midnight.minusMinutes(5)));
        OffsetDateTime weekAgo = midnight.minusDays(7);
        Customer dan = customer("dan@example.com");
        Customer eve = customer("eve@example.com");
        Customer fay = customer("fay@example.com");
        visit(dan, weekAgo.minusMinutes(2), "d");
        visit(eve, weekAgo.plusMinutes(2), "e");
        visit(fay, weekAgo.plusMinutes(10), "f");
        await().atMost(Duration.ofSeconds(30)).until(() -> kernel.customers().find(tenant, fay.id()).orElseThrow().lastSeenAt() != null
                && kernel.events().outboxDepth() == 0 && kernel.segmentEvaluator().idle());
        UUID recent = kernel.segments().create(tenant, "seen this week", null, Json.readObject("{\"condition\": {\"profile\": \"lastSeenAt\", "
                + "\"op\": \"withinLastDays\", \"value\": 7}}")).id();
        assertThat(kernel.segments().members(tenant, recent, null, 10)).containsExactlyInAnyOrder(dan.id(), eve.id(), fay.id());

        OffsetDateTime before = OffsetDateTime.now(clock);
        clock.advance(Duration.ofMinutes(10));
        long moved = kernel.segmentEvaluator().recheckCrossing(before, OffsetDateTime.now(clock));

        assertThat(kernel.segments().members(tenant, recent, null, 10)).containsExactly(fay.id());
        assertThat(moved).isEqualTo(2);
        assertThat(kernel.segments().rebuild(tenant, recent).members()).isEqualTo(1);
    }

    private void visit(Customer c, OffsetDateTime at, String id) {
        kernel.events().append(tenant, "test", List.of(new NewEvent("page.viewed", List.of(Identifier.email(c.email())), true, at, Map.of(), Map.of(),
                "visit-" + id)));
    }

    private Customer customer(String email) {
        return kernel.customers().create(tenant, CustomerJson.changes(Json.readObject("{\"email\": \"" + email + "\"}"), null, kernel.customers().stages(),
                clock), "tester");
    }

    private void order(Customer c, int daysAgo, String id) {
        kernel.events().append(tenant, "test", List.of(new NewEvent(EventTypes.ORDER_COMPLETED, List.of(Identifier.email(c.email())), true,
                OffsetDateTime.now(clock).minusDays(daysAgo), Map.of(EventTypes.PROPERTY_TOTAL, new BigDecimal("20")), Map.of(), "order-" + id)));
    }
}
