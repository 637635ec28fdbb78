package io.rapport.plugin.kpi.surveys;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The formulas of this bundle's KPIs, as pure functions of counts: no data access, no state, so that each one is
 * tested with a worked example computed by hand ({@code FormulasTest}). Every function returns null, "no value", when
 * there are no answers: a period without answers has no NPS, not an NPS of 0. Values are rounded half-even to
 * {@link #SCALE} decimals.
 */
final class Formulas {

    /** Decimals of every value. */
    static final int SCALE = 4;
    /** NPS answers from this score up are promoters; below {@link #PASSIVE} detractors. */
    static final int PROMOTER = 9;
    static final int PASSIVE = 7;
    /** CSAT answers from this score up are satisfied. */
    static final int SATISFIED = 4;

    private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);

    private Formulas() {
    }

    /**
     * Net Promoter Score = % promoters − % detractors, from −100 to 100.
     *
     * @param promoters  answers of 9 or 10
     * @param passives   answers of 7 or 8
     * @param detractors answers of 0 to 6
     * @return 100 × (promoters − detractors) ÷ answers, or null without answers
     */
    static BigDecimal nps(long promoters, long passives, long detractors) {
        long n = promoters + passives + detractors;
        if (n <= 0) {
            return null;
        }
        return BigDecimal.valueOf(promoters - detractors).multiply(HUNDRED).divide(BigDecimal.valueOf(n), SCALE, RoundingMode.HALF_EVEN);
    }

    /**
     * Customer satisfaction = the share of satisfied answers, in percent.
     *
     * @param satisfied answers of 4 or 5 on the 1–5 scale
     * @param answers   every answer
     * @return 100 × satisfied ÷ answers, or null without answers
     */
    static BigDecimal csat(long satisfied, long answers) {
        if (answers <= 0) {
            return null;
        }
        return BigDecimal.valueOf(satisfied).multiply(HUNDRED).divide(BigDecimal.valueOf(answers), SCALE, RoundingMode.HALF_EVEN);
    }

    /**
     * Customer effort score = the mean answer on one scale, each answer of a survey where a low score is the good one
     * mirrored first ({@link #mirror}), so that a higher mean is always less effort.
     *
     * @param total   the sum of the (mirrored) answers
     * @param answers how many
     * @return total ÷ answers, or null without answers
     */
    static BigDecimal ces(long total, long answers) {
        if (answers <= 0) {
            return null;
        }
        return BigDecimal.valueOf(total).divide(BigDecimal.valueOf(answers), SCALE, RoundingMode.HALF_EVEN);
    }

    /** @return the answer on a {@code 1..max} scale turned around: 1 becomes max, max becomes 1 */
    static int mirror(int score, int max) {
        return max + 1 - score;
    }
}
