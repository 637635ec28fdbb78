package io.rapport.plugin.kpi.retention;

import io.rapport.api.event.EventTypes;
import io.rapport.spi.kpi.KpiData;
import io.rapport.spi.kpi.KpiModule;
import io.rapport.spi.kpi.Period;
import org.osgi.service.component.annotations.Component;

/**
 * Cart abandonment rate, in percent: 100 × A ÷ K, where K is the distinct customers with a {@code cart.updated} event in
 * the period (a customer's carts of a period count once) and A those of them with no {@code order.completed} event at
 * or after their last cart update, in the period. Anonymous carts (no customer) do not count; orders without a tracked
 * cart do not change it. Between 0 and 100.
 *
 * <p>Inputs: {@code customersWithCart} (K), {@code customersWhoAbandoned} (A). No value when K = 0.
 */
@Component(service = KpiModule.class)
public final class CartAbandonmentRate implements KpiModule {

    static final Definition DEFINITION = new Definition("cart_abandonment_rate", "Cart abandonment rate",
            "Customers with no order after their last cart update ÷ customers who updated a cart, in the period.", "percent", Direction.LOWER_IS_BETTER, Counts.MODULE);

    @Override
    public Definition definition() {
        return DEFINITION;
    }

    @Override
    public Value compute(Period p, KpiData data) {
        long withCart = data.customersWith(EventTypes.CART_UPDATED, p.from(), p.to());
        long abandoned = data.customersWithout(EventTypes.CART_UPDATED, EventTypes.ORDER_COMPLETED, p.from(), p.to());
        return new Value(Formulas.cartAbandonmentRate(abandoned, withCart), Counts.inputs("customersWithCart", withCart, "customersWhoAbandoned", abandoned));
    }
}
