package io.rapport.plugin.kpi.surveys;

import java.util.Map;

import io.rapport.spi.kpi.KpiData;
import io.rapport.spi.kpi.KpiModule;
import io.rapport.spi.kpi.Period;
import org.osgi.service.component.annotations.Component;

/**
 * Net Promoter Score, from −100 to 100: % promoters (9–10) − % detractors (0–6) of the NPS answers ({@code survey.answered}
 * of kind {@code nps}, scale 0–10) given in the period.
 *
 * <p>Inputs: {@code promoters}, {@code passives}, {@code detractors}, {@code responses}. No value without answers.
 */
@Component(service = KpiModule.class)
public final class NetPromoterScore implements KpiModule {

    static final Definition DEFINITION = new Definition("nps", "Net Promoter Score",
            "% promoters (9-10) - % detractors (0-6) of the period's NPS answers, from -100 to 100.", "score", Direction.HIGHER_IS_BETTER, Answers.MODULE);

    @Override
    public Definition definition() {
        return DEFINITION;
    }

    @Override
    public Value compute(Period p, KpiData data) {
        Map<Integer, Long> by = Answers.byScore(p, data, Answers.NPS, "0-10", null);
        long promoters = Answers.between(by, Formulas.PROMOTER, 10);
        long passives = Answers.between(by, Formulas.PASSIVE, Formulas.PROMOTER - 1);
        long detractors = Answers.between(by, 0, Formulas.PASSIVE - 1);
        return new Value(Formulas.nps(promoters, passives, detractors), Answers.inputs("promoters", promoters, "passives", passives, "detractors",
                detractors, "responses", promoters + passives + detractors));
    }
}
