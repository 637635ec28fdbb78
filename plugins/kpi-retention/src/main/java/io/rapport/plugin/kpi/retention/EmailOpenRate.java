package io.rapport.plugin.kpi.retention;

import io.rapport.spi.kpi.KpiData;
import io.rapport.spi.kpi.KpiModule;
import io.rapport.spi.kpi.Period;
import org.osgi.service.component.annotations.Component;

/**
 * Email open rate, in percent: 100 × O ÷ D, where O is the {@code email.opened} events of the period (the kernel records
 * only a message's first open, so O counts messages) and D the emails delivered: {@code message.sent} on the email
 * channel minus the distinct messages with an {@code email.bounced} event, both in the period. Opens are counted by
 * when they happened, so an open of last month's email counts this month. Opens hidden by the reader (images off) are
 * missing, and privacy proxies that load every image add opens: read it as a trend.
 *
 * <p>Inputs: {@code opened}, {@code delivered}, {@code sent}, {@code bouncedLater}. No value when D ≤ 0.
 */
@Component(service = KpiModule.class)
public final class EmailOpenRate implements KpiModule {

    static final Definition DEFINITION = new Definition("email_open_rate", "Email open rate",
            "Emails opened ÷ emails delivered (sent − bounced later), in the period.", "percent", Direction.HIGHER_IS_BETTER, Counts.MODULE);

    @Override
    public Definition definition() {
        return DEFINITION;
    }

    @Override
    public Value compute(Period p, KpiData data) {
        Counts.Email e = Counts.Email.read(p, data);
        return new Value(Formulas.openRate(e.opened(), e.delivered()), e.inputs("opened", "delivered", "sent", "bouncedLater"));
    }
}
