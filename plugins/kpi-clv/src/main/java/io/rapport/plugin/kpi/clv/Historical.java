package io.rapport.plugin.kpi.clv;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The formulas of {@link HistoricalClv}, as pure functions of sums and counts, each null ("no value") when its
 * denominator is 0; values are rounded half-even to {@link #SCALE} decimals.
 */
final class Historical {

    static final int SCALE = 4;
    /** Days in a year of lifespan. */
    static final BigDecimal DAYS_PER_YEAR = BigDecimal.valueOf(365);

    private Historical() {
    }

    /** Revenue per customer to date = revenue of all their orders ÷ customers with an order. */
    static BigDecimal revenuePerCustomer(BigDecimal revenue, long customers) {
        return customers <= 0 ? null : revenue.divide(BigDecimal.valueOf(customers), SCALE, RoundingMode.HALF_EVEN);
    }

    /** Average order value = revenue ÷ orders (of the last year). */
    static BigDecimal averageOrderValue(BigDecimal revenue, long orders) {
        return orders <= 0 ? null : revenue.divide(BigDecimal.valueOf(orders), SCALE, RoundingMode.HALF_EVEN);
    }

    /** Purchase frequency = orders ÷ customers who placed them (of the last year): orders per customer per year. */
    static BigDecimal purchaseFrequency(long orders, long customers) {
        return customers <= 0 ? null : BigDecimal.valueOf(orders).divide(BigDecimal.valueOf(customers), SCALE, RoundingMode.HALF_EVEN);
    }

    /** Lifespan in years = the customers' days from first to last order, summed, ÷ 365 ÷ customers. */
    static BigDecimal lifespanYears(long lifespanDays, long customers) {
        return customers <= 0 ? null
                : BigDecimal.valueOf(lifespanDays).divide(DAYS_PER_YEAR.multiply(BigDecimal.valueOf(customers)), SCALE, RoundingMode.HALF_EVEN);
    }

    /**
     * AOV × frequency × lifespan, computed from the exact factors and rounded once:
     * (R_y ÷ O_y) × (O_y ÷ C_y) × (D ÷ 365 ÷ C) = R_y × D ÷ (C_y × 365 × C).
     *
     * @param yearRevenue    R_y, revenue of the last year's orders
     * @param yearOrders     O_y, the last year's orders
     * @param yearCustomers  C_y, customers who ordered in the last year
     * @param lifespanDays   D, the customers' days from first to last order, summed
     * @param customers      C, customers with an order to date
     */
    static BigDecimal aovFrequencyLifespan(BigDecimal yearRevenue, long yearOrders, long yearCustomers, long lifespanDays, long customers) {
        if (yearOrders <= 0 || yearCustomers <= 0 || customers <= 0) {
            return null;
        }
        BigDecimal denominator = BigDecimal.valueOf(yearCustomers).multiply(DAYS_PER_YEAR).multiply(BigDecimal.valueOf(customers));
        return yearRevenue.multiply(BigDecimal.valueOf(lifespanDays)).divide(denominator, SCALE, RoundingMode.HALF_EVEN);
    }
}
