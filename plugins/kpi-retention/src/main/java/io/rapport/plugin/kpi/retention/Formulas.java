package io.rapport.plugin.kpi.retention;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;

/**
 * The formulas of this bundle's KPIs, as pure functions of counts and sums: no data access, no state, so that each
 * one is tested with a worked example computed by hand ({@code FormulasTest}).
 *
 * <p>Every function returns null, "no value", when its denominator is 0 (or below 0, which only email counts whose
 * bounces belong to messages of an earlier period can produce): a period without customers has no retention rate,
 * not a rate of 0. Rates are percentages (0 to 100) and all values are rounded half-even to {@link #SCALE}
 * decimals.
 */
final class Formulas {

    /**
     * How far back an order keeps a customer <em>active</em>: a customer is active at an instant t if they have an
     * {@code order.completed} event in {@code [t - 365 days, t)}. The customers at the start of a period are those
     * active at its first instant, the customers at the end those active at the instant the next period starts.
     */
    static final Duration ACTIVE_WINDOW = Duration.ofDays(365);

    /** Decimals of every value. */
    static final int SCALE = 4;

    private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);

    private Formulas() {
    }

    /** @return the first instant of the window that decides whether a customer is active at {@code at} */
    static Instant activeSince(Instant at) {
        return at.minus(ACTIVE_WINDOW);
    }

    /** @return 100 × part ÷ whole, or null when whole ≤ 0 */
    static BigDecimal percent(long part, long whole) {
        if (whole <= 0) {
            return null;
        }
        return BigDecimal.valueOf(part).multiply(HUNDRED).divide(BigDecimal.valueOf(whole), SCALE, RoundingMode.HALF_EVEN);
    }

    /** @return numerator ÷ denominator, or null when the denominator ≤ 0 */
    static BigDecimal ratio(BigDecimal numerator, long denominator) {
        if (denominator <= 0) {
            return null;
        }
        return numerator.divide(BigDecimal.valueOf(denominator), SCALE, RoundingMode.HALF_EVEN);
    }

    // --- customers ---------------------------------------------------------------------------------------------

    /**
     * Retention rate = (customers at end − new customers) ÷ customers at start, in percent, where "new" means not active
     * at the start: the customers at the end who were also active at the start, |S ∩ E| ÷ |S|. The customers at the end
     * who were not active at the start are the new ones (N, first order ever in the period) and those who came back
     * after more than {@link #ACTIVE_WINDOW} without an order ({@link #returning}), so the numerator is E − N − returning,
     * and the rate is never above 100.
     *
     * @param atStart  customers active at the period's start (S)
     * @param retained customers active at its start and at its end (|S ∩ E|)
     * @return 100 × |S ∩ E| ÷ |S|, or null when S = 0
     */
    static BigDecimal retentionRate(long atStart, long retained) {
        return percent(retained, atStart);
    }

    /** Churn rate = 100 − {@link #retentionRate}, in percent; null when the retention rate has no value. */
    static BigDecimal churnRate(long atStart, long retained) {
        BigDecimal retention = retentionRate(atStart, retained);
        return retention == null ? null : HUNDRED.subtract(retention).setScale(SCALE, RoundingMode.HALF_EVEN);
    }

    /**
     * Returning customers = E − N − |S ∩ E|: active at the end, not at the start, and not new: they ordered before, more
     * than {@link #ACTIVE_WINDOW} before the period's start.
     */
    static long returning(long atEnd, long newOnes, long retained) {
        return atEnd - newOnes - retained;
    }

    /**
     * Repeat purchase rate = repeat customers ÷ customers, in percent.
     *
     * @param repeat    customers with orders on at least two distinct days in the window
     * @param customers customers with at least one order in the window
     */
    static BigDecimal repeatPurchaseRate(long repeat, long customers) {
        return percent(repeat, customers);
    }

    /** Purchase frequency = orders ÷ customers who ordered (orders per customer); null without customers. */
    static BigDecimal purchaseFrequency(long orders, long customers) {
        return ratio(BigDecimal.valueOf(orders), customers);
    }

    // --- orders ------------------------------------------------------------------------------------------------

    /** Average order value = revenue ÷ orders, in the shop's currency; null without orders. */
    static BigDecimal averageOrderValue(BigDecimal revenue, long orders) {
        return ratio(revenue, orders);
    }

    /**
     * Cart abandonment rate = customers who abandoned a cart ÷ customers with a cart, in percent: of the customers who
     * updated a cart in the period, those with no order after their last update in it. Between 0 and 100.
     *
     * @param abandoned customers with a cart and no order after their last cart update
     * @param withCart  customers with a cart update
     */
    static BigDecimal cartAbandonmentRate(long abandoned, long withCart) {
        return percent(abandoned, withCart);
    }

    /**
     * Conversion rate = visitors who ordered ÷ visitors, in percent: of the customers who viewed a page in the period,
     * those who also ordered in it. Between 0 and 100.
     *
     * @param converted visitors with an order
     * @param visitors  customers with a page view
     */
    static BigDecimal conversionRate(long converted, long visitors) {
        return percent(converted, visitors);
    }

    // --- email -------------------------------------------------------------------------------------------------

    /** Emails attempted = accepted by the channel ({@code message.sent}) + refused at the send as a hard bounce ({@code message.bounced}). */
    static long attempted(long sent, long bouncedAtSend) {
        return sent + bouncedAtSend;
    }

    /** Emails bounced = hard bounces at the send + messages that bounced later ({@code email.bounced}). */
    static long bounced(long bouncedAtSend, long bouncedLater) {
        return bouncedAtSend + bouncedLater;
    }

    /** Emails delivered = accepted by the channel − those that bounced later. */
    static long delivered(long sent, long bouncedLater) {
        return sent - bouncedLater;
    }

    /** Open rate = emails opened ÷ emails delivered, in percent. */
    static BigDecimal openRate(long opened, long delivered) {
        return percent(opened, delivered);
    }

    /** Click rate = emails clicked (at least one link) ÷ emails delivered, in percent. */
    static BigDecimal clickRate(long clicked, long delivered) {
        return percent(clicked, delivered);
    }

    /** Click-to-open rate = emails clicked ÷ emails opened, in percent. */
    static BigDecimal clickToOpenRate(long clicked, long opened) {
        return percent(clicked, opened);
    }

    /** Bounce rate = emails bounced ÷ emails attempted, in percent. */
    static BigDecimal bounceRate(long bounced, long attempted) {
        return percent(bounced, attempted);
    }

    /** Unsubscribe rate = email marketing consents withdrawn ÷ emails delivered, in percent. */
    static BigDecimal unsubscribeRate(long withdrawn, long delivered) {
        return percent(withdrawn, delivered);
    }
}
