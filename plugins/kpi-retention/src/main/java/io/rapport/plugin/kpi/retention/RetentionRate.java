package io.rapport.plugin.kpi.retention;

import io.rapport.spi.kpi.KpiData;
import io.rapport.spi.kpi.KpiModule;
import io.rapport.spi.kpi.Period;
import org.osgi.service.component.annotations.Component;

/**
 * Retention rate, in percent: 100 × |S ∩ E| ÷ |S|, where S is the customers active at the period's start and E those
 * active at its end. A customer is <em>active</em> at an instant t if they have an {@code order.completed} event in
 * {@code [t − 365 days, t)} ({@link Formulas#ACTIVE_WINDOW}); the start is the period's first instant, the end the
 * instant the next period starts. This is (E − N − R) ÷ S, with N the customers whose first order ever is in the period
 * and R those who came back after more than 365 days without an order: (customers at end − customers new to the
 * period's start) ÷ customers at start. Never above 100.
 *
 * <p>Inputs: {@code customersAtStart} (S), {@code customersAtEnd} (E), {@code newCustomers} (N), {@code returningCustomers}
 * (R), {@code retainedCustomers} (|S ∩ E| = E − N − R). No value when S = 0.
 */
@Component(service = KpiModule.class)
public final class RetentionRate implements KpiModule {

    static final Definition DEFINITION = new Definition("retention_rate", "Retention rate",
            "(customers at end − new and returning customers) ÷ customers at start: the share of the customers active at the start still active at the end; "
                    + "a customer is active at a time if they ordered in the 365 days before it.", "percent", Direction.HIGHER_IS_BETTER, Counts.MODULE);

    @Override
    public Definition definition() {
        return DEFINITION;
    }

    @Override
    public Value compute(Period p, KpiData data) {
        Counts.Base b = Counts.Base.read(p, data);
        return new Value(Formulas.retentionRate(b.atStart(), b.retained()), b.inputs());
    }
}
