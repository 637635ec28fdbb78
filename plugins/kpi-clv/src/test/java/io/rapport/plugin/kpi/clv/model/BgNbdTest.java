package io.rapport.plugin.kpi.clv.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.function.DoubleUnaryOperator;

import org.apache.commons.math3.special.Beta;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Worked examples by hand, and the predictions against an independent numerical integration. */
class BgNbdTest {

    /** The published CDNOW estimates (FHL 2005), in weeks. */
    static final BgNbd.Params CDNOW = new BgNbd.Params(0.243, 4.414, 0.793, 2.426);
    private final BgNbd model = new BgNbd(CDNOW);

    @Test
    void likelihoodOfOneCustomerWithTwoRepeatPurchases() {
        // x = 2: Γ(r+2)/Γ(r) = r(r+1); B(a, b+2)/B(a, b) = b(b+1)/((a+b)(a+b+1)); B(a+1, b+1)/B(a, b) = ab/((a+b)(a+b+1))
        double r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, tx = 30.43, T = 38.86;
        double beta = (a + b) * (a + b + 1);
        double byHand = r * (r + 1) * Math.pow(alpha, r)
                * (b * (b + 1) / beta * Math.pow(alpha + T, -(r + 2)) + a * b / beta * Math.pow(alpha + tx, -(r + 2)));
        assertThat(model.logLikelihood(2, tx, T)).isCloseTo(Math.log(byHand), within(1e-12));
    }

    @Test
    void likelihoodOfOneCustomerWithoutRepeatPurchase() {
        // x = 0: L = (α/(α+T))^r, the chance of no purchase in T while alive (nobody drops out before buying again)
        double T = 38.86;
        assertThat(model.logLikelihood(0, 0, T)).isCloseTo(0.243 * Math.log(4.414 / (4.414 + T)), within(1e-13));
    }

    @Test
    void likelihoodStaysFiniteForManyPurchases() {
        // a density of purchase times: with 5,000 purchases in 30 weeks it is far above 1, and must stay finite
        assertThat(model.logLikelihood(5_000, 30, 38.86)).isFinite();
        assertThat(model.logLikelihood(100_000, 38, 38.86)).isFinite();
        assertThat(model.probabilityAlive(5_000, 38.86, 38.86)).isCloseTo(1 / (1 + 0.793 / (2.426 + 4_999)), within(1e-14));
        assertThat(model.expectedPurchases(52, 5_000, 38.86, 38.86)).isFinite().isPositive();
    }

    @Test
    void probabilityAlive() {
        // x = 0: a customer can only drop out right after a repeat purchase
        assertThat(model.probabilityAlive(0, 0, 38.86)).isEqualTo(1);
        assertThat(model.probabilityAlive(0, 0, 1e6)).isEqualTo(1);
        // x = 2, by hand: 1 / (1 + a/(b+1) · ((α+T)/(α+t_x))^(r+2))
        double byHand = 1 / (1 + 0.793 / 3.426 * Math.pow((4.414 + 38.86) / (4.414 + 30.43), 2.243));
        assertThat(model.probabilityAlive(2, 30.43, 38.86)).isCloseTo(byHand, within(1e-14));
        // a purchase at T means alive for sure only in the limit; the longer the silence, the lower
        assertThat(model.probabilityAlive(2, 38.86, 38.86)).isGreaterThan(model.probabilityAlive(2, 30.43, 38.86));
    }

    @ParameterizedTest
    @CsvSource({"0.5", "3", "39", "520", "1e5"})
    void expectedPurchasesOfANewCustomerInClosedForm(double t) {
        // r = 1, a = 2, b = 1: E[X(t)] = 2 ∫ pt/(α+pt) dp over p in (0,1) = 2[1 - (α/t) ln(1 + t/α)]
        double alpha = 3;
        BgNbd simple = new BgNbd(new BgNbd.Params(1, alpha, 2, 1));
        double closed = 2 * (1 - alpha / t * Math.log1p(t / alpha));
        assertThat(simple.expectedPurchasesNewCustomer(t)).isCloseTo(closed, within(1e-11 * closed));
    }

