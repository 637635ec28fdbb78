package io.rapport.plugin.kpi.retention;

import io.rapport.testkit.InMemoryKpiData;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.rapport.spi.kpi.KpiModule;
import io.rapport.spi.kpi.Period;
import org.junit.jupiter.api.Test;

/**
 * Each module against a small shop in memory ({@link InMemoryKpiData}), for March 2026 (UTC). The customers:
 * <ul>
 * <li>Ann ordered 50 on 2025-06-10 and 70 on 2026-03-05: active at the start and at the end, on two days;</li>
 * <li>Bob ordered 30 on 2025-03-20 only: active at the start (after 2025-03-01), not at the end (before 2025-04-01);</li>
 * <li>Cy's first orders, 100 on 2026-03-10 and 80 on 2026-03-20: new, on two days;</li>
 * <li>Di ordered 20 and 15 on 2026-02-14, one day: active at the start and the end, not a repeat customer.</li>
 * </ul>
 * S = {Ann, Bob, Di} = 3, E = {Ann, Cy, Di} = 3, N = {Cy} = 1, S ∩ E = {Ann, Di} = 2.
 */
class ModulesTest {

    static final UUID ANN = UUID.randomUUID();
    static final UUID BOB = UUID.randomUUID();
    static final UUID CY = UUID.randomUUID();
    static final UUID DI = UUID.randomUUID();
    static final UUID FAY = UUID.randomUUID();
    static final UUID HAL = UUID.randomUUID();
    static final Period MARCH = new Period(UUID.randomUUID(), Period.Granularity.MONTH, LocalDate.parse("2026-03-01"),
            Instant.parse("2026-03-01T00:00:00Z"), Instant.parse("2026-04-01T00:00:00Z"), null);

    static final List<KpiModule> ALL = List.of(new RetentionRate(), new ChurnRate(), new RepeatPurchaseRate(), new PurchaseFrequency(),
            new AverageOrderValue(), new CartAbandonmentRate(), new ConversionRate(), new EmailOpenRate(), new EmailClickRate(),
            new EmailClickToOpenRate(), new EmailBounceRate(), new UnsubscribeRate());

    static InMemoryKpiData shop() {
        InMemoryKpiData d = new InMemoryKpiData();
        d.add("order.completed", ANN, "2025-06-10T10:00:00Z", "total", 50).add("order.completed", ANN, "2026-03-05T10:00:00Z", "total", 70);
        d.add("order.completed", BOB, "2025-03-20T10:00:00Z", "total", 30);
        d.add("order.completed", CY, "2026-03-10T10:00:00Z", "total", new BigDecimal("100")).add("order.completed", CY, "2026-03-20T10:00:00Z", "total", 80);
        d.add("order.completed", DI, "2026-02-14T10:00:00Z", "total", 20).add("order.completed", DI, "2026-02-14T18:00:00Z", "total", 15);
        // carts in March: Ann, Cy, Fay (who did not order) and an anonymous cart
        for (UUID c : new UUID[] {ANN, CY, FAY, null}) {
            d.add("cart.updated", c, "2026-03-04T09:00:00Z");
        }
        d.add("cart.updated", FAY, "2026-03-06T09:00:00Z");
        // pages in March: Ann, Cy, Fay, Hal and an anonymous visit; Bob in February
        for (UUID c : new UUID[] {ANN, CY, FAY, HAL, null}) {
            d.add("page.viewed", c, "2026-03-03T09:00:00Z");
        }
        d.add("page.viewed", BOB, "2026-02-03T09:00:00Z");
        // email in March: 5 accepted (m1..m5), 1 refused at the send (m6), an SMS; m5 bounced later, m1 and m2 opened,
        // m1 clicked on two links and m2 on one; one withdrawal and one grant. In February: an open of m0.
        for (int i = 1; i <= 5; i++) {
            d.add("message.sent", ANN, "2026-03-02T08:00:00Z", "messageId", "m" + i, "channel", "email");
        }
        d.add("message.sent", ANN, "2026-03-02T08:00:00Z", "messageId", "s1", "channel", "sms");
        d.add("message.bounced", BOB, "2026-03-02T08:00:00Z", "messageId", "m6", "channel", "email");
        d.add("email.bounced", CY, "2026-03-02T09:00:00Z", "messageId", "m5", "hard", true);
        d.add("email.opened", ANN, "2026-03-02T10:00:00Z", "messageId", "m1").add("email.opened", DI, "2026-03-02T11:00:00Z", "messageId", "m2");
        d.add("email.clicked", ANN, "2026-03-02T10:01:00Z", "messageId", "m1", "url", "https://shop.example/a");
        d.add("email.clicked", ANN, "2026-03-02T10:02:00Z", "messageId", "m1", "url", "https://shop.example/b");
        d.add("email.clicked", DI, "2026-03-02T11:01:00Z", "messageId", "m2", "url", "https://shop.example/a");
        d.add("consent.changed", DI, "2026-03-02T11:05:00Z", "purpose", "marketing", "channel", "email", "status", "WITHDRAWN");
        d.add("consent.changed", HAL, "2026-03-03T11:05:00Z", "purpose", "marketing", "channel", "email", "status", "GRANTED");
        // withdrawals that are not email unsubscribes: SMS marketing, and email for another purpose
        d.add("consent.changed", HAL, "2026-03-04T11:05:00Z", "purpose", "marketing", "channel", "sms", "status", "WITHDRAWN");
        d.add("consent.changed", FAY, "2026-03-04T11:06:00Z", "purpose", "service", "channel", "email", "status", "WITHDRAWN");
        d.add("email.opened", ANN, "2026-02-20T10:00:00Z", "messageId", "m0");
        return d;
    }

