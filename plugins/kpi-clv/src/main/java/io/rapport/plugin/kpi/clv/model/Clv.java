package io.rapport.plugin.kpi.clv.model;

/**
 * Customer lifetime value: predictive (BG/NBD purchases times Gamma-Gamma spend, discounted by month, as lifetimes'
 * {@code customer_lifetime_value}) and the simple historical measures.
 *
 * <p>Predictive CLV of a customer over {@code months} months with monthly discount rate d:
 * Σ_{i=1..months} E[M | x, m] · (E[X(i·u)] - E[X((i-1)·u)]) / (1+d)^i, where u is the number of the data's
 * time units in a month and E[X(t)] is {@link BgNbd#expectedPurchases}. It is gross spend: apply a margin to get
 * profit.
 */
public final class Clv {

    /**
     * What to predict over.
     *
     * @param months              whole months ahead, &gt;= 0
     * @param monthlyDiscountRate discount rate per month, &gt; -1 (0.01 = 1 % a month)
     * @param unitsPerMonth       time units of the data in a month, &gt; 0 (see {@link Summary.TimeUnit#perMonth()})
     */
    public record Horizon(int months, double monthlyDiscountRate, double unitsPerMonth) {
        public Horizon {
            if (months < 0 || !(monthlyDiscountRate > -1) || !(unitsPerMonth > 0) || Double.isInfinite(unitsPerMonth)) {
                throw new IllegalArgumentException("needs months >= 0, a discount rate > -1 and units per month > 0, got "
                        + months + ", " + monthlyDiscountRate + ", " + unitsPerMonth);
            }
        }
    }

    private Clv() {
    }

    /**
     * Σ_{i=1..months} (E[X(i·u)] - E[X((i-1)·u)]) / (1+d)^i: the discounted number of purchases expected of a
     * customer with this history. It does not depend on spend, so a batch computes it once per distinct row.
     */
    public static double discountedPurchases(BgNbd purchases, int x, double tx, double T, Horizon horizon) {
        double total = 0;
        double before = 0;
        double discount = 1;
        for (int i = 1; i <= horizon.months(); i++) {
            double upTo = purchases.expectedPurchases(i * horizon.unitsPerMonth(), x, tx, T);
            discount /= 1 + horizon.monthlyDiscountRate();
            total += (upTo - before) * discount;
            before = upTo;
        }
        return total;
    }

    /** The predictive CLV of one customer: E[M | x, m] times {@link #discountedPurchases}. */
    public static double predictive(BgNbd purchases, GammaGamma spend, int x, double tx, double T, double meanSpend, Horizon horizon) {
        return spend.expectedAverageSpend(x, meanSpend) * discountedPurchases(purchases, x, tx, T, horizon);
    }

    /**
     * The predictive CLV of every customer of a grouping, computing the purchase part once per distinct row.
     *
     * @param rows      built from one row per customer ({@link Grouped#of}), so that it maps customers to rows
     * @param meanSpend each customer's mean repeat spend, in the grouping's customer order
     * @return one value per customer, in the same order
     * @throws IllegalArgumentException if {@code meanSpend} does not have one value per customer of {@code rows}
     */
    public static double[] predictive(BgNbd purchases, GammaGamma spend, Grouped rows, double[] meanSpend, Horizon horizon) {
        if (meanSpend.length != rows.mappedCustomers()) {
            throw new IllegalArgumentException(meanSpend.length + " mean spends for " + rows.mappedCustomers() + " customers");
        }
        double[] perRow = new double[rows.size()];
        for (int row = 0; row < rows.size(); row++) {
            perRow[row] = discountedPurchases(purchases, rows.x(row), rows.tx(row), rows.T(row), horizon);
        }
        double[] result = new double[meanSpend.length];
        for (int i = 0; i < result.length; i++) {
            int row = rows.rowOf(i);
            result[i] = spend.expectedAverageSpend(rows.x(row), meanSpend[i]) * perRow[row];
        }
        return result;
    }

    /** Revenue to date: the sum of a customer's amounts. */
    public static double revenueToDate(double... amounts) {
        double total = 0;
        for (double amount : amounts) {
            total += amount;
        }
        return total;
    }

    /** Average order value: revenue over orders, 0 without orders. */
    public static double averageOrderValue(double revenue, long orders) {
        return orders == 0 ? 0 : revenue / orders;
    }

    /**
     * Historical CLV, the textbook product: average order value × purchase frequency (orders per time unit) ×
     * lifespan (in the same time unit).
     */
    public static double historical(double averageOrderValue, double purchaseFrequency, double lifespan) {
        return averageOrderValue * purchaseFrequency * lifespan;
    }
}
