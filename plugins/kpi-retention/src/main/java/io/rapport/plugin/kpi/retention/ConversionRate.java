package io.rapport.plugin.kpi.retention;

import io.rapport.api.event.EventTypes;
import io.rapport.spi.kpi.KpiData;
import io.rapport.spi.kpi.KpiModule;
import io.rapport.spi.kpi.Period;
import org.osgi.service.component.annotations.Component;

/**
 * Conversion rate, in percent: 100 × B ÷ V, where V is the distinct known customers with a {@code page.viewed} event in
 * the period and B the distinct customers with an {@code order.completed} event in it. Anonymous visits (no customer)
 * do not count: it is the conversion of identified visitors. The two counts are taken apart, so orders from customers
 * whose visits were not tracked can take it above 100.
 *
 * <p>Inputs: {@code customersWhoOrdered} (B), {@code visitors} (V). No value when V = 0.
 */
@Component(service = KpiModule.class)
public final class ConversionRate implements KpiModule {

    static final Definition DEFINITION = new Definition("conversion_rate", "Conversion rate",
            "Customers who ordered ÷ customers who viewed a page, in the period.", "percent", Direction.HIGHER_IS_BETTER, Counts.MODULE);

    @Override
    public Definition definition() {
        return DEFINITION;
    }

    @Override
    public Value compute(Period p, KpiData data) {
        long visitors = data.customersWith(EventTypes.PAGE_VIEWED, p.from(), p.to());
        long ordered = data.customersWith(EventTypes.ORDER_COMPLETED, p.from(), p.to());
        return new Value(Formulas.conversionRate(ordered, visitors), Counts.inputs("customersWhoOrdered", ordered, "visitors", visitors));
    }
}
