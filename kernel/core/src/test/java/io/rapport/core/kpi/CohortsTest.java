package io.rapport.core.kpi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
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
import io.rapport.core.validation.InvalidInputException;
import io.rapport.spi.kpi.KpiData;
import io.rapport.spi.kpi.Period;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cohort retention table computed in the database, the top customers by a score and the dates of a shop's data, on a
 * real kernel (H2, or PostgreSQL with -Drapport.test.db=postgresql), against a small shop checked by hand.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CohortsTest {

    static final ZoneId PARIS = ZoneId.of("Europe/Paris");

    @TempDir
    static Path dir;

    private final TestClock clock = new TestClock(Instant.parse("2026-06-15T12:00:00Z"));
    private TestDb db;
    private Kernel kernel;
    private UUID tenant;
    private Customer ann;
    private Customer bob;
    private Customer cy;
    private Customer eve;

    @BeforeAll
    void start() {
        db = TestDb.fresh();
        kernel = Kernel.start(db.dataSource(), Kernel.Settings.defaults(dir.resolve("data")), clock);
        tenant = kernel.defaultTenant().id();
        ann = customer("ann@example.com", "Ann");
        bob = customer("bob@example.com", null);
        cy = customer("cy@example.com", "Cy");
        Customer di = customer("di@example.com", "Di");
        eve = customer("eve@example.com", "Eve");
        // Ann: January, February, and 00:30 on 1 April in Paris (still March in UTC)
        order(ann, "2026-01-05T10:00:00Z", "a1");
        order(ann, "2026-02-10T10:00:00Z", "a2");
        order(ann, "2026-03-31T22:30:00Z", "a3");
        // Bob: 00:30 on 1 February in Paris (January in UTC), then February again
        order(bob, "2026-01-31T23:30:00Z", "b1");
        order(bob, "2026-02-20T10:00:00Z", "b2");
        // Cy: twice in January, never again
        order(cy, "2026-01-20T10:00:00Z", "c1");
        order(cy, "2026-01-25T10:00:00Z", "c2");
        // Di started before the window: in no cohort, though she ordered in February
        order(di, "2025-12-15T10:00:00Z", "d1");
        order(di, "2026-02-03T10:00:00Z", "d2");
        // Eve: March, and May (after the window)
        order(eve, "2026-03-10T10:00:00Z", "e1");
        order(eve, "2026-05-05T10:00:00Z", "e2");
        // another type does not count
        kernel.events().append(tenant, "test", List.of(new NewEvent(EventTypes.CART_UPDATED, List.of(Identifier.email("fay@example.com")), true,
                OffsetDateTime.parse("2026-01-10T10:00:00Z"), Map.of(), Map.of(), "cart-f1")));
        await().atMost(Duration.ofSeconds(10)).until(() -> kernel.customers().find(tenant, eve.id()).orElseThrow().orderCount() == 2
                && kernel.customers().find(tenant, ann.id()).orElseThrow().orderCount() == 3
                && kernel.customers().find(tenant, bob.id()).orElseThrow().orderCount() == 2);
    }

    @AfterAll
    void stop() throws SQLException {
        if (kernel != null) {
            kernel.close();
        }
        db.close();
    }

    private KernelKpiData data(ZoneId zone, UUID segment) {
        Period p = kernel.kpis().period(tenant, Period.Granularity.MONTH, LocalDate.parse("2026-01-01"), segment);
        return new KernelKpiData(kernel.db(), p, zone, clock, kernel.segments()::scoresWritten);
    }

    private static Instant paris(String day) {
        return LocalDate.parse(day).atStartOfDay(PARIS).toInstant();
    }

    @Test
    void cohortsAreTheMonthsOfFirstOrdersInTheShopsZone() {
        List<KpiData.Cohort> table = data(PARIS, null).cohorts(EventTypes.ORDER_COMPLETED, paris("2026-01-01"), paris("2026-05-01"));
        assertThat(table).extracting(KpiData.Cohort::month).containsExactly(YearMonth.of(2026, 1), YearMonth.of(2026, 2), YearMonth.of(2026, 3),
                YearMonth.of(2026, 4));
        // January: Ann and Cy; Ann again in February and April (Paris)
        assertThat(table.get(0).customers()).isEqualTo(2);
        assertThat(table.get(0).active()).containsExactly(2L, 1L, 0L, 1L);
        // February: Bob (his first order is 1 February in Paris)
        assertThat(table.get(1).customers()).isEqualTo(1);
        assertThat(table.get(1).active()).containsExactly(1L, 0L, 0L);
        // March: Eve, whose May order is after the window
        assertThat(table.get(2).active()).containsExactly(1L, 0L);
        assertThat(table.get(3).customers()).isZero();
        assertThat(table.get(3).active()).containsExactly(0L);
    }

    @Test
    void inUtcTheMonthsMove() {
        Instant from = Instant.parse("2026-01-01T00:00:00Z");
        List<KpiData.Cohort> table = data(ZoneOffset.UTC, null).cohorts(EventTypes.ORDER_COMPLETED, from, Instant.parse("2026-05-01T00:00:00Z"));
        // January: Ann, Bob and Cy; February Ann and Bob; March Ann (22:30 UTC on the 31st)
        assertThat(table.get(0).active()).containsExactly(3L, 2L, 1L, 0L);
        assertThat(table.get(1).active()).containsExactly(0L, 0L, 0L);
        assertThat(table.get(2).active()).containsExactly(1L, 0L);
    }

    @Test
    void aWindowStartingMidMonthTakesOnlyLaterFirstOrdersAndASegmentRestrictsTheTable() {
        List<KpiData.Cohort> late = data(PARIS, null).cohorts(EventTypes.ORDER_COMPLETED, paris("2026-01-10"), paris("2026-03-01"));
        assertThat(late.get(0).active()).as("Cy only: Ann's first order is before the 10th").containsExactly(1L, 0L);
        assertThat(late.get(1).active()).containsExactly(1L);
        UUID onlyAnn = kernel.segments().create(tenant, "only ann", null, Json.readObject("{\"condition\": {\"profile\": \"email\", \"op\": \"eq\", "
                + "\"value\": \"ann@example.com\"}}")).id();
        List<KpiData.Cohort> ann = data(PARIS, onlyAnn).cohorts(EventTypes.ORDER_COMPLETED, paris("2026-01-01"), paris("2026-05-01"));
        assertThat(ann.get(0).active()).containsExactly(1L, 1L, 0L, 1L);
        assertThat(ann.get(1).customers()).isZero();
        assertThat(data(PARIS, null).cohorts(EventTypes.ORDER_COMPLETED, paris("2026-05-01"), paris("2026-05-01"))).isEmpty();
    }

    @Test
    void theExecutorTakesMonthsAndRefusesBadRanges() {
        List<KpiData.Cohort> table = kernel.kpis().cohorts(tenant, EventTypes.ORDER_COMPLETED, YearMonth.of(2026, 1), YearMonth.of(2026, 3), null);
        assertThat(table).hasSize(3);
        assertThat(table.get(0).active()).as("the shop's zone (the default, UTC)").containsExactly(3L, 2L, 1L);
        assertThatThrownBy(() -> kernel.kpis().cohorts(tenant, EventTypes.ORDER_COMPLETED, YearMonth.of(2026, 3), YearMonth.of(2026, 1), null))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("to");
        assertThatThrownBy(() -> kernel.kpis().cohorts(tenant, EventTypes.ORDER_COMPLETED, YearMonth.of(2020, 1), YearMonth.of(2025, 1), null))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("60 months");
        assertThat(kernel.kpis().cohorts(tenant, EventTypes.ORDER_COMPLETED, YearMonth.of(2021, 1), YearMonth.of(2025, 12), null)).hasSize(60);
    }

    @Test
    void theTopScoresComeWithTheCustomersOtherScoresAndTheDatesOfTheData() {
        KernelKpiData data = data(ZoneOffset.UTC, null);
        data.writeScores("predicted_clv", Map.of(ann.id(), new BigDecimal("120.5"), bob.id(), new BigDecimal("300"), cy.id(), new BigDecimal("7")));
        data.writeScores("p_alive", Map.of(ann.id(), new BigDecimal("0.5"), bob.id(), new BigDecimal("0.9")));
        List<Kpis.Scored> top = kernel.kpis().top(tenant, "predicted_clv", 2);
        assertThat(top).extracting(Kpis.Scored::customerId).containsExactly(bob.id(), ann.id());
        assertThat(top.get(0).score()).isEqualByComparingTo("300");
        assertThat(top.get(0).email()).isEqualTo("bob@example.com");
        assertThat(top.get(0).firstName()).isNull();
        assertThat(top.get(1).firstName()).isEqualTo("Ann");
        assertThat(top.get(1).scores()).containsOnlyKeys("predicted_clv", "p_alive");
        assertThat(top.get(1).scores().get("p_alive")).isEqualByComparingTo("0.5");
        assertThat(kernel.kpis().top(tenant, "nothing_written", 20)).isEmpty();
        assertThatThrownBy(() -> kernel.kpis().top(tenant, "predicted_clv", 101)).isInstanceOf(InvalidInputException.class).hasMessageContaining("limit");

        assertThat(kernel.kpis().dates(tenant, EventTypes.ORDER_COMPLETED)).hasValue(new Kpis.Dates(LocalDate.parse("2025-12-15"),
                LocalDate.parse("2026-05-05")));
        assertThat(kernel.kpis().dates(tenant, "nothing.happened")).isEmpty();
    }

    private Customer customer(String email, String firstName) {
        return kernel.customers().create(tenant, CustomerJson.changes(Json.readObject("{\"email\": \"" + email + "\"" + (firstName == null ? ""
                : ", \"firstName\": \"" + firstName + "\"") + "}"), null, kernel.customers().stages(), clock), "tester");
    }

    private void order(Customer c, String at, String id) {
        kernel.events().append(tenant, "test", List.of(new NewEvent(EventTypes.ORDER_COMPLETED, List.of(Identifier.email(c.email())), true,
                OffsetDateTime.parse(at), Map.of(EventTypes.PROPERTY_TOTAL, BigDecimal.TEN), Map.of(), "order-" + id)));
    }
}
