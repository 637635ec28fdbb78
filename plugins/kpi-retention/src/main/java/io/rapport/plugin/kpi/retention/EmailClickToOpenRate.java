package io.rapport.plugin.kpi.retention;

import io.rapport.spi.kpi.KpiData;
import io.rapport.spi.kpi.KpiModule;
import io.rapport.spi.kpi.Period;
import org.osgi.service.component.annotations.Component;

/**
 * Email click-to-open rate, in percent: 100 × K ÷ O, with K the distinct messages clicked and O the messages opened in the
 * period (see {@link EmailClickRate} and {@link EmailOpenRate}). A click without a tracked open (images off) can take
 * it above 100.
 *
 * <p>Inputs: {@code clicked}, {@code opened}. No value when O = 0.
 */
@Component(service = KpiModule.class)
public final class EmailClickToOpenRate implements KpiModule {

    static final Definition DEFINITION = new Definition("email_click_to_open_rate", "Email click-to-open rate",
            "Emails with a click ÷ emails opened, in the period.", "percent", Direction.HIGHER_IS_BETTER, Counts.MODULE);

    @Override
    public Definition definition() {
        return DEFINITION;
    }

    @Override
    public Value compute(Period p, KpiData data) {
        Counts.Email e = Counts.Email.read(p, data);
        return new Value(Formulas.clickToOpenRate(e.clicked(), e.opened()), e.inputs("clicked", "opened"));
    }
}
