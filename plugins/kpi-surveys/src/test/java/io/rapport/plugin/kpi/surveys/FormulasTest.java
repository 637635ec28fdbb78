package io.rapport.plugin.kpi.surveys;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Every formula with a worked example computed by hand, and its "no value" case. */
class FormulasTest {

    @Test
    void netPromoterScore() {
        // 5 promoters, 2 passives, 3 detractors of 10 answers: 50 % - 30 % = 20
        assertThat(Formulas.nps(5, 2, 3)).isEqualByComparingTo("20");
        // 1 promoter, 1 passive, 1 detractor: 33.33 % - 33.33 % = 0
        assertThat(Formulas.nps(1, 1, 1)).isEqualByComparingTo("0");
        // 1 promoter, 2 detractors of 3: (1 - 2) / 3 = -33.333…, 4 decimals
        assertThat(Formulas.nps(1, 0, 2)).isEqualByComparingTo("-33.3333");
        // everyone a promoter, everyone a detractor: the ends of the scale
        assertThat(Formulas.nps(4, 0, 0)).isEqualByComparingTo("100");
        assertThat(Formulas.nps(0, 0, 4)).isEqualByComparingTo("-100");
        // passives only: 0, a value
        assertThat(Formulas.nps(0, 3, 0)).isEqualByComparingTo("0");
        // no answers: no value, not 0
        assertThat(Formulas.nps(0, 0, 0)).isNull();
    }

    @Test
    void customerSatisfaction() {
        // 3 answers of 4 or 5 among 7: 42.857142… %
        assertThat(Formulas.csat(3, 7)).isEqualByComparingTo("42.8571");
        // 8 of 10: 80 %
        assertThat(Formulas.csat(8, 10)).isEqualByComparingTo("80");
        assertThat(Formulas.csat(0, 0)).isNull();
    }

    @Test
    void customerEffort() {
        // 7, 6, 6 and 2 on 1-7: 21 / 4 = 5.25
        assertThat(Formulas.ces(7 + 6 + 6 + 2, 4)).isEqualByComparingTo("5.25");
        // 4, 4 and 5 on 1-5: 13 / 3 = 4.333…
        assertThat(Formulas.ces(13, 3)).isEqualByComparingTo("4.3333");
        assertThat(Formulas.ces(0, 0)).isNull();
    }

    @Test
    void mirroringTurnsAScaleAround() {
        // on 1-7: 1 ↔ 7, 2 ↔ 6, 4 stays
        assertThat(Formulas.mirror(1, 7)).isEqualTo(7);
        assertThat(Formulas.mirror(2, 7)).isEqualTo(6);
        assertThat(Formulas.mirror(4, 7)).isEqualTo(4);
        // on 1-5: 1 ↔ 5, 2 ↔ 4
        assertThat(Formulas.mirror(2, 5)).isEqualTo(4);
        assertThat(Formulas.mirror(5, 5)).isEqualTo(1);
    }
}
