package io.rapport.plugin.kpi.retention;

import io.rapport.spi.kpi.KpiData;
import io.rapport.spi.kpi.KpiModule;
import io.rapport.spi.kpi.Period;
import org.osgi.service.component.annotations.Component;

/**
 * Churn rate, in percent: 100 − {@link RetentionRate the retention rate}, with the same customers at start, at end and new,
 * and the same inputs. No value when no customer was active at the period's start.
 */
@Component(service = KpiModule.class)
public final class ChurnRate implements KpiModule {

    static final Definition DEFINITION = new Definition("churn_rate", "Churn rate",
            "100 − retention rate: the share of the customers active at the start who were not retained.", "percent", Direction.LOWER_IS_BETTER, Counts.MODULE);

    @Override
    public Definition definition() {
        return DEFINITION;
    }

    @Override
    public Value compute(Period p, KpiData data) {
        Counts.Base b = Counts.Base.read(p, data);
        return new Value(Formulas.churnRate(b.atStart(), b.retained()), b.inputs());
    }
}
