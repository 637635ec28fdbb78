package io.rapport.plugin.kpi.retention;

import io.rapport.api.event.EventTypes;
import io.rapport.spi.kpi.KpiData;
import io.rapport.spi.kpi.KpiModule;
import io.rapport.spi.kpi.Period;
import org.osgi.service.component.annotations.Component;

/**
 * Conversion rate, in percent: 100 × B ÷ V, where V is the distinct known customers with a {@code page.viewed} event in
 * the period and B those of them with an {@code order.completed} event in it. Anonymous visits (no customer) do not
 * count: it is the conversion of identified visitors. Orders of customers whose visits were not tracked do not change
 * it. Between 0 and 100.
 *
 * <p>Inputs: {@code visitorsWhoOrdered} (B), {@code visitors} (V). No value when V = 0.
 */
@Component(service = KpiModule.class)
public final class ConversionRate implements KpiModule {

    static final Definition DEFINITION = new Definition("conversion_rate", "Conversion rate",
            "Customers who viewed a page and ordered ÷ customers who viewed a page, in the period.", "percent", Direction.HIGHER_IS_BETTER, Counts.MODULE);

    @Override
    public Definition definition() {
        return DEFINITION;
    }

    @Override
    public Value compute(Period p, KpiData data) {
        long visitors = data.customersWith(EventTypes.PAGE_VIEWED, p.from(), p.to());
        long ordered = data.customersWithBoth(EventTypes.PAGE_VIEWED, p.from(), p.to(), EventTypes.ORDER_COMPLETED, p.from(), p.to());
        return new Value(Formulas.conversionRate(ordered, visitors), Counts.inputs("visitorsWhoOrdered", ordered, "visitors", visitors));
    }
}