    static KpiModule.Value march(KpiModule m) {
        return m.compute(MARCH, shop());
    }

    @Test
    void retentionAndChurnCountTheCustomersActiveAtStartAndEnd() {
        KpiModule.Value r = march(new RetentionRate());
        assertThat(r.value()).isEqualByComparingTo("66.6667"); // {Ann, Di} of {Ann, Bob, Di}: (3 - 1 - 0) / 3
        assertThat(r.inputs()).containsExactly(Map.entry("customersAtStart", BigDecimal.valueOf(3)), Map.entry("customersAtEnd", BigDecimal.valueOf(3)),
                Map.entry("newCustomers", BigDecimal.ONE), Map.entry("returningCustomers", BigDecimal.ZERO), Map.entry("retainedCustomers", BigDecimal.valueOf(2)));
        KpiModule.Value c = march(new ChurnRate());
        assertThat(c.value()).isEqualByComparingTo("33.3333");
        assertThat(c.inputs()).isEqualTo(r.inputs());
    }

    @Test
    void aComebackAfterMoreThanAYearIsNotRetained() {
        // Eve ordered in 2024, then in March 2026: not active at the start, not new, in E but not in S ∩ E
        InMemoryKpiData d = shop().add("order.completed", UUID.randomUUID(), "2024-01-15T10:00:00Z", "total", 40);
        UUID eve = d.events.get(d.events.size() - 1).customer();
        d.add("order.completed", eve, "2026-03-12T10:00:00Z", "total", 60);
        KpiModule.Value r = new RetentionRate().compute(MARCH, d);
        assertThat(r.value()).isEqualByComparingTo("66.6667"); // (4 - 1 - 1) / 3, not (4 - 1) / 3 = 100
        assertThat(r.inputs().get("customersAtEnd")).isEqualByComparingTo("4");
        assertThat(r.inputs().get("returningCustomers")).isEqualByComparingTo("1");
        assertThat(r.inputs().get("retainedCustomers")).isEqualByComparingTo("2");
        assertThat(new ChurnRate().compute(MARCH, d).value()).isEqualByComparingTo("33.3333");
    }

    @Test
    void repeatPurchaseRateAndFrequencyReadTheYearToThePeriodsEnd() {
        // [2025-04-01, 2026-04-01): Ann (2 days), Cy (2 days), Di (2 orders, 1 day); Bob's order is older
        KpiModule.Value r = march(new RepeatPurchaseRate());
        assertThat(r.value()).isEqualByComparingTo("66.6667"); // 2 / 3
        assertThat(r.inputs()).containsEntry("repeatCustomers", BigDecimal.valueOf(2)).containsEntry("customers", BigDecimal.valueOf(3));
        KpiModule.Value f = march(new PurchaseFrequency());
        assertThat(f.value()).isEqualByComparingTo("2"); // 6 orders / 3 customers
        assertThat(f.inputs()).containsEntry("orders", BigDecimal.valueOf(6)).containsEntry("customers", BigDecimal.valueOf(3));
    }

    @Test
    void averageOrderValueIsThePeriodsRevenuePerOrder() {
        KpiModule.Value v = march(new AverageOrderValue());
        assertThat(v.value()).isEqualByComparingTo("83.3333"); // (70 + 100 + 80) / 3
        assertThat(v.inputs().get("orders")).isEqualByComparingTo("3");
        assertThat(v.inputs().get("revenue")).isEqualByComparingTo("250");
    }

    @Test
    void cartAbandonmentAndConversionCountKnownCustomers() {
        KpiModule.Value cart = march(new CartAbandonmentRate());
        // carts: Ann, Cy, Fay; Ann and Cy ordered after theirs, Fay did not -> 1 / 3
        assertThat(cart.value()).isEqualByComparingTo("33.3333");
        assertThat(cart.inputs()).containsExactly(Map.entry("customersWithCart", BigDecimal.valueOf(3)), Map.entry("customersWhoAbandoned", BigDecimal.ONE));
        KpiModule.Value conv = march(new ConversionRate());
        assertThat(conv.value()).isEqualByComparingTo("50"); // Ann and Cy of Ann, Cy, Fay, Hal
        assertThat(conv.inputs()).containsExactly(Map.entry("visitorsWhoOrdered", BigDecimal.valueOf(2)), Map.entry("visitors", BigDecimal.valueOf(4)));
    }

