package io.rapport.plugin.kpi.retention;

import io.rapport.api.event.EventTypes;
import io.rapport.spi.kpi.KpiData;
import io.rapport.spi.kpi.KpiModule;
import io.rapport.spi.kpi.Period;
import org.osgi.service.component.annotations.Component;

/**
 * Cart abandonment rate, in percent: 100 × (K − B) ÷ K, where K is the distinct customers with a {@code cart.updated}
 * event in the period (a customer's carts of a period count once) and B the distinct customers with an
 * {@code order.completed} event in it. Anonymous carts (no customer) do not count. The two counts are taken apart:
 * a customer who ordered without a tracked cart makes B larger, and the rate can fall below 0, which says that orders
 * are not tracked through carts.
 *
 * <p>Inputs: {@code customersWithCart} (K), {@code customersWhoOrdered} (B). No value when K = 0.
 */
@Component(service = KpiModule.class)
public final class CartAbandonmentRate implements KpiModule {

    static final Definition DEFINITION = new Definition("cart_abandonment_rate", "Cart abandonment rate",
            "(customers with a cart − customers who ordered) ÷ customers with a cart, in the period.", "percent", Direction.LOWER_IS_BETTER, Counts.MODULE);

    @Override
    public Definition definition() {
        return DEFINITION;
    }

    @Override
    public Value compute(Period p, KpiData data) {
        long withCart = data.customersWith(EventTypes.CART_UPDATED, p.from(), p.to());
        long ordered = data.customersWith(EventTypes.ORDER_COMPLETED, p.from(), p.to());
        return new Value(Formulas.cartAbandonmentRate(withCart, ordered), Counts.inputs("customersWithCart", withCart, "customersWhoOrdered", ordered));
    }
}
