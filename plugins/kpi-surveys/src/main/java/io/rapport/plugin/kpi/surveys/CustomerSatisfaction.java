package io.rapport.plugin.kpi.surveys;

import java.util.Map;

import io.rapport.spi.kpi.KpiData;
import io.rapport.spi.kpi.KpiModule;
import io.rapport.spi.kpi.Period;
import org.osgi.service.component.annotations.Component;

/**
 * Customer satisfaction, in percent: the share of 4 and 5 among the CSAT answers ({@code survey.answered} of kind
 * {@code csat}, scale 1–5) given in the period.
 *
 * <p>Inputs: {@code satisfied}, {@code responses}. No value without answers.
 */
@Component(service = KpiModule.class)
public final class CustomerSatisfaction implements KpiModule {

    static final Definition DEFINITION = new Definition("csat", "Customer satisfaction (CSAT)",
            "Share of 4 and 5 among the period's CSAT answers (1-5), in percent.", "percent", Direction.HIGHER_IS_BETTER, Answers.MODULE);

    @Override
    public Definition definition() {
        return DEFINITION;
    }

    @Override
    public Value compute(Period p, KpiData data) {
        Map<Integer, Long> by = Answers.byScore(p, data, Answers.CSAT, "1-5", null);
        long satisfied = Answers.between(by, Formulas.SATISFIED, 5);
        long responses = Answers.between(by, 1, 5);
        return new Value(Formulas.csat(satisfied, responses), Answers.inputs("satisfied", satisfied, "responses", responses));
    }
}
