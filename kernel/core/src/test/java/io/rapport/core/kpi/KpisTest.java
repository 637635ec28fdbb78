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
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

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
import io.rapport.core.validation.NotFoundException;
import io.rapport.spi.kpi.KpiData;
import io.rapport.spi.kpi.KpiModule;
import io.rapport.spi.kpi.Period;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The KPI executor and the kernel's aggregates on a real kernel (H2, or PostgreSQL with -Drapport.test.db=postgresql). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KpisTest {

    @TempDir
    static Path dir;

    /** Wednesday 2026-11-18, noon UTC. */
    private final TestClock clock = new TestClock(Instant.parse("2026-11-18T12:00:00Z"));
    private TestDb db;
    private Kernel kernel;
    private UUID tenant;
    private Customer ann;
    private Customer bob;

    /** Orders and their mean value, with the inputs. */
    static final class Orders implements KpiModule {
        @Override
        public Definition definition() {
            return new Definition("aov_test", "Average order value", "Revenue ÷ orders", "currency", Direction.HIGHER_IS_BETTER, "test");
        }

        @Override
        public Value compute(Period p, KpiData data) {
            long orders = data.events(EventTypes.ORDER_COMPLETED, p.from(), p.to());
            BigDecimal revenue = data.sum(EventTypes.ORDER_COMPLETED, EventTypes.PROPERTY_TOTAL, p.from(), p.to());
            Map<String, BigDecimal> inputs = new LinkedHashMap<>();
            inputs.put("orders", BigDecimal.valueOf(orders));
            inputs.put("revenue", revenue);
            inputs.put("customers", BigDecimal.valueOf(data.customersWith(EventTypes.ORDER_COMPLETED, p.from(), p.to())));
            inputs.put("firstTime", BigDecimal.valueOf(data.firstTimeCustomers(EventTypes.ORDER_COMPLETED, p.from(), p.to())));
            inputs.put("repeat", BigDecimal.valueOf(data.repeatCustomers(EventTypes.ORDER_COMPLETED, p.from(), p.to(), true)));
            inputs.put("customersAtEnd", BigDecimal.valueOf(data.customersAt(p.to())));
            return orders == 0 ? Value.none(inputs) : new Value(revenue.divide(BigDecimal.valueOf(orders), 4, java.math.RoundingMode.HALF_EVEN), inputs);
        }
    }

    /** Events of a type of its own, counted up to the period's end through {@link KpiData#reuse}: the current periods share one count. */
    static final class Shared implements KpiModule {
        static final String TYPE = "test.counted";
        final AtomicInteger runs = new AtomicInteger();

        @Override
        public Definition definition() {
            return new Definition("shared_test", "Counted so far", "Events of a test type", "count", Direction.HIGHER_IS_BETTER, "test");
        }

        @Override
        public Value compute(Period p, KpiData data) {
            return data.reuse("so far", TYPE, () -> {
                runs.incrementAndGet();
                return new Value(BigDecimal.valueOf(data.events(TYPE, Instant.EPOCH, p.to())), Map.of());
            });
        }
    }

    @BeforeAll
    void start() {
        db = TestDb.fresh();
        kernel = Kernel.start(db.dataSource(), Kernel.Settings.defaults(dir.resolve("data")), clock);
        tenant = kernel.defaultTenant().id();
        kernel.kpis().register(new Orders());
        ann = customer("ann@example.com");
        bob = customer("bob@example.com");
        // week of Monday 2026-11-09: Ann orders 100 and 50 on two days, Bob 30; this week (from 2026-11-16): Bob 70
        order(ann, "2026-11-09T10:00:00Z", "100", "a1");
        order(ann, "2026-11-11T10:00:00Z", "50", "a2");
        order(bob, "2026-11-12T10:00:00Z", "30", "b1");
        order(bob, "2026-11-17T10:00:00Z", "70", "b2");
        await().atMost(Duration.ofSeconds(10)).until(() -> kernel.customers().find(tenant, bob.id()).orElseThrow().orderCount() == 2
                && kernel.customers().find(tenant, ann.id()).orElseThrow().orderCount() == 2);
    }

    @AfterAll
    void stop() throws SQLException {
        if (kernel != null) {
            kernel.close();
        }
        db.close();
    }

    @Test
    void aSeriesHasAValuePerPeriodWithItsInputsAndNoValueWhereThereIsNone() {
        List<Kpis.Stored> weeks = kernel.kpis().series(tenant, "aov_test", Period.Granularity.WEEK, LocalDate.parse("2026-11-02"),
                LocalDate.parse("2026-11-18"), null);
        assertThat(weeks).extracting(Kpis.Stored::start).containsExactly(LocalDate.parse("2026-11-02"), LocalDate.parse("2026-11-09"),
                LocalDate.parse("2026-11-16"));
        assertThat(weeks.get(0).value()).as("no orders: no value, not 0").isNull();
        assertThat(weeks.get(0).inputs().get("orders")).isEqualByComparingTo("0");
        assertThat(weeks.get(1).value()).isEqualByComparingTo("60"); // 180 / 3
        assertThat(weeks.get(1).inputs()).satisfies(in -> {
            assertThat(in.get("orders")).isEqualByComparingTo("3");
            assertThat(in.get("revenue")).isEqualByComparingTo("180");
            assertThat(in.get("customers")).isEqualByComparingTo("2");
            assertThat(in.get("firstTime")).isEqualByComparingTo("2");
            assertThat(in.get("repeat")).as("Ann, on two days").isEqualByComparingTo("1");
        });
        assertThat(weeks.get(2).value()).isEqualByComparingTo("70");
        assertThat(weeks.get(2).inputs().get("firstTime")).as("Bob ordered before").isEqualByComparingTo("0");
        List<Kpis.Stored> month = kernel.kpis().series(tenant, "aov_test", Period.Granularity.MONTH, LocalDate.parse("2026-11-18"),
                LocalDate.parse("2026-11-18"), null);
        assertThat(month.get(0).start()).isEqualTo(LocalDate.parse("2026-11-01"));
        assertThat(month.get(0).value()).isEqualByComparingTo("62.5"); // 250 / 4
        assertThat(weeks.get(1).inputs().get("customersAtEnd")).as("the profiles were created this week, after their orders")
                .isEqualByComparingTo("0");
    }

    @Test
    void aSegmentRestrictsEveryAggregate() {
        UUID vips = kernel.segments().create(tenant, "only ann", null, Json.readObject("{\"condition\": {\"profile\": \"email\", \"op\": \"eq\", "
                + "\"value\": \"ann@example.com\"}}")).id();
        Kpis.Stored v = kernel.kpis().series(tenant, "aov_test", Period.Granularity.WEEK, LocalDate.parse("2026-11-09"), LocalDate.parse("2026-11-09"), vips)
                .get(0);
        assertThat(v.value()).isEqualByComparingTo("75");
        assertThat(v.inputs().get("customers")).isEqualByComparingTo("1");
    }

    @Test
    void lateDataRecomputesThePeriodsItFallsIn() {
        Kpis.Stored before = kernel.kpis().series(tenant, "aov_test", Period.Granularity.DAY, LocalDate.parse("2026-10-06"), LocalDate.parse("2026-10-06"),
                null).get(0);
        assertThat(before.value()).isNull();
        Customer cy = customer("cy@example.com");
        order(cy, "2026-10-06T09:00:00Z", "40", "c1"); // imported today, it happened six weeks ago
        await().atMost(Duration.ofSeconds(10)).until(() -> kernel.customers().find(tenant, cy.id()).orElseThrow().orderCount() == 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> kernel.kpis().refresh() > 0 || stored("2026-10-06") != null);
        assertThat(stored("2026-10-06")).isEqualByComparingTo("40");
    }

    @Test
    void goalsAndProgressFollowTheDirection() {
        kernel.kpis().setGoal(tenant, "aov_test", Period.Granularity.MONTH, new BigDecimal("50"), "tester");
        assertThat(kernel.kpis().goal(tenant, "aov_test")).hasValueSatisfying(g -> assertThat(g.target()).isEqualByComparingTo("50"));
        assertThat(Kpis.progress(KpiModule.Direction.HIGHER_IS_BETTER, new BigDecimal("62.5"), new BigDecimal("50"))).isEqualByComparingTo("1.25");
        assertThat(Kpis.progress(KpiModule.Direction.LOWER_IS_BETTER, new BigDecimal("0.2"), new BigDecimal("0.1"))).isEqualByComparingTo("0.5");
        assertThat(Kpis.progress(KpiModule.Direction.HIGHER_IS_BETTER, null, new BigDecimal("50"))).isNull();
        assertThat(kernel.kpis().removeGoal(tenant, "aov_test")).isTrue();
        assertThatThrownBy(() -> kernel.kpis().series(tenant, "nope", Period.Granularity.DAY, LocalDate.now(), LocalDate.now(), null))
                .isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> kernel.kpis().series(tenant, "aov_test", Period.Granularity.DAY, LocalDate.parse("2020-01-01"),
                LocalDate.parse("2026-01-01"), null)).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void purchasesAreSummarisedPerCustomerAndScoresStored() {
        Period p = kernel.kpis().period(tenant, Period.Granularity.DAY, LocalDate.parse("2026-11-18"), null);
        KernelKpiData data = new KernelKpiData(kernel.db(), p, ZoneOffset.UTC, clock, kernel.segments()::scoresWritten);
        List<KpiData.Purchases> all = new ArrayList<>();
        data.purchases(EventTypes.ORDER_COMPLETED, EventTypes.PROPERTY_TOTAL, p.to(), all::add);
        assertThat(all).filteredOn(x -> x.customerId().equals(ann.id())).singleElement().satisfies(x -> {
            assertThat(x.days()).isEqualTo(2);
            assertThat(x.total()).isEqualByComparingTo("150");
            assertThat(x.firstDay()).isEqualByComparingTo("100");
            assertThat(x.first()).isEqualTo(Instant.parse("2026-11-09T10:00:00Z"));
            assertThat(x.last()).isEqualTo(Instant.parse("2026-11-11T10:00:00Z"));
        });
        // the same orders' totals in one pass: 4 orders, 2 customers, 250, spans of 2 (Ann) and 5 days (Bob)
        assertThat(data.totals(EventTypes.ORDER_COMPLETED, EventTypes.PROPERTY_TOTAL, Instant.parse("2026-11-01T00:00:00Z"), p.to()))
                .isEqualTo(new KpiData.Totals(4, 2, new BigDecimal("250"), 7));
        assertThat(data.totals(EventTypes.ORDER_COMPLETED, EventTypes.PROPERTY_TOTAL, Instant.parse("2026-11-10T00:00:00Z"), Instant.parse("2026-11-12T10:00:01Z")))
                .as("a window: Ann's second order, Bob's first").isEqualTo(new KpiData.Totals(2, 2, new BigDecimal("80"), 0));
        data.writeScores("predicted_clv", Map.of(ann.id(), new BigDecimal("321.5"), UUID.randomUUID(), BigDecimal.ONE));
        List<String> scores = kernel.db().read(c -> io.rapport.core.db.Db.list(c, "SELECT customer_id, score FROM customer_score WHERE name = "
                + "'predicted_clv'", List.of(), rs -> rs.getObject(1, UUID.class) + "=" + rs.getBigDecimal(2).stripTrailingZeros().toPlainString()));
        assertThat(scores)
                .as("an unknown customer gets no score").containsExactly(ann.id() + "=321.5");

        // segments read the scores, and are rebuilt when they are written again
        UUID rich = kernel.segments().create(tenant, "clv over 300", null, Json.readObject("{\"condition\": {\"score\": \"predicted_clv\", "
                + "\"op\": \"gte\", \"value\": 300}}")).id();
        UUID top = kernel.segments().create(tenant, "clv top half", null, Json.readObject("{\"condition\": {\"score\": \"predicted_clv\", "
                + "\"topPercent\": 50}}")).id();
        UUID none = kernel.segments().create(tenant, "no clv", null, Json.readObject("{\"condition\": {\"score\": \"predicted_clv\", "
                + "\"op\": \"missing\"}}")).id();
        assertThat(kernel.segments().members(tenant, rich, null, 10)).containsExactly(ann.id());
        assertThat(kernel.segments().members(tenant, top, null, 10)).containsExactly(ann.id());
        assertThat(kernel.segments().members(tenant, none, null, 10)).contains(bob.id()).doesNotContain(ann.id());
        data.writeScores("predicted_clv", Map.of(ann.id(), new BigDecimal("10"), bob.id(), new BigDecimal("500")));
        assertThat(kernel.segments().members(tenant, rich, null, 10)).containsExactly(bob.id());
        assertThat(kernel.segments().members(tenant, top, null, 10)).containsExactly(bob.id());
        assertThatThrownBy(() -> kernel.segments().preview(tenant, Json.readObject("{\"condition\": {\"score\": \"predicted_clv\", "
                + "\"topPercent\": 150}}"), 1)).isInstanceOf(InvalidInputException.class).hasMessageContaining("topPercent");
    }

    @Test
    void countByFiltersOnOtherProperties() {
        // three answers on 2026-11-18: an NPS 9, an NPS 10 and a CES 9 (not on an NPS scale, but filtered out by kind)
        String[][] answers = {{"nps", "9", "false"}, {"nps", "10", "false"}, {"ces", "9", "true"}};
        for (int i = 0; i < answers.length; i++) {
            kernel.events().append(tenant, "test", List.of(new NewEvent(EventTypes.SURVEY_ANSWERED, List.of(Identifier.email(ann.email())), true,
                    OffsetDateTime.parse("2026-11-18T09:00:00Z"), Map.of(EventTypes.PROPERTY_KIND, answers[i][0], EventTypes.PROPERTY_SCORE,
                            new BigDecimal(answers[i][1] + ".0"), EventTypes.PROPERTY_LOW_IS_BETTER, Boolean.valueOf(answers[i][2])), Map.of(),
                    "answer-" + i)));
        }
        Period p = kernel.kpis().period(tenant, Period.Granularity.DAY, LocalDate.parse("2026-11-18"), null);
        KernelKpiData data = new KernelKpiData(kernel.db(), p, ZoneOffset.UTC, clock, kernel.segments()::scoresWritten);
        assertThat(data.countBy(EventTypes.SURVEY_ANSWERED, EventTypes.PROPERTY_SCORE, p.from(), p.to())).containsEntry("9", 2L).containsEntry("10", 1L);
        assertThat(data.countBy(EventTypes.SURVEY_ANSWERED, EventTypes.PROPERTY_SCORE, Map.of(EventTypes.PROPERTY_KIND, "nps"), p.from(), p.to()))
                .containsOnly(Map.entry("9", 1L), Map.entry("10", 1L));
        assertThat(data.countBy(EventTypes.SURVEY_ANSWERED, EventTypes.PROPERTY_SCORE, Map.of(EventTypes.PROPERTY_KIND, "ces",
                EventTypes.PROPERTY_LOW_IS_BETTER, "true"), p.from(), p.to())).containsOnly(Map.entry("9", 1L));
        assertThat(data.countBy(EventTypes.SURVEY_ANSWERED, EventTypes.PROPERTY_SCORE, Map.of("missing", "x"), p.from(), p.to())).isEmpty();
    }

    @Test
    void theBatchComputesEveryCurrentPeriodAndModulesReuseSharedWorkUntilAnEventOfItsType() {
        Shared shared = new Shared();
        Runnable remove = kernel.kpis().register(shared);
        try {
            List<Kpis.Timing> timings = kernel.kpis().computeCurrent(tenant);
            assertThat(timings).extracting(t -> t.kpi() + " " + t.granularity() + " " + t.start()).containsExactly(
                    "aov_test DAY 2026-11-18", "aov_test WEEK 2026-11-16", "aov_test MONTH 2026-11-01",
                    "shared_test DAY 2026-11-18", "shared_test WEEK 2026-11-16", "shared_test MONTH 2026-11-01");
            assertThat(shared.runs).as("one computation for the day, the week and the month").hasValue(1);
            assertThat(timings.subList(3, 6)).extracting(Kpis.Timing::reused).containsExactly(false, true, true);
            kernel.kpis().computeCurrent(tenant);
            assertThat(shared.runs).as("nothing of its type heard since").hasValue(1);

            kernel.events().append(tenant, "test", List.of(new NewEvent(Shared.TYPE, List.of(Identifier.email(ann.email())), true,
                    OffsetDateTime.now(clock), Map.of(), Map.of(), "counted-1")));
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                kernel.kpis().computeCurrent(tenant);
                return shared.runs.get() == 2;
            });
            Kpis.Stored week = kernel.kpis().series(tenant, "shared_test", Period.Granularity.WEEK, LocalDate.parse("2026-11-18"),
                    LocalDate.parse("2026-11-18"), null).get(0);
            assertThat(week.value()).isEqualByComparingTo("1");

            // a stale value is served at once and recomputed in the background
            clock.advance(Duration.ofMinutes(6));
            Kpis.Stored served = kernel.kpis().series(tenant, "shared_test", Period.Granularity.WEEK, LocalDate.parse("2026-11-18"),
                    LocalDate.parse("2026-11-18"), null).get(0);
            assertThat(served.computedAt()).isEqualTo(week.computedAt());
            await().atMost(Duration.ofSeconds(10)).until(() -> kernel.kpis().series(tenant, "shared_test", Period.Granularity.WEEK,
                    LocalDate.parse("2026-11-18"), LocalDate.parse("2026-11-18"), null).get(0).computedAt().isAfter(week.computedAt()));
            assertThat(shared.runs).as("the fresh value reused the kept one").hasValue(2);
        } finally {
            remove.run();
        }
    }

    @Test
    void scoresAModuleWritesAreStoredTogetherWhenItsComputationReturns() {
        KpiModule scoring = new KpiModule() {
            @Override
            public Definition definition() {
                return new Definition("scoring_test", "Scores", "Two scores per customer", "count", Direction.HIGHER_IS_BETTER, "test");
            }

            @Override
            public Value compute(Period p, KpiData data) {
                return data.reuse("today", EventTypes.ORDER_COMPLETED, () -> {
                    data.writeScores("test_first", Map.of(ann.id(), new BigDecimal("1.5"), bob.id(), new BigDecimal("2"), UUID.randomUUID(), BigDecimal.TEN));
                    data.writeScores("test_second", Map.of(ann.id(), new BigDecimal("3")));
                    return new Value(BigDecimal.ONE, Map.of());
                });
            }
        };
        Runnable remove = kernel.kpis().register(scoring);
        try {
            List<Kpis.Timing> timings = kernel.kpis().computeCurrent(tenant).stream().filter(t -> t.kpi().equals("scoring_test")).toList();
            assertThat(timings).extracting(Kpis.Timing::scores).as("handed over once, for the day").containsExactly(4L, 0L, 0L);
            List<String> scores = kernel.db().read(c -> io.rapport.core.db.Db.list(c, "SELECT name, customer_id, score FROM customer_score "
                    + "WHERE name LIKE 'test_%' ORDER BY name, score", List.of(), rs -> rs.getString(1) + " " + rs.getObject(2, UUID.class) + " "
                    + rs.getBigDecimal(3).stripTrailingZeros().toPlainString()));
            assertThat(scores).as("an unknown customer gets no score").containsExactly("test_first " + ann.id() + " 1.5", "test_first " + bob.id() + " 2",
                    "test_second " + ann.id() + " 3");
        } finally {
            remove.run();
        }
    }

    @Test
    void customersWithBothAndWithoutIntersectTwoSets() {
        // June 2026, customers of this test only: Dan ordered in May and June, Eve in May only, Fay on 1 July only, Gus in June only
        Customer dan = customer("dan@example.com");
        Customer eve = customer("eve@example.com");
        Customer fay = customer("fay@example.com");
        Customer gus = customer("gus@example.com");
        event(dan, EventTypes.ORDER_COMPLETED, "2026-05-10T10:00:00Z");
        event(dan, EventTypes.PAGE_VIEWED, "2026-06-01T09:00:00Z");
        event(dan, EventTypes.CART_UPDATED, "2026-06-04T09:00:00Z");
        event(dan, EventTypes.ORDER_COMPLETED, "2026-06-05T10:00:00Z"); // after his cart: not abandoned
        event(eve, EventTypes.ORDER_COMPLETED, "2026-05-20T10:00:00Z");
        event(eve, EventTypes.PAGE_VIEWED, "2026-06-02T09:00:00Z");
        event(eve, EventTypes.CART_UPDATED, "2026-06-06T09:00:00Z"); // no order after it: abandoned
        event(fay, EventTypes.CART_UPDATED, "2026-06-30T23:00:00Z");
        event(fay, EventTypes.ORDER_COMPLETED, "2026-07-01T01:00:00Z"); // after June: abandoned in June
        event(gus, EventTypes.PAGE_VIEWED, "2026-06-03T09:00:00Z");
        event(gus, EventTypes.CART_UPDATED, "2026-06-03T10:00:00Z");
        event(gus, EventTypes.ORDER_COMPLETED, "2026-06-03T11:00:00Z");
        event(gus, EventTypes.CART_UPDATED, "2026-06-20T10:00:00Z"); // his last cart of June, not followed by an order: abandoned
        // the projector links the events to their customers
        await().atMost(Duration.ofSeconds(10)).until(() -> kernel.db().read(c -> io.rapport.core.db.Db.list(c, "SELECT COUNT(*) FROM event WHERE "
                + "type IN ('order.completed', 'page.viewed', 'cart.updated') AND customer_id IN (?, ?, ?, ?)", List.of(dan.id(), eve.id(), fay.id(),
                        gus.id()), rs -> rs.getLong(1))).get(0) == 13);
        Instant may = Instant.parse("2026-05-01T00:00:00Z");
        Instant june = Instant.parse("2026-06-01T00:00:00Z");
        Instant july = Instant.parse("2026-07-01T00:00:00Z");
        KpiData data = data(null);
        // ordered in May and in June: Dan (Eve only in May, Gus only in June)
        assertThat(data.customersWithBoth(EventTypes.ORDER_COMPLETED, may, june, EventTypes.ORDER_COMPLETED, june, july)).isEqualTo(1);
        // viewed a page and ordered in June: Dan, Gus (Eve did not order in June)
        assertThat(data.customersWithBoth(EventTypes.PAGE_VIEWED, june, july, EventTypes.ORDER_COMPLETED, june, july)).isEqualTo(2);
        // viewed a page in June and ordered in May: Dan, Eve
        assertThat(data.customersWithBoth(EventTypes.PAGE_VIEWED, june, july, EventTypes.ORDER_COMPLETED, may, june)).isEqualTo(2);
        // carts of June: Dan, Eve, Fay, Gus; without an order after the last one in June: Eve, Fay, Gus
        assertThat(data.customersWith(EventTypes.CART_UPDATED, june, july)).isEqualTo(4);
        assertThat(data.customersWithout(EventTypes.CART_UPDATED, EventTypes.ORDER_COMPLETED, june, july)).isEqualTo(3);
        // with July in the window, Fay's order follows her cart
        assertThat(data.customersWithout(EventTypes.CART_UPDATED, EventTypes.ORDER_COMPLETED, june, july.plusSeconds(86_400))).isEqualTo(2);

        UUID onlyGus = kernel.segments().create(tenant, "only gus", null, Json.readObject("{\"condition\": {\"profile\": \"email\", \"op\": \"eq\", "
                + "\"value\": \"gus@example.com\"}}")).id();
        KpiData gusOnly = data(onlyGus);
        assertThat(gusOnly.customersWithBoth(EventTypes.PAGE_VIEWED, june, july, EventTypes.ORDER_COMPLETED, june, july)).isEqualTo(1);
        assertThat(gusOnly.customersWithBoth(EventTypes.ORDER_COMPLETED, may, june, EventTypes.ORDER_COMPLETED, june, july)).isZero();
        assertThat(gusOnly.customersWithout(EventTypes.CART_UPDATED, EventTypes.ORDER_COMPLETED, june, july)).isEqualTo(1);
    }

    /** The aggregates of a day's period (the windows are the methods' arguments), restricted to a segment if not null. */
    private KpiData data(UUID segment) {
        Period p = kernel.kpis().period(tenant, Period.Granularity.DAY, LocalDate.parse("2026-11-18"), segment);
        return new KernelKpiData(kernel.db(), p, ZoneOffset.UTC, clock, kernel.segments()::scoresWritten);
    }

    private void event(Customer c, String type, String at) {
        kernel.events().append(tenant, "test", List.of(new NewEvent(type, List.of(Identifier.email(c.email())), true, OffsetDateTime.parse(at),
                Map.of(), Map.of(), type + "-" + c.email() + "-" + at)));
    }

    private BigDecimal stored(String day) {
        return kernel.db().read(c -> io.rapport.core.db.Db.list(c, "SELECT kpi_value FROM kpi_value WHERE kpi = 'aov_test' AND granularity = 'DAY' "
                + "AND period_start = ?", List.of(LocalDate.parse(day)), rs -> rs.getBigDecimal(1))).stream().findFirst().orElse(null);
    }

    private Customer customer(String email) {
        return kernel.customers().create(tenant, CustomerJson.changes(Json.readObject("{\"email\": \"" + email + "\"}"), null, kernel.customers().stages(),
                clock), "tester");
    }

    private void order(Customer c, String at, String total, String id) {
        kernel.events().append(tenant, "test", List.of(new NewEvent(EventTypes.ORDER_COMPLETED, List.of(Identifier.email(c.email())), true,
                OffsetDateTime.parse(at), Map.of(EventTypes.PROPERTY_TOTAL, new BigDecimal(total)), Map.of(), "order-" + id)));
    }
}