    @Test
    void ordersWithoutATrackedCartOrVisitDoNotCountAndACartAfterTheLastOrderIsAbandoned() {
        // Gil orders twice without a cart or a visit; Ann updates a cart again on the 25th, after her order of the 5th
        UUID gil = UUID.randomUUID();
        InMemoryKpiData d = shop().add("order.completed", gil, "2026-03-08T10:00:00Z", "total", 10).add("order.completed", gil, "2026-03-09T10:00:00Z",
                "total", 10).add("cart.updated", ANN, "2026-03-25T09:00:00Z");
        KpiModule.Value cart = new CartAbandonmentRate().compute(MARCH, d);
        assertThat(cart.value()).isEqualByComparingTo("66.6667"); // Ann and Fay of Ann, Cy, Fay (before: (3 - 3) / 3 = 0)
        assertThat(cart.inputs()).containsEntry("customersWhoAbandoned", BigDecimal.valueOf(2));
        KpiModule.Value conv = new ConversionRate().compute(MARCH, d);
        assertThat(conv.value()).isEqualByComparingTo("50"); // still Ann and Cy of 4 visitors (before: 3 / 4)
        // only buyers, no visitors with an order: 0, never above 100
        InMemoryKpiData buyers = new InMemoryKpiData().add("order.completed", gil, "2026-03-08T10:00:00Z").add("page.viewed", HAL, "2026-03-08T10:00:00Z");
        assertThat(new ConversionRate().compute(MARCH, buyers).value()).isEqualByComparingTo("0");
    }

    @Test
    void emailRatesCountTheEmailChannelsMessages() {
        // sent 5, refused at the send 1, bounced later 1 (m5): attempted 6, bounced 2, delivered 4; opened 2; clicked 2 (m1, m2)
        KpiModule.Value open = march(new EmailOpenRate());
        assertThat(open.value()).isEqualByComparingTo("50"); // 2 / 4
        assertThat(open.inputs()).containsExactly(Map.entry("opened", BigDecimal.valueOf(2)), Map.entry("delivered", BigDecimal.valueOf(4)),
                Map.entry("sent", BigDecimal.valueOf(5)), Map.entry("bouncedLater", BigDecimal.ONE));
        assertThat(march(new EmailClickRate()).value()).isEqualByComparingTo("50"); // 2 / 4
        assertThat(march(new EmailClickToOpenRate()).value()).isEqualByComparingTo("100"); // 2 / 2
        KpiModule.Value bounce = march(new EmailBounceRate());
        assertThat(bounce.value()).isEqualByComparingTo("33.3333"); // 2 / 6
        assertThat(bounce.inputs()).containsEntry("bounced", BigDecimal.valueOf(2)).containsEntry("attempted", BigDecimal.valueOf(6))
                .containsEntry("bouncedAtSend", BigDecimal.ONE);
        KpiModule.Value unsub = march(new UnsubscribeRate());
        assertThat(unsub.value()).isEqualByComparingTo("25"); // 1 / 4: Di's; Hal's (SMS) and Fay's (service email) are not unsubscribes
        assertThat(unsub.inputs()).containsEntry("unsubscribed", BigDecimal.ONE);
    }

    @Test
    void anEmptyShopHasNoValuesButItsCounts() {
        for (KpiModule m : ALL) {
            KpiModule.Value v = m.compute(MARCH, new InMemoryKpiData());
            assertThat(v.value()).as(m.definition().id()).isNull();
            assertThat(v.inputs()).as(m.definition().id()).isNotEmpty().allSatisfy((k, n) -> assertThat(n).isEqualByComparingTo("0"));
        }
    }

    @Test
    void definitionsAreDistinctAndComplete() {
        assertThat(ALL).extracting(m -> m.definition().id()).containsExactly("retention_rate", "churn_rate", "repeat_purchase_rate", "purchase_frequency",
                "average_order_value", "cart_abandonment_rate", "conversion_rate", "email_open_rate", "email_click_rate", "email_click_to_open_rate",
                "email_bounce_rate", "unsubscribe_rate");
        assertThat(ALL).allSatisfy(m -> {
            assertThat(m.definition().module()).isEqualTo("retention");
            assertThat(m.definition().description()).isNotBlank();
            assertThat(m.definition().unit()).isIn("percent", "ratio", "currency");
        });
        assertThat(ALL).filteredOn(m -> m.definition().direction() == KpiModule.Direction.LOWER_IS_BETTER).extracting(m -> m.definition().id())
                .containsExactlyInAnyOrder("churn_rate", "cart_abandonment_rate", "email_bounce_rate", "unsubscribe_rate");
    }
}
