package io.rapport.plugin.kpi.clv.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Fits on the CDNOW data reproduce the published maximum-likelihood estimates (shared/data/cdnow/README.md). */
class BgNbdCdnowTest {

    @Test
    void bgNbdFitMatchesFaderHardieLee2005() {
        List<Cdnow.Row> rows = Cdnow.summary();
        assertThat(rows).hasSize(2357);

        long start = System.nanoTime();
        BgNbd.Fit fit = BgNbd.fit(Cdnow.grouped(rows));
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("BG/NBD on %d customers: %s, LL %.4f, %d evaluations, %d ms%n",
                rows.size(), fit.params(), fit.logLikelihood(), fit.evaluations(), millis);

        BgNbd.Params p = fit.params();
        assertThat(threeSignificant(p.r())).isEqualTo(0.243);
        assertThat(threeSignificant(p.alpha())).isEqualTo(4.41);
        assertThat(threeSignificant(p.a())).isEqualTo(0.793);
        assertThat(threeSignificant(p.b())).isEqualTo(2.43);
        // the README's refit of these exact files, to its four decimals
        assertThat(p.r()).isCloseTo(0.2426, within(5e-5));
        assertThat(p.alpha()).isCloseTo(4.4135, within(5e-4));
        assertThat(p.a()).isCloseTo(0.7929, within(5e-5));
        assertThat(p.b()).isCloseTo(2.4258, within(5e-4));
        assertThat(fit.logLikelihood()).isCloseTo(-9582.43, within(0.01));
    }

    @Test
    void gammaGammaFitMatchesFaderHardie2013() {
        List<Cdnow.Row> repeaters = new ArrayList<>();
        for (Cdnow.Row row : Cdnow.summaryWithSpend()) {
            if (row.x() > 0) {
                repeaters.add(row);
            }
        }
        assertThat(repeaters).hasSize(946);

        GammaGamma.Fit fit = GammaGamma.fit(repeaters.stream().mapToInt(Cdnow.Row::x).toArray(),
                repeaters.stream().mapToDouble(Cdnow.Row::meanSpend).toArray(), null);
        System.out.printf("Gamma-Gamma on %d customers: %s, LL %.4f, %d evaluations%n",
                repeaters.size(), fit.params(), fit.logLikelihood(), fit.evaluations());

        GammaGamma.Params p = fit.params();
        assertThat(threeSignificant(p.p())).isEqualTo(6.25);
        assertThat(threeSignificant(p.q())).isEqualTo(3.74);
        assertThat(threeSignificant(p.gamma())).isEqualTo(15.4);
        assertThat(p.gamma()).isCloseTo(15.44, within(0.01));
    }

    static double threeSignificant(double v) {
        return new BigDecimal(v).round(new MathContext(3)).doubleValue();
    }
}
