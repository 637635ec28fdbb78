package io.rapport.plugin.kpi.retention;

import io.rapport.spi.kpi.KpiData;
import io.rapport.spi.kpi.KpiModule;
import io.rapport.spi.kpi.Period;
import org.osgi.service.component.annotations.Component;

/**
 * Unsubscribe rate, in percent: 100 × U ÷ D, where U is the {@code consent.changed} events of the period to the status
 * WITHDRAWN of the {@code email} channel and the {@code marketing} purpose (an unsubscribe link, the preference page, an
 * import or an agent) and D the emails delivered, as for {@link EmailOpenRate}. Withdrawals of other channels (SMS) or
 * purposes do not count.
 *
 * <p>Inputs: {@code unsubscribed} (U), {@code delivered} (D), {@code sent}, {@code bouncedLater}. No value when D ≤ 0.
 */
@Component(service = KpiModule.class)
public final class UnsubscribeRate implements KpiModule {

    static final Definition DEFINITION = new Definition("unsubscribe_rate", "Unsubscribe rate",
            "Email marketing consents withdrawn ÷ emails delivered, in the period.", "percent", Direction.LOWER_IS_BETTER, Counts.MODULE);

    @Override
    public Definition definition() {
        return DEFINITION;
    }

    @Override
    public Value compute(Period p, KpiData data) {
        Counts.Email e = Counts.Email.read(p, data);
        return new Value(Formulas.unsubscribeRate(e.withdrawn(), e.delivered()), e.inputs("unsubscribed", "delivered", "sent", "bouncedLater"));
    }
}
