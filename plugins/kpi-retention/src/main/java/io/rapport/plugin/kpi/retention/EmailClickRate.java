package io.rapport.plugin.kpi.retention;

import io.rapport.spi.kpi.KpiData;
import io.rapport.spi.kpi.KpiModule;
import io.rapport.spi.kpi.Period;
import org.osgi.service.component.annotations.Component;

/**
 * Email click rate, in percent: 100 × K ÷ D, where K is the distinct messages with an {@code email.clicked} event in the
 * period (a message clicked on several links counts once) and D the emails delivered, as for {@link EmailOpenRate}.
 *
 * <p>Inputs: {@code clicked}, {@code delivered}, {@code sent}, {@code bouncedLater}. No value when D ≤ 0.
 */
@Component(service = KpiModule.class)
public final class EmailClickRate implements KpiModule {

    static final Definition DEFINITION = new Definition("email_click_rate", "Email click rate",
            "Emails with a click ÷ emails delivered, in the period.", "percent", Direction.HIGHER_IS_BETTER, Counts.MODULE);

    @Override
    public Definition definition() {
        return DEFINITION;
    }

    @Override
    public Value compute(Period p, KpiData data) {
        Counts.Email e = Counts.Email.read(p, data);
        return new Value(Formulas.clickRate(e.clicked(), e.delivered()), e.inputs("clicked", "delivered", "sent", "bouncedLater"));
    }
}
