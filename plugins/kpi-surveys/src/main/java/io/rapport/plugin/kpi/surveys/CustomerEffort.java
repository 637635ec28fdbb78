package io.rapport.plugin.kpi.surveys;

import java.util.Map;

import io.rapport.spi.kpi.KpiData;
import io.rapport.spi.kpi.KpiModule;
import io.rapport.spi.kpi.Period;

/**
 * Customer effort score on one scale (1–5 or 1–7; one KPI per scale, so that answers on two scales never mix): the
 * mean of the period's CES answers on that scale, where a higher value is always less effort. Answers to surveys that
 * ask "how much effort" (low is better) are mirrored first (on 1–7, a 2 counts as 6).
 *
 * <p>Inputs: {@code responses}, {@code total} (the sum of the answers after mirroring), {@code mirrored} (how many of
 * them were mirrored). No value without answers.
 */
abstract class CustomerEffort implements KpiModule {

    private final int max;

    CustomerEffort(int max) {
        this.max = max;
    }

    static Definition definition(int max) {
        return new Definition("ces_" + max, "Customer effort score (1-" + max + ")", "Mean of the period's CES answers on the 1-" + max + " scale, "
                + max + " = least effort (answers to surveys where 1 is least effort are mirrored).", "score", Direction.HIGHER_IS_BETTER, Answers.MODULE);
    }

    @Override
    public Value compute(Period p, KpiData data) {
        String scale = "1-" + max;
        Map<Integer, Long> easy = Answers.byScore(p, data, Answers.CES, scale, false);
        Map<Integer, Long> effort = Answers.byScore(p, data, Answers.CES, scale, true);
        long responses = 0;
        long total = 0;
        long mirrored = 0;
        for (int score = 1; score <= max; score++) {
            long e = easy.getOrDefault(score, 0L);
            long m = effort.getOrDefault(score, 0L);
            responses += e + m;
            mirrored += m;
            total += score * e + Formulas.mirror(score, max) * m;
        }
        return new Value(Formulas.ces(total, responses), Answers.inputs("responses", responses, "total", total, "mirrored", mirrored));
    }
}
