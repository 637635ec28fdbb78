package io.rapport.plugin.kpi.retention;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

/** Every formula with a worked example computed by hand, and its "no value" case. */
class FormulasTest {

    @Test
    void activeMeansAnOrderInThe365DaysBefore() {
        assertThat(Formulas.ACTIVE_WINDOW).isEqualTo(Duration.ofDays(365));
        // 2026-03-01 minus 365 days: 2025-03-01 (2025 is not a leap year)
        assertThat(Formulas.activeSince(Instant.parse("2026-03-01T00:00:00Z"))).isEqualTo(Instant.parse("2025-03-01T00:00:00Z"));
    }

    @Test
    void retentionAndChurn() {
        // 10 customers active at the start, 12 at the end of whom 4 are new and 1 came back after more than a year:
        // 12 - 4 - 1 = 7 of the 10 are still active, 7 / 10 = 70 % retained, 30 % churned
        assertThat(Formulas.returning(12, 4, 7)).isEqualTo(1);
        assertThat(Formulas.retentionRate(10, 7)).isEqualByComparingTo("70");
        assertThat(Formulas.churnRate(10, 7)).isEqualByComparingTo("30");
        // 3 at the start, 2 of them active at the end: 2 / 3 = 66.666… %, rounded half-even to 4 decimals
        assertThat(Formulas.retentionRate(3, 2)).isEqualByComparingTo("66.6667");
        assertThat(Formulas.churnRate(3, 2)).isEqualByComparingTo("33.3333");
        // all retained: 100, never more however many come back
        assertThat(Formulas.retentionRate(3, 3)).isEqualByComparingTo("100");
        assertThat(Formulas.churnRate(3, 3)).isEqualByComparingTo("0");
        // nobody at the start: no value, even with new customers
        assertThat(Formulas.retentionRate(0, 0)).isNull();
        assertThat(Formulas.churnRate(0, 0)).isNull();
    }

    @Test
    void repeatPurchaseRateAndFrequency() {
        // 3 of 8 customers ordered on two days or more: 37.5 %
        assertThat(Formulas.repeatPurchaseRate(3, 8)).isEqualByComparingTo("37.5");
        assertThat(Formulas.repeatPurchaseRate(0, 0)).isNull();
        // 13 orders by 8 customers: 1.625 orders per customer
        assertThat(Formulas.purchaseFrequency(13, 8)).isEqualByComparingTo("1.625");
        assertThat(Formulas.purchaseFrequency(0, 0)).isNull();
    }

    @Test
    void averageOrderValue() {
        // 100 + 50 + 30 + 70 = 250 over 4 orders: 62.5
        assertThat(Formulas.averageOrderValue(new BigDecimal("250"), 4)).isEqualByComparingTo("62.5");
        // 100 over 3: 33.333…, 4 decimals
        assertThat(Formulas.averageOrderValue(new BigDecimal("100"), 3)).isEqualByComparingTo("33.3333");
        assertThat(Formulas.averageOrderValue(BigDecimal.ZERO, 0)).isNull();
    }

    @Test
    void cartAbandonmentAndConversion() {
        // 20 customers with a cart, 15 of them with no order after their last cart update: 15 / 20 = 75 % abandoned
        assertThat(Formulas.cartAbandonmentRate(15, 20)).isEqualByComparingTo("75");
        assertThat(Formulas.cartAbandonmentRate(0, 3)).isEqualByComparingTo("0");
        assertThat(Formulas.cartAbandonmentRate(0, 0)).isNull();
        // 5 of 40 visitors ordered: 12.5 %
        assertThat(Formulas.conversionRate(5, 40)).isEqualByComparingTo("12.5");
        // 2 of 3 visitors: 66.666… %
        assertThat(Formulas.conversionRate(2, 3)).isEqualByComparingTo("66.6667");
        assertThat(Formulas.conversionRate(0, 0)).isNull();
    }

    @Test
    void emailRates() {
        // 196 accepted by the channel, 4 refused at the send, 6 bounced later
        long attempted = Formulas.attempted(196, 4);
        long bounced = Formulas.bounced(4, 6);
        long delivered = Formulas.delivered(196, 6);
        assertThat(attempted).isEqualTo(200);
        assertThat(bounced).isEqualTo(10);
        assertThat(delivered).isEqualTo(190);
        assertThat(Formulas.bounceRate(bounced, attempted)).isEqualByComparingTo("5"); // 10 / 200
        assertThat(Formulas.openRate(95, delivered)).isEqualByComparingTo("50"); // 95 / 190
        assertThat(Formulas.clickRate(19, delivered)).isEqualByComparingTo("10"); // 19 / 190
        assertThat(Formulas.clickToOpenRate(19, 95)).isEqualByComparingTo("20"); // 19 / 95
        assertThat(Formulas.unsubscribeRate(2, delivered)).isEqualByComparingTo("1.0526"); // 2 / 190 = 1.05263…
        // nothing sent, nothing opened: no values; more later bounces than sends (last month's mail): no value either
        assertThat(Formulas.bounceRate(0, 0)).isNull();
        assertThat(Formulas.openRate(0, 0)).isNull();
        assertThat(Formulas.clickRate(0, Formulas.delivered(1, 2))).isNull();
        assertThat(Formulas.clickToOpenRate(3, 0)).isNull();
        assertThat(Formulas.unsubscribeRate(1, 0)).isNull();
    }
}
