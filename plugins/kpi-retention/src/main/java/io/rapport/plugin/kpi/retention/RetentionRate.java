package io.rapport.plugin.kpi.retention;

import io.rapport.spi.kpi.KpiData;
import io.rapport.spi.kpi.KpiModule;
import io.rapport.spi.kpi.Period;
import org.osgi.service.component.annotations.Component;

/**
 * Retention rate, in percent: 100 × (E − N) ÷ S, where S is the number of customers active at the period's start, E those
 * active at its end and N the customers whose first order ever is in the period. A customer is <em>active</em> at an
 * instant t if they have an {@code order.completed} event in {@code [t − 365 days, t)} ({@link Formulas#ACTIVE_WINDOW});
 * the start is the period's first instant, the end the instant the next period starts. A customer who comes back after
 * more than 365 days without an order is neither in S nor new, but counts in E − N as retained (the kernel's aggregates
 * cannot intersect two windows), so the rate can exceed 100 in a period of many comebacks.
 *
 * <p>Inputs: {@code customersAtStart} (S), {@code customersAtEnd} (E), {@code newCustomers} (N), {@code retainedCustomers}
 * (E − N). No value when S = 0.
 */
@Component(service = KpiModule.class)
public final class RetentionRate implements KpiModule {

    static final Definition DEFINITION = new Definition("retention_rate", "Retention rate",
            "(customers at end − new customers) ÷ customers at start; a customer is active at a time if they ordered in the 365 days before it.", "percent", Direction.HIGHER_IS_BETTER, Counts.MODULE);

    @Override
    public Definition definition() {
        return DEFINITION;
    }

    @Override
    public Value compute(Period p, KpiData data) {
        Counts.Base b = Counts.Base.read(p, data);
        return new Value(Formulas.retentionRate(b.atStart(), b.atEnd(), b.newOnes()), b.inputs());
    }
}
