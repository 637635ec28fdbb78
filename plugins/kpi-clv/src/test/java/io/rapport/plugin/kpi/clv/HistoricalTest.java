package io.rapport.plugin.kpi.clv;

import io.rapport.testkit.InMemoryKpiData;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.UUID;

import io.rapport.spi.kpi.KpiModule;
import io.rapport.spi.kpi.Period;
import org.junit.jupiter.api.Test;

/** Historical CLV: its formulas with worked examples by hand, and the module on a small shop in memory. */
class HistoricalTest {

    @Test
    void revenuePerCustomerAndTheTextbookProduct() {
        // 280 of revenue from 3 customers: 93.333…
        assertThat(Historical.revenuePerCustomer(new BigDecimal("280"), 3)).isEqualByComparingTo("93.3333");
        assertThat(Historical.revenuePerCustomer(BigDecimal.ZERO, 0)).isNull();
        // last year: 220 from 4 orders by 3 customers: AOV 55, 1.3333 orders per customer
        assertThat(Historical.averageOrderValue(new BigDecimal("220"), 4)).isEqualByComparingTo("55");
        assertThat(Historical.purchaseFrequency(4, 3)).isEqualByComparingTo("1.3333");
        // lifespans 181 + 0 + 365 = 546 days over 3 customers: 546 / 1095 = 0.49863… years
        assertThat(Historical.lifespanYears(546, 3)).isEqualByComparingTo("0.4986");
        // 55 × 4/3 × 546/1095 = 220 × 546 / (3 × 365 × 3) = 120120 / 3285 = 36.56621… (not 55 × 1.3333 × 0.4986 = 36.5623)
        assertThat(Historical.aovFrequencyLifespan(new BigDecimal("220"), 4, 3, 546, 3)).isEqualByComparingTo("36.5662");
        assertThat(Historical.averageOrderValue(BigDecimal.ZERO, 0)).isNull();
        assertThat(Historical.purchaseFrequency(0, 0)).isNull();
        assertThat(Historical.lifespanYears(0, 0)).isNull();
        assertThat(Historical.aovFrequencyLifespan(BigDecimal.ZERO, 0, 0, 0, 3)).isNull();
    }

    @Test
    void theModuleReadsEveryOrderBeforeThePeriodsEnd() {
        UUID ann = UUID.randomUUID();
        UUID bob = UUID.randomUUID();
        UUID cy = UUID.randomUUID();
        InMemoryKpiData d = new InMemoryKpiData();
        d.add("order.completed", ann, "2025-01-10T10:00:00Z", "total", 100).add("order.completed", ann, "2025-07-10T10:00:00Z", "total", 50);
        d.add("order.completed", bob, "2025-12-01T10:00:00Z", "total", 30);
        d.add("order.completed", cy, "2024-12-15T10:00:00Z", "total", 60).add("order.completed", cy, "2025-12-15T10:00:00Z", "total", 40);
        d.add("order.completed", bob, "2026-01-02T10:00:00Z", "total", 999); // after December: not counted
        Period december = new Period(UUID.randomUUID(), Period.Granularity.MONTH, LocalDate.parse("2025-12-01"), Instant.parse("2025-12-01T00:00:00Z"),
                Instant.parse("2026-01-01T00:00:00Z"), null);
        KpiModule.Value v = new HistoricalClv().compute(december, d);
        assertThat(v.value()).isEqualByComparingTo("93.3333"); // (150 + 30 + 100) / 3
        assertThat(v.inputs()).containsEntry("customers", BigDecimal.valueOf(3)).containsEntry("ordersLastYear", BigDecimal.valueOf(4))
                .containsEntry("customersLastYear", BigDecimal.valueOf(3)).containsEntry("lifespanDays", BigDecimal.valueOf(546));
        assertThat(v.inputs().get("revenue")).isEqualByComparingTo("280");
        assertThat(v.inputs().get("revenueLastYear")).isEqualByComparingTo("220"); // [2025-01-01, 2026-01-01): 100 + 50 + 30 + 40
        assertThat(v.inputs().get("averageOrderValue")).isEqualByComparingTo("55");
        assertThat(v.inputs().get("purchaseFrequency")).isEqualByComparingTo("1.3333");
        assertThat(v.inputs().get("lifespanYears")).isEqualByComparingTo("0.4986");
        assertThat(v.inputs().get("aovFrequencyLifespan")).isEqualByComparingTo("36.5662");

        KpiModule.Value none = new HistoricalClv().compute(december, new InMemoryKpiData());
        assertThat(none.value()).isNull();
        assertThat(none.inputs()).containsEntry("customers", BigDecimal.ZERO).doesNotContainKey("aovFrequencyLifespan");
    }

    @Test
    void daysAreTheShopsDays() {
        // a shop at UTC+02:00: its 2025-12-01 starts at 2025-11-30T22:00Z
        Period p = new Period(UUID.randomUUID(), Period.Granularity.DAY, LocalDate.parse("2025-12-01"), Instant.parse("2025-11-30T22:00:00Z"),
                Instant.parse("2025-12-01T22:00:00Z"), null);
        assertThat(ShopDays.offset(p)).isEqualTo(ZoneOffset.ofHours(2));
        assertThat(ShopDays.day(Instant.parse("2025-11-30T23:00:00Z"), ShopDays.offset(p))).isEqualTo(LocalDate.parse("2025-12-01"));
        assertThat(ShopDays.lastDayBefore(p.to(), ShopDays.offset(p))).isEqualTo(LocalDate.parse("2025-12-01"));
    }
}
