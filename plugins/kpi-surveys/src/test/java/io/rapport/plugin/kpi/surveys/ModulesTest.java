package io.rapport.plugin.kpi.surveys;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.rapport.api.event.EventTypes;
import io.rapport.spi.kpi.KpiModule;
import io.rapport.spi.kpi.Period;
import io.rapport.testkit.InMemoryKpiData;
import org.junit.jupiter.api.Test;

/**
 * Each module against the answers of a small shop in memory ({@link InMemoryKpiData}), for March 2026 (UTC):
 * <ul>
 * <li>NPS: 10, 9, 9, 8, 6, 3 in March and a 0 in February: 3 promoters, 1 passive, 2 detractors of 6, (3 − 2) ÷ 6 =
 * 16.6667;</li>
 * <li>CSAT: 5, 4, 3, 2 in March: 2 of 4 = 50 %;</li>
 * <li>CES on 1–7: 7 and 5 from a survey where higher is easier, 2 from one where lower is easier (mirrored: 6):
 * (7 + 5 + 6) ÷ 3 = 6; on 1–5: 4 from an easy-is-high survey, 1 and 2 from an effort survey (mirrored: 5 and 4):
 * 13 ÷ 3 = 4.3333. A CES 7 with no scale, an NPS 9 recorded as "9.0" and a "9" of an event of another type show that
 * kinds, scales and types never mix.</li>
 * </ul>
 */
class ModulesTest {

    static final Period MARCH = new Period(UUID.randomUUID(), Period.Granularity.MONTH, LocalDate.parse("2026-03-01"),
            Instant.parse("2026-03-01T00:00:00Z"), Instant.parse("2026-04-01T00:00:00Z"), null);
    static final Period APRIL = new Period(MARCH.tenantId(), Period.Granularity.MONTH, LocalDate.parse("2026-04-01"),
            Instant.parse("2026-04-01T00:00:00Z"), Instant.parse("2026-05-01T00:00:00Z"), null);

    static final List<KpiModule> ALL = List.of(new NetPromoterScore(), new CustomerSatisfaction(), new CustomerEffort5(), new CustomerEffort7());

    static InMemoryKpiData shop() {
        InMemoryKpiData d = new InMemoryKpiData();
        for (int score : new int[] {10, 9, 8, 6, 3}) {
            answer(d, "nps", "0-10", false, new BigDecimal(score), "2026-03-10T10:00:00Z");
        }
        answer(d, "nps", "0-10", false, new BigDecimal("9.0"), "2026-03-11T10:00:00Z");
        answer(d, "nps", "0-10", false, BigDecimal.ZERO, "2026-02-27T10:00:00Z");
        for (int score : new int[] {5, 4, 3, 2}) {
            answer(d, "csat", "1-5", false, new BigDecimal(score), "2026-03-12T10:00:00Z");
        }
        answer(d, "ces", "1-7", false, new BigDecimal(7), "2026-03-13T10:00:00Z");
        answer(d, "ces", "1-7", false, new BigDecimal(5), "2026-03-13T10:00:00Z");
        answer(d, "ces", "1-7", true, new BigDecimal(2), "2026-03-13T10:00:00Z");
        answer(d, "ces", "1-5", false, new BigDecimal(4), "2026-03-14T10:00:00Z");
        answer(d, "ces", "1-5", true, new BigDecimal(1), "2026-03-14T10:00:00Z");
        answer(d, "ces", "1-5", true, new BigDecimal(2), "2026-03-14T10:00:00Z");
        d.add(EventTypes.SURVEY_ANSWERED, UUID.randomUUID(), "2026-03-14T10:00:00Z", EventTypes.PROPERTY_KIND, "ces", EventTypes.PROPERTY_SCORE,
                new BigDecimal(7));
        d.add("review.posted", UUID.randomUUID(), "2026-03-14T10:00:00Z", EventTypes.PROPERTY_KIND, "nps", EventTypes.PROPERTY_SCALE, "0-10",
                EventTypes.PROPERTY_SCORE, new BigDecimal(9));
        return d;
    }

    static void answer(InMemoryKpiData d, String kind, String scale, boolean lowIsBetter, BigDecimal score, String at) {
        d.add(EventTypes.SURVEY_ANSWERED, UUID.randomUUID(), at, EventTypes.PROPERTY_KIND, kind, EventTypes.PROPERTY_SCALE, scale,
                EventTypes.PROPERTY_LOW_IS_BETTER, lowIsBetter, EventTypes.PROPERTY_SCORE, score);
    }

    static KpiModule.Value compute(String id, Period p) {
        return ALL.stream().filter(m -> m.definition().id().equals(id)).findFirst().orElseThrow().compute(p, shop());
    }

    static Map<String, String> inputs(KpiModule.Value v) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        v.inputs().forEach((k, x) -> out.put(k, x.stripTrailingZeros().toPlainString()));
        return out;
    }

    @Test
    void everyDefinitionIsInTheSurveysModuleAndHigherIsBetter() {
        assertThat(ALL).extracting(m -> m.definition().id()).containsExactly("nps", "csat", "ces_5", "ces_7");
        assertThat(ALL).allSatisfy(m -> {
            assertThat(m.definition().module()).isEqualTo("surveys");
            assertThat(m.definition().direction()).isEqualTo(KpiModule.Direction.HIGHER_IS_BETTER);
        });
        assertThat(new CustomerSatisfaction().definition().unit()).isEqualTo("percent");
    }

    @Test
    void netPromoterScore() {
        KpiModule.Value v = compute("nps", MARCH);
        assertThat(v.value()).isEqualByComparingTo("16.6667");
        assertThat(inputs(v)).containsExactly(Map.entry("promoters", "3"), Map.entry("passives", "1"), Map.entry("detractors", "2"),
                Map.entry("responses", "6"));
    }

    @Test
    void customerSatisfaction() {
        KpiModule.Value v = compute("csat", MARCH);
        assertThat(v.value()).isEqualByComparingTo("50");
        assertThat(inputs(v)).containsExactly(Map.entry("satisfied", "2"), Map.entry("responses", "4"));
    }

    @Test
    void customerEffortOnEachScaleWithTheEffortAnswersMirrored() {
        KpiModule.Value seven = compute("ces_7", MARCH);
        assertThat(seven.value()).isEqualByComparingTo("6");
        assertThat(inputs(seven)).containsExactly(Map.entry("responses", "3"), Map.entry("total", "18"), Map.entry("mirrored", "1"));
        KpiModule.Value five = compute("ces_5", MARCH);
        assertThat(five.value()).isEqualByComparingTo("4.3333");
        assertThat(inputs(five)).containsExactly(Map.entry("responses", "3"), Map.entry("total", "13"), Map.entry("mirrored", "2"));
    }

    @Test
    void aPeriodWithoutAnswersHasNoValue() {
        for (KpiModule m : ALL) {
            KpiModule.Value v = m.compute(APRIL, shop());
            assertThat(v.value()).as(m.definition().id()).isNull();
            assertThat(v.inputs().get("responses")).as(m.definition().id()).isEqualByComparingTo("0");
        }
    }
}
