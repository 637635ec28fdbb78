package io.rapport.plugin.kpi.retention;

import io.rapport.spi.kpi.KpiData;
import io.rapport.spi.kpi.KpiModule;
import io.rapport.spi.kpi.Period;
import org.osgi.service.component.annotations.Component;

/**
 * Email bounce rate, in percent: 100 × B ÷ A, where A is the emails attempted in the period ({@code message.sent} plus
 * {@code message.bounced} on the email channel: accepted by the channel, or refused at the send for good) and B the
 * emails bounced: refused at the send, plus the distinct messages with an {@code email.bounced} event (soft or hard)
 * in the period.
 *
 * <p>Inputs: {@code bounced} (B), {@code attempted} (A), {@code sent}, {@code bouncedAtSend}, {@code bouncedLater}. No
 * value when A = 0.
 */
@Component(service = KpiModule.class)
public final class EmailBounceRate implements KpiModule {

    static final Definition DEFINITION = new Definition("email_bounce_rate", "Email bounce rate",
            "Emails bounced (at the send or later) ÷ emails attempted (sent + refused at the send), in the period.", "percent", Direction.LOWER_IS_BETTER, Counts.MODULE);

    @Override
    public Definition definition() {
        return DEFINITION;
    }

    @Override
    public Value compute(Period p, KpiData data) {
        Counts.Email e = Counts.Email.read(p, data);
        return new Value(Formulas.bounceRate(e.bounced(), e.attempted()), e.inputs("bounced", "attempted", "sent", "bouncedAtSend", "bouncedLater"));
    }
}
