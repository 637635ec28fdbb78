package io.rapport.plugin.kpi.retention;

import io.rapport.api.event.EventTypes;
import io.rapport.spi.kpi.KpiData;
import io.rapport.spi.kpi.KpiModule;
import io.rapport.spi.kpi.Period;
import org.osgi.service.component.annotations.Component;

/**
 * Purchase frequency, orders per customer per year: O ÷ C over the 365 days before the period's end
 * ({@link Formulas#ACTIVE_WINDOW}), where O is the {@code order.completed} events in them and C the distinct customers
 * who placed them. A rolling year read at the end of each period, like {@link RepeatPurchaseRate}.
 *
 * <p>Inputs: {@code orders} (O), {@code customers} (C). No value when C = 0.
 */
@Component(service = KpiModule.class)
public final class PurchaseFrequency implements KpiModule {

    static final Definition DEFINITION = new Definition("purchase_frequency", "Purchase frequency",
            "Orders in the 365 days to the period's end ÷ customers who ordered in them: orders per customer per year.", "ratio", Direction.HIGHER_IS_BETTER, Counts.MODULE);

    @Override
    public Definition definition() {
        return DEFINITION;
    }

    @Override
    public Value compute(Period p, KpiData data) {
        java.time.Instant since = Formulas.activeSince(p.to());
        long orders = data.events(EventTypes.ORDER_COMPLETED, since, p.to());
        long customers = data.customersWith(EventTypes.ORDER_COMPLETED, since, p.to());
        return new Value(Formulas.purchaseFrequency(orders, customers), Counts.inputs("orders", orders, "customers", customers));
    }
}
