package io.rapport.plugin.kpi.clv.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.apache.commons.math3.special.Gamma;
import org.junit.jupiter.api.Test;

class GammaGammaTest {

    static final GammaGamma.Params CDNOW = new GammaGamma.Params(6.25, 3.74, 15.44);
    private final GammaGamma model = new GammaGamma(CDNOW);

    @Test
    void likelihoodOfOneCustomerByHand() {
        // x = 1: the spend m is Gamma(p, ν) with ν ~ Gamma(q, γ), so its density is
        // Γ(p+q)/(Γ(p)Γ(q)) · γ^q m^(p-1) / (γ+m)^(p+q)
        double p = 6.25, q = 3.74, gamma = 15.44, m = 22.35;
        double byHand = Gamma.gamma(p + q) / (Gamma.gamma(p) * Gamma.gamma(q)) * Math.pow(gamma, q) * Math.pow(m, p - 1) / Math.pow(gamma + m, p + q);
        assertThat(model.logLikelihood(1, m)).isCloseTo(Math.log(byHand), within(1e-12));
        // x = 3: the total z = 3m is Gamma(3p, ν); the density of the mean is 3 times that of the total at 3m
        double total = 3 * m;
        double ofTotal = Gamma.gamma(3 * p + q) / (Gamma.gamma(3 * p) * Gamma.gamma(q)) * Math.pow(gamma, q) * Math.pow(total, 3 * p - 1)
                / Math.pow(gamma + total, 3 * p + q);
        assertThat(model.logLikelihood(3, m)).isCloseTo(Math.log(3 * ofTotal), within(1e-11));
    }

    @Test
    void expectedSpendShrinksTowardsThePopulationMean() {
        double population = 6.25 * 15.44 / (3.74 - 1);
        assertThat(model.expectedAverageSpend(0, 0)).isCloseTo(population, within(1e-12));
        // x = 2, m = 22.35: p(γ + x m)/(px + q - 1)
        double byHand = 6.25 * (15.44 + 2 * 22.35) / (6.25 * 2 + 3.74 - 1);
        assertThat(model.expectedAverageSpend(2, 22.35)).isCloseTo(byHand, within(1e-12));
        assertThat(model.expectedAverageSpend(200, 22.35)).isCloseTo(22.35, within(0.1));
        assertThat(new GammaGamma(new GammaGamma.Params(1, 0.5, 1)).expectedAverageSpend(0, 0)).isInfinite();
    }

    @Test
    void duplicatedRowsFitLikeCounts() {
        int[] x = {1, 2, 3, 1, 5, 2, 4, 1};
        double[] m = {10, 12.5, 30, 8, 22, 15, 18, 40};
        long[] count = {3, 1, 2, 5, 1, 4, 2, 1};
        int n = 0;
        for (long c : count) {
            n += (int) c;
        }
        int[] xs = new int[n];
        double[] ms = new double[n];
        for (int i = 0, j = 0; i < x.length; i++) {
            for (int k = 0; k < count[i]; k++, j++) {
                xs[j] = x[i];
                ms[j] = m[i];
            }
        }
        GammaGamma.Fit weighted = GammaGamma.fit(x, m, count);
        GammaGamma.Fit expanded = GammaGamma.fit(xs, ms, null);
        assertThat(weighted.logLikelihood()).isCloseTo(expanded.logLikelihood(), within(1e-6));
    }

    @Test
    void refusesWhatItCannotFit() {
        assertThatThrownBy(() -> GammaGamma.fit(new int[] {0, 0}, new double[] {0, 0}, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GammaGamma.fit(new int[] {1}, new double[] {0}, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> model.logLikelihood(0, 10)).isInstanceOf(IllegalArgumentException.class);
    }
}
