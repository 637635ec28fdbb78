package io.rapport.spi.kpi;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Read-only aggregates over one shop's data, which the kernel offers a {@link KpiModule} for one computation. Every
 * method reads the shop given in the {@link Period}, and only the members of its segment if it names one. Times are
 * instants; windows are {@code [from, to)}. Events are counted by their {@code occurredAt}. Customers merged into
 * another count once, as the survivor; erased customers do not count.
 *
 * @since 0.1
 */
@ProviderType
public interface KpiData {

    /** @return how many events of the type occurred in the window */
    long events(String type, Instant from, Instant to);

    /** @return how many distinct customers had at least one event of the type in the window */
    long customersWith(String type, Instant from, Instant to);

    /**
     * Customers in two sets at once: those with an event of {@code type} in {@code [from, to)} and an event of
     * {@code otherType} in {@code [otherFrom, otherTo)}. With one type and two windows it intersects the customers
     * active in both (the customers at the start of a period who are still active at its end:
     * {@code customersWithBoth("order.completed", s0, s1, "order.completed", e0, e1)}); with two types and one window,
     * the customers who did both (visited and ordered). Never more than either {@link #customersWith} count.
     *
     * @return how many distinct customers had at least one event in each of the two
     * @since 0.2
     */
    long customersWithBoth(String type, Instant from, Instant to, String otherType, Instant otherFrom, Instant otherTo);

    /**
     * Customers who did something and not the next step after it: those with an event of {@code type} in
     * {@code [from, to)} and no event of {@code otherType} at or after their last such event, before {@code to}
     * (customers whose last cart update of a period was not followed by an order in it:
     * {@code customersWithout("cart.updated", "order.completed", from, to)}). Never more than
     * {@code customersWith(type, from, to)}.
     *
     * @return how many distinct customers
     * @since 0.2
     */
    long customersWithout(String type, String otherType, Instant from, Instant to);

    /** @return how many distinct customers had their first event of the type ever in the window */
    long firstTimeCustomers(String type, Instant from, Instant to);

    /**
     * @return how many distinct customers had at least two events of the type in the window (repeat customers), each
     *         counted on distinct days only if {@code distinctDays}
     */
    long repeatCustomers(String type, Instant from, Instant to, boolean distinctDays);

    /** @return the sum of a numeric property of the type's events in the window (non-numeric values are skipped) */
    BigDecimal sum(String type, String property, Instant from, Instant to);

    /**
     * @return how many events of the type in the window have each value of a property, by the value as text (such as
     *         an NPS answer's score); events without the property are absent
     */
    Map<String, Long> countBy(String type, String property, Instant from, Instant to);

    /**
     * As {@link #countBy(String, String, Instant, Instant)}, among the events whose other properties have the given
     * values: {@code countBy("survey.answered", "score", Map.of("kind", "nps"), from, to)}. A value compares as text,
     * as {@code countBy} gives it (a number without trailing zeros, {@code true} or {@code false}); an event without
     * one of the properties does not count.
     *
     * @param where property names and the text of their wanted values; empty for every event of the type
     * @since 0.2
     */
    Map<String, Long> countBy(String type, String property, Map<String, String> where, Instant from, Instant to);

    /**
     * The totals of a type's events in a window, from one pass over them.
     *
     * @param events    how many events ({@link #events})
     * @param customers how many distinct customers had them ({@link #customersWith})
     * @param sum       the sum of the numeric property over the events ({@link #sum}; non-numeric values are skipped)
     * @param spanDays  over those customers, the days from each one's first to their last such event in the window (in
     *                  the shop's zone; 0 for a customer with one day), summed: a customer lifespan's numerator
     * @since 0.3
     */
    record Totals(long events, long customers, BigDecimal sum, long spanDays) {
    }

    /**
     * {@link #events}, {@link #customersWith} and {@link #sum} of one window at once, with the customers' spans: one
     * pass over the events where the three aggregates would take three.
     *
     * @since 0.3
     */
    Totals totals(String type, String property, Instant from, Instant to);

    /** @return how many customers existed at {@code at} (created before it, and not erased) */
    long customersAt(Instant at);

    /**
     * A customer's purchases summarised up to a date: what lifetime-value models read.
     *
     * @param customerId  the customer
     * @param first       the first event's time
     * @param last        the last event's time
     * @param days        on how many distinct days (in the shop's zone) they had such an event
     * @param total       the sum of the value property over all their events
     * @param firstDay    the sum of the value property on their first day
     */
    record Purchases(UUID customerId, Instant first, Instant last, int days, BigDecimal total, BigDecimal firstDay) {
    }

    /**
     * Streams every customer's purchases (events of the type, with the value in a property) up to {@code until}, one
     * summary per customer with at least one, in no particular order. Memory does not grow with the customers.
     */
    void purchases(String type, String valueProperty, Instant until, Consumer<Purchases> each);

    /**
     * One cohort of a retention table: the customers whose first event of a type ever fell in one calendar month.
     *
     * @param month     the month of their first event, in the shop's zone
     * @param customers how many they are
     * @param active    how many of them had an event of the type in the cohort's month ({@code active.get(0)}, all of
     *                  them), the month after ({@code active.get(1)}), and so on up to the last month of the table
     * @since 0.2
     */
    record Cohort(YearMonth month, long customers, List<Long> active) {
        public Cohort {
            active = List.copyOf(active);
        }
    }

    /**
     * A cohort retention table, computed in the database: the customers whose first event of the type ever occurred in
     * {@code [from, until)}, grouped by the calendar month of that event in the shop's zone, and for each month from
     * their cohort's to the one that contains the last instant before {@code until}, how many of them had an event of
     * the type in it. Events at or after {@code until} do not count; the last month may be partial.
     *
     * @return the cohorts, oldest first, one per month of the window (with 0 customers when nobody started then)
     * @since 0.2
     */
    List<Cohort> cohorts(String type, Instant from, Instant until);

    /**
     * Stores a score per customer under a name (such as {@code predicted_clv} or {@code p_alive}), replacing the
     * scores of that name: segments read them ({@code {"score": "predicted_clv", "op": "gte", "value": 100}}).
     *
     * @param name lower-case words joined by {@code _}
     */
    void writeScores(String name, Map<UUID, BigDecimal> scores);

    /**
     * Returns the value {@code compute} returned earlier for the same key, in the same shop and segment and for the
     * same module, if the shop's events of {@code type} have not changed since; otherwise runs {@code compute} now
     * (on the calling thread) and keeps what it returns. For a module whose expensive part (a model's fit, the
     * scores it writes) depends only on those events and on what the key says (such as the calibration's last day),
     * so that computing several periods that share it (the current day, week and month) does the work once.
     *
     * <p>The kernel keeps one value per module, shop, segment and key, forgets it when it hears an event of the type
     * for the shop (late data included), after an hour at most (events another node received), and when the module
     * goes away. Side effects of {@code compute} (such as {@link #writeScores}) happen only when it runs. A
     * {@code compute} that throws keeps nothing.
     *
     * @param key     what, besides the events of the type, the value depends on; equal keys mean equal values
     * @param type    the event type whose events the value is computed from
     * @param compute computes the value; never returns null
     * @return the kept or the new value
     * @since 0.2
     */
    KpiModule.Value reuse(String key, String type, Supplier<KpiModule.Value> compute);
}
