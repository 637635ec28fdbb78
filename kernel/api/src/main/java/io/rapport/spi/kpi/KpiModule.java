package io.rapport.spi.kpi;

import java.math.BigDecimal;
import java.util.Map;
import java.util.Objects;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * One KPI: what it measures, and how to compute it for a period of a shop. Register an implementation as an OSGi
 * service (a DS component); the kernel finds it through the whiteboard by {@link #id()}. The kernel calls
 * {@link #compute} from its own threads, for one period at a time; an implementation keeps no state between calls.
 *
 * @since 0.1
 */
@ConsumerType
public interface KpiModule {

    /** Whether a rise is good news. */
    enum Direction {
        HIGHER_IS_BETTER,
        LOWER_IS_BETTER
    }

    /**
     * What the KPI is.
     *
     * @param id          a stable name, lower-case words joined by {@code _} ({@code nps}, {@code retention_rate}): the
     *                    series' key in the API
     * @param title       its name for people ({@code Net Promoter Score})
     * @param description how it is computed, in a sentence or two, for the dashboard
     * @param unit        {@code percent}, {@code ratio}, {@code score}, {@code currency}, {@code count} or {@code days}
     * @param direction   whether higher is better
     * @param module      the plugin's group of KPIs, such as {@code surveys} or {@code retention}, for the dashboard
     */
    record Definition(String id, String title, String description, String unit, Direction direction, String module) {
        public Definition {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(title, "title");
            Objects.requireNonNull(unit, "unit");
            Objects.requireNonNull(direction, "direction");
            if (!id.matches("[a-z][a-z0-9_]{0,62}")) {
                throw new IllegalArgumentException("a KPI id is lower-case words joined by _: " + id);
            }
        }
    }

    /**
     * A computed value with the inputs that produced it, so that a reader can check it: an NPS of 20 with its
     * promoters, passives and detractors, not only the score.
     *
     * @param value  the KPI, or null when the period has no value (no survey answered: not 0)
     * @param inputs the counts and sums the value was computed from, by name, in the order to show them
     */
    record Value(BigDecimal value, Map<String, BigDecimal> inputs) {
        public Value {
            inputs = inputs == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(inputs));
        }

        /** No value for the period, with the inputs that say why (such as no responses). */
        public static Value none(Map<String, BigDecimal> inputs) {
            return new Value(null, inputs);
        }
    }

    /** @return what the KPI is; the same on every call */
    Definition definition();

    /**
     * Computes the KPI for one period of one shop, optionally within a segment, from the kernel's aggregates.
     *
     * @param period the shop, the period and the segment
     * @param data   read-only aggregates over the shop's data, restricted to the segment if the period names one
     * @return the value and its inputs; never null
     */
    Value compute(Period period, KpiData data);
}
