package io.rapport.plugin.kpi.surveys;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;

import io.rapport.api.event.EventTypes;
import io.rapport.spi.kpi.KpiData;
import io.rapport.spi.kpi.Period;

/** What the modules read: the period's {@code survey.answered} events of one kind (and scale), counted by score. */
final class Answers {

    /** The module group every KPI of this bundle belongs to. */
    static final String MODULE = "surveys";
    static final String NPS = "nps";
    static final String CSAT = "csat";
    static final String CES = "ces";

    private Answers() {
    }

    /** @return the period's answers of a kind on a scale ({@code 0-10}), by score, among surveys of this direction (null: either) */
    static Map<Integer, Long> byScore(Period p, KpiData data, String kind, String scale, Boolean lowIsBetter) {
        Map<String, String> where = new LinkedHashMap<>();
        where.put(EventTypes.PROPERTY_KIND, kind);
        where.put(EventTypes.PROPERTY_SCALE, scale);
        if (lowIsBetter != null) {
            where.put(EventTypes.PROPERTY_LOW_IS_BETTER, lowIsBetter.toString());
        }
        Map<Integer, Long> out = new LinkedHashMap<>();
        data.countBy(EventTypes.SURVEY_ANSWERED, EventTypes.PROPERTY_SCORE, where, p.from(), p.to()).forEach((score, n) -> {
            try {
                out.merge(Integer.parseInt(score), n, Long::sum);
            } catch (NumberFormatException e) {
                // not a whole number: the kernel never records one, so it came from elsewhere; it does not count
            }
        });
        return out;
    }

    /** @return how many answers are in {@code [from, to]} */
    static long between(Map<Integer, Long> byScore, int from, int to) {
        return byScore.entrySet().stream().filter(e -> e.getKey() >= from && e.getKey() <= to).mapToLong(Map.Entry::getValue).sum();
    }

    static Map<String, BigDecimal> inputs(Object... nameValue) {
        Map<String, BigDecimal> in = new LinkedHashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            in.put((String) nameValue[i], BigDecimal.valueOf(((Number) nameValue[i + 1]).longValue()));
        }
        return in;
    }
}
