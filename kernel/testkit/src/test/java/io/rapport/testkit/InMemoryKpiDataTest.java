package io.rapport.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import java.util.UUID;

import io.rapport.spi.kpi.KpiData;
import org.junit.jupiter.api.Test;

/** The in-memory aggregates agree with the kernel's on the examples of the kernel's CohortsTest and KpisTest (in UTC). */
class InMemoryKpiDataTest {

    static final String ORDER = "order.completed";

    @Test
    void cohortsAreTheMonthsOfFirstEvents() {
        UUID ann = UUID.randomUUID();
        UUID bob = UUID.randomUUID();
        UUID cy = UUID.randomUUID();
        UUID di = UUID.randomUUID();
        UUID eve = UUID.randomUUID();
        InMemoryKpiData data = new InMemoryKpiData()
                .add(ORDER, ann, "2026-01-05T10:00:00Z").add(ORDER, ann, "2026-02-10T10:00:00Z").add(ORDER, ann, "2026-03-31T22:30:00Z")
                .add(ORDER, bob, "2026-01-31T23:30:00Z").add(ORDER, bob, "2026-02-20T10:00:00Z")
                .add(ORDER, cy, "2026-01-20T10:00:00Z").add(ORDER, cy, "2026-01-25T10:00:00Z")
                .add(ORDER, di, "2025-12-15T10:00:00Z").add(ORDER, di, "2026-02-03T10:00:00Z")
                .add(ORDER, eve, "2026-03-10T10:00:00Z").add(ORDER, eve, "2026-05-05T10:00:00Z")
                .add("cart.updated", UUID.randomUUID(), "2026-01-10T10:00:00Z");
        List<KpiData.Cohort> table = data.cohorts(ORDER, Instant.parse("2026-01-01T00:00:00Z"), Instant.parse("2026-05-01T00:00:00Z"));
        assertThat(table).containsExactly(new KpiData.Cohort(YearMonth.of(2026, 1), 3, List.of(3L, 2L, 1L, 0L)),
                new KpiData.Cohort(YearMonth.of(2026, 2), 0, List.of(0L, 0L, 0L)), new KpiData.Cohort(YearMonth.of(2026, 3), 1, List.of(1L, 0L)),
                new KpiData.Cohort(YearMonth.of(2026, 4), 0, List.of(0L)));
    }

    @Test
    void customersWithBothAndWithoutIntersectTwoSets() {
        UUID dan = UUID.randomUUID();
        UUID eve = UUID.randomUUID();
        UUID fay = UUID.randomUUID();
        UUID gus = UUID.randomUUID();
        String page = "page.viewed";
        String cart = "cart.updated";
        InMemoryKpiData data = new InMemoryKpiData()
                .add(ORDER, dan, "2026-05-10T10:00:00Z").add(page, dan, "2026-06-01T09:00:00Z").add(cart, dan, "2026-06-04T09:00:00Z")
                .add(ORDER, dan, "2026-06-05T10:00:00Z")
                .add(ORDER, eve, "2026-05-20T10:00:00Z").add(page, eve, "2026-06-02T09:00:00Z").add(cart, eve, "2026-06-06T09:00:00Z")
                .add(cart, fay, "2026-06-30T23:00:00Z").add(ORDER, fay, "2026-07-01T01:00:00Z")
                .add(page, gus, "2026-06-03T09:00:00Z").add(cart, gus, "2026-06-03T10:00:00Z").add(ORDER, gus, "2026-06-03T11:00:00Z")
                .add(cart, gus, "2026-06-20T10:00:00Z").add(cart, null, "2026-06-20T10:00:00Z").add(page, null, "2026-06-20T10:00:00Z");
        Instant may = Instant.parse("2026-05-01T00:00:00Z");
        Instant june = Instant.parse("2026-06-01T00:00:00Z");
        Instant july = Instant.parse("2026-07-01T00:00:00Z");
        assertThat(data.customersWithBoth(ORDER, may, june, ORDER, june, july)).isEqualTo(1);
        assertThat(data.customersWithBoth(page, june, july, ORDER, june, july)).isEqualTo(2);
        assertThat(data.customersWithBoth(page, june, july, ORDER, may, june)).isEqualTo(2);
        assertThat(data.customersWith(cart, june, july)).isEqualTo(4);
        assertThat(data.customersWithout(cart, ORDER, june, july)).isEqualTo(3);
        assertThat(data.customersWithout(cart, ORDER, june, july.plusSeconds(86_400))).isEqualTo(2);
    }

    @Test
    void totalsAreCountsSumAndSpansOfOneWindow() {
        UUID ann = UUID.randomUUID();
        UUID bob = UUID.randomUUID();
        InMemoryKpiData data = new InMemoryKpiData()
                .add(ORDER, ann, "2026-11-09T10:00:00Z", "total", new java.math.BigDecimal("100"))
                .add(ORDER, ann, "2026-11-11T10:00:00Z", "total", new java.math.BigDecimal("50"))
                .add(ORDER, bob, "2026-11-12T10:00:00Z", "total", new java.math.BigDecimal("30"))
                .add(ORDER, bob, "2026-11-17T10:00:00Z", "total", new java.math.BigDecimal("70"))
                .add(ORDER, null, "2026-11-17T11:00:00Z", "total", "n/a");
        assertThat(data.totals(ORDER, "total", Instant.parse("2026-11-01T00:00:00Z"), Instant.parse("2026-11-18T00:00:00Z")))
                .isEqualTo(new KpiData.Totals(5, 2, new java.math.BigDecimal("250"), 7));
    }
}