    @Test
    void expectedPurchasesOfANewCustomerIsEquationNine() {
        // eq. 9 as printed, with 2F1 in its original arguments
        double r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, t = 39;
        double eq9 = (a + b - 1) / (a - 1) * (1 - Math.pow(alpha / (alpha + t), r) * Hypergeometric.f21(r, b, a + b - 1, t / (alpha + t)));
        assertThat(model.expectedPurchasesNewCustomer(t)).isCloseTo(eq9, within(1e-12));
        assertThat(model.expectedPurchasesNewCustomer(0)).isZero();
    }

    @ParameterizedTest
    @CsvSource({"39, 2, 30.43, 38.86", "39, 0, 0, 38.86", "1, 1, 1.71, 38.86", "52, 7, 29.43, 35.0", "4000, 3, 20, 38.86",
            "10, 40, 30, 31", "39, 1, 0, 0.1"})
    void expectedPurchasesAgreeWithEquationTenAndWithIntegration(double t, int x, double tx, double T) {
        double r = CDNOW.r(), alpha = CDNOW.alpha(), a = CDNOW.a(), b = CDNOW.b();
        double alive = model.probabilityAlive(x, tx, T);
        // eq. 10 as printed
        double eq10 = (a + b + x - 1) / (a - 1)
                * (1 - Math.pow((alpha + T) / (alpha + T + t), r + x) * Hypergeometric.f21(r + x, b + x, a + b + x - 1, t / (alpha + T + t)))
                * alive;
        // independently: P(alive) · E[(1 - (1 + p·s)^-(r+x)) / p] over p ~ Beta(a, b+x), s = t/(α+T)
        double integral = alive * betaMean(a, b + x, p -> -Math.expm1(-(r + x) * Math.log1p(p * t / (alpha + T))) / p);
        double expected = model.expectedPurchases(t, x, tx, T);
        assertThat(expected).isCloseTo(eq10, within(1e-9 * eq10)).isCloseTo(integral, within(1e-7 * integral));
    }

    @Test
    void expectedPurchasesOfTheFirstCdnowCustomer() {
        // Fader, Hardie & Lee's worked example (x = 2, t_x = 30.43, T = 38.86): about 1.23 purchases in the next 39 weeks
        assertThat(model.expectedPurchases(39, 2, 30.43, 38.86)).isCloseTo(1.226, within(0.001));
    }

    @Test
    void expectedPurchasesAreContinuousThroughAEqualsOne() {
        double below = new BgNbd(new BgNbd.Params(0.5, 5, 1 - 1e-4, 2)).expectedPurchases(39, 3, 20, 30);
        double at = new BgNbd(new BgNbd.Params(0.5, 5, 1, 2)).expectedPurchases(39, 3, 20, 30);
        double above = new BgNbd(new BgNbd.Params(0.5, 5, 1 + 1e-4, 2)).expectedPurchases(39, 3, 20, 30);
        assertThat(at).isFinite().isCloseTo((below + above) / 2, within(1e-6 * at));
    }

    @Test
    void refusesImpossibleParametersAndHorizons() {
        assertThatThrownBy(() -> new BgNbd.Params(0, 1, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BgNbd.Params(1, Double.NaN, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> model.expectedPurchases(-1, 0, 0, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * E[g(p)] for p ~ Beta(a, b) by composite Simpson after p = v^(1/a), which removes the p^(a-1) singularity:
     * the density times dp becomes (1-p)^(b-1) dv / (a B(a, b)). Needs b &gt; 1 (the integrand is 0 at p = 1).
     */
    static double betaMean(double a, double b, DoubleUnaryOperator g) {
        int n = 200_000;
        double h = 1.0 / n;
        double sum = g.applyAsDouble(Double.MIN_NORMAL); // v = 0: the integrand's limit at p = 0
        for (int i = 1; i < n; i++) {
            double p = Math.pow(i * h, 1 / a);
            sum += (i % 2 == 1 ? 4 : 2) * g.applyAsDouble(p) * Math.pow(1 - p, b - 1);
        }
        return sum * h / 3 / a / Math.exp(Beta.logBeta(a, b));
    }
}
