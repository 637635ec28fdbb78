package io.rapport.plugin.kpi.retention;

import io.rapport.api.event.EventTypes;
import io.rapport.spi.kpi.KpiData;
import io.rapport.spi.kpi.KpiModule;
import io.rapport.spi.kpi.Period;
import org.osgi.service.component.annotations.Component;

/**
 * Repeat purchase rate, in percent: 100 × R ÷ C over the 365 days before the period's end ({@link Formulas#ACTIVE_WINDOW}),
 * where C is the customers with an {@code order.completed} event in them (those active at the end) and R those of them with
 * orders on at least two distinct days (in the shop's zone: a split order on one day is not a repeat). The window is
 * a year and not the period because repeat buying takes longer than a day or a week to show; the series is a rolling
 * year read at the end of each period.
 *
 * <p>Inputs: {@code repeatCustomers} (R), {@code customers} (C). No value when C = 0.
 */
@Component(service = KpiModule.class)
public final class RepeatPurchaseRate implements KpiModule {

    static final Definition DEFINITION = new Definition("repeat_purchase_rate", "Repeat purchase rate",
            "Customers who ordered on at least two days in the 365 days to the period's end ÷ customers who ordered in them.", "percent", Direction.HIGHER_IS_BETTER, Counts.MODULE);

    @Override
    public Definition definition() {
        return DEFINITION;
    }

    @Override
    public Value compute(Period p, KpiData data) {
        java.time.Instant since = Formulas.activeSince(p.to());
        long repeat = data.repeatCustomers(EventTypes.ORDER_COMPLETED, since, p.to(), true);
        long customers = data.customersWith(EventTypes.ORDER_COMPLETED, since, p.to());
        return new Value(Formulas.repeatPurchaseRate(repeat, customers), Counts.inputs("repeatCustomers", repeat, "customers", customers));
    }
}
