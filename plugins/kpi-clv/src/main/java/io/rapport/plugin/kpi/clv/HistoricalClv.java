package io.rapport.plugin.kpi.clv;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

import io.rapport.api.event.EventTypes;
import io.rapport.spi.kpi.KpiData;
import io.rapport.spi.kpi.KpiModule;
import io.rapport.spi.kpi.Period;
import org.osgi.service.component.annotations.Component;

/**
 * Historical customer lifetime value at the period's end: revenue per customer to date, R ÷ C, where C is the
 * customers with an {@code order.completed} event before the period's end (before now while the period has not
 * ended) and R the sum of those orders' {@code total}. No value without customers. The current day, week and month
 * share that one pass over the orders ({@link KpiData#totals}, kept with {@link KpiData#reuse}) until an order arrives.
 *
 * <p>The textbook product is an input, {@code aovFrequencyLifespan} = average order value × purchase frequency ×
 * lifespan, with the average order value (R_y ÷ O_y) and the purchase frequency (O_y ÷ C_y, orders per customer per
 * year) of the {@value #YEAR_DAYS} days before the period's end, and the lifespan the mean time from a customer's first
 * to last order day (in the shop's zone), in years of 365 days, over the C customers (0 for a customer with one order
 * day: a lower bound for customers still buying, which {@link PredictedClv} addresses).
 *
 * <p>Inputs: {@code customers} (C), {@code revenue} (R), {@code ordersLastYear} (O_y), {@code revenueLastYear} (R_y),
 * {@code customersLastYear} (C_y), {@code lifespanDays} (the days summed), and when defined {@code averageOrderValue},
 * {@code purchaseFrequency}, {@code lifespanYears}, {@code aovFrequencyLifespan}.
 */
@Component(service = KpiModule.class)
public final class HistoricalClv implements KpiModule {

    static final int YEAR_DAYS = 365;
    static final String MODULE = "clv";
    static final Definition DEFINITION = new Definition("historical_clv", "Historical customer lifetime value",
            "Revenue per customer to date: the revenue of every order before the period's end ÷ the customers who placed them. "
                    + "Inputs add AOV × purchase frequency × lifespan.", "currency", Direction.HIGHER_IS_BETTER, MODULE);

    private final java.time.Clock clock;

    public HistoricalClv() {
        this(java.time.Clock.systemUTC());
    }

    HistoricalClv(java.time.Clock clock) {
        this.clock = clock;
    }

    @Override
    public Definition definition() {
        return DEFINITION;
    }

    @Override
    public Value compute(Period p, KpiData data) {
        ZoneOffset offset = ShopDays.offset(p);
        Instant now = clock.instant();
        Instant until = p.to().isAfter(now) ? now : p.to();
        // to date: the current day, week and month share one pass over the orders, until an order arrives
        String key = "to " + (until == now ? "now " + ShopDays.day(now, offset) : until.toString()) + " " + offset;
        Value base = data.reuse(key, EventTypes.ORDER_COMPLETED, () -> {
            KpiData.Totals t = data.totals(EventTypes.ORDER_COMPLETED, EventTypes.PROPERTY_TOTAL, Instant.EPOCH, until);
            return new Value(null, Map.of("customers", BigDecimal.valueOf(t.customers()), "revenue", t.sum(), "lifespanDays",
                    BigDecimal.valueOf(t.spanDays())));
        });
        long customers = base.inputs().get("customers").longValueExact();
        long lifespanDays = base.inputs().get("lifespanDays").longValueExact();
        BigDecimal revenue = base.inputs().get("revenue");
        KpiData.Totals year = data.totals(EventTypes.ORDER_COMPLETED, EventTypes.PROPERTY_TOTAL, p.to().minus(YEAR_DAYS, ChronoUnit.DAYS), p.to());

        Map<String, BigDecimal> in = new LinkedHashMap<>();
        in.put("customers", BigDecimal.valueOf(customers));
        in.put("revenue", revenue);
        in.put("ordersLastYear", BigDecimal.valueOf(year.events()));
        in.put("revenueLastYear", year.sum());
        in.put("customersLastYear", BigDecimal.valueOf(year.customers()));
        in.put("lifespanDays", BigDecimal.valueOf(lifespanDays));
        putIfDefined(in, "averageOrderValue", Historical.averageOrderValue(year.sum(), year.events()));
        putIfDefined(in, "purchaseFrequency", Historical.purchaseFrequency(year.events(), year.customers()));
        putIfDefined(in, "lifespanYears", Historical.lifespanYears(lifespanDays, customers));
        putIfDefined(in, "aovFrequencyLifespan", Historical.aovFrequencyLifespan(year.sum(), year.events(), year.customers(), lifespanDays, customers));
        return new Value(Historical.revenuePerCustomer(revenue, customers), in);
    }

    private static void putIfDefined(Map<String, BigDecimal> in, String name, BigDecimal v) {
        if (v != null) {
            in.put(name, v);
        }
    }
}
