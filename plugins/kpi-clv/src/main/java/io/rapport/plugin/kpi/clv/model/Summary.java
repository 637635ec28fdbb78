package io.rapport.plugin.kpi.clv.model;

import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns transactions into one {@link CustomerSummary} per customer for a calibration period, as lifetimes'
 * {@code summary_data_from_transaction_data(..., freq="D", freq_multiplier=7)} does for weeks.
 *
 * <p>Purchases are counted by day: several purchases of a customer on one day are one purchase whose amount is
 * their sum. The first purchase day starts the customer's clock and is not a repeat purchase. Times are whole days
 * divided by the unit's length in days (weeks: days / 7), not rounded to whole weeks.
 */
public final class Summary {

    /** The unit of t_x and T. */
    public enum TimeUnit {
        DAYS(1),
        WEEKS(7);

        private final int days;

        TimeUnit(int days) {
            this.days = days;
        }

        /** Length of the unit in days. */
        public int days() {
            return days;
        }

        /**
         * Units in a month, as lifetimes' {@code customer_lifetime_value} counts them (30 days, 4.345 weeks).
         */
        public double perMonth() {
            return this == DAYS ? 30.0 : 4.345;
        }
    }

    private Summary() {
    }

    /**
     * Summarises the customers who bought on or before {@code calibrationEnd}.
     *
     * @param transactions   in any order; those after {@code calibrationEnd} are ignored
     * @param calibrationEnd the last day of the calibration period, inclusive
     * @param unit           the unit of t_x and T
     * @return one summary per customer with a purchase in the period, in the order of their first transaction in
     *         the input
     */
    public static List<CustomerSummary> build(Iterable<Transaction> transactions, LocalDate calibrationEnd, TimeUnit unit) {
        Map<String, TreeMap<LocalDate, Double>> days = new LinkedHashMap<>();
        for (Transaction t : transactions) {
            if (t.date().isAfter(calibrationEnd)) {
                continue;
            }
            days.computeIfAbsent(t.customerId(), id -> new TreeMap<>()).merge(t.date(), t.amount(), Double::sum);
        }
        List<CustomerSummary> result = new ArrayList<>(days.size());
        double unitDays = unit.days();
        for (Map.Entry<String, TreeMap<LocalDate, Double>> customer : days.entrySet()) {
            TreeMap<LocalDate, Double> byDay = customer.getValue();
            LocalDate first = byDay.firstKey();
            LocalDate last = byDay.lastKey();
            int x = byDay.size() - 1;
            double repeatSpend = 0;
            for (double amount : byDay.tailMap(first, false).values()) {
                repeatSpend += amount;
            }
            double tx = ChronoUnit.DAYS.between(first, last) / unitDays;
            double T = ChronoUnit.DAYS.between(first, calibrationEnd) / unitDays;
            result.add(new CustomerSummary(customer.getKey(), x, tx, T, x == 0 ? 0 : repeatSpend / x));
        }
        return result;
    }
}
