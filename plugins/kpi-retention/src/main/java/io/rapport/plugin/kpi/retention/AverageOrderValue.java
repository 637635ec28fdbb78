package io.rapport.plugin.kpi.retention;

import io.rapport.api.event.EventTypes;
import io.rapport.spi.kpi.KpiData;
import io.rapport.spi.kpi.KpiModule;
import io.rapport.spi.kpi.Period;
import org.osgi.service.component.annotations.Component;

/**
 * Average order value, in the shop's currency: revenue ÷ orders in the period, where orders are the
 * {@code order.completed} events in it and revenue the sum of their numeric {@code total} (orders without one count as
 * orders of 0).
 *
 * <p>Inputs: {@code orders}, {@code revenue}. No value when the period has no orders.
 */
@Component(service = KpiModule.class)
public final class AverageOrderValue implements KpiModule {

    static final Definition DEFINITION = new Definition("average_order_value", "Average order value",
            "Revenue ÷ orders in the period (order.completed, property total).", "currency", Direction.HIGHER_IS_BETTER, Counts.MODULE);

    @Override
    public Definition definition() {
        return DEFINITION;
    }

    @Override
    public Value compute(Period p, KpiData data) {
        long orders = data.events(EventTypes.ORDER_COMPLETED, p.from(), p.to());
        java.math.BigDecimal revenue = data.sum(EventTypes.ORDER_COMPLETED, EventTypes.PROPERTY_TOTAL, p.from(), p.to());
        return new Value(Formulas.averageOrderValue(revenue, orders), Counts.inputs("orders", orders, "revenue", revenue));
    }
}
