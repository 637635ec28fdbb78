package io.rapport.plugin.kpi.clv.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ClvTest {

    private final BgNbd purchases = new BgNbd(BgNbdTest.CDNOW);
    private final GammaGamma spend = new GammaGamma(GammaGammaTest.CDNOW);

    @Test
    void undiscountedValueIsSpendTimesExpectedPurchases() {
        // without discount the monthly increments telescope to E[X(12 months)]
        Clv.Horizon year = new Clv.Horizon(12, 0, Summary.TimeUnit.WEEKS.perMonth());
        double expected = spend.expectedAverageSpend(2, 22.35) * purchases.expectedPurchases(12 * 4.345, 2, 30.43, 38.86);
        assertThat(Clv.predictive(purchases, spend, 2, 30.43, 38.86, 22.35, year)).isCloseTo(expected, within(1e-9 * expected));
    }

    @Test
    void discountingFollowsLifetimes() {
        // Σ_i (E[X(i u)] - E[X((i-1) u)]) / (1+d)^i, written out for three months
        Clv.Horizon horizon = new Clv.Horizon(3, 0.01, 4.345);
        double e1 = purchases.expectedPurchases(4.345, 1, 1.71, 38.86);
        double e2 = purchases.expectedPurchases(2 * 4.345, 1, 1.71, 38.86);
        double e3 = purchases.expectedPurchases(3 * 4.345, 1, 1.71, 38.86);
        double byHand = spend.expectedAverageSpend(1, 11.77) * (e1 / 1.01 + (e2 - e1) / (1.01 * 1.01) + (e3 - e2) / Math.pow(1.01, 3));
        assertThat(Clv.predictive(purchases, spend, 1, 1.71, 38.86, 11.77, horizon)).isCloseTo(byHand, within(1e-12));
        assertThat(Clv.predictive(purchases, spend, 1, 1.71, 38.86, 11.77, new Clv.Horizon(0, 0.01, 4.345))).isZero();
    }

    @Test
    void batchMatchesOneByOne() {
        int[] x = {2, 0, 2, 1};
        double[] tx = {30.43, 0, 30.43, 1.71};
        double[] T = {38.86, 38.86, 38.86, 38.86};
        double[] mean = {22.35, 0, 30, 11.77};
        Grouped rows = Grouped.of(x, tx, T);
        Clv.Horizon horizon = new Clv.Horizon(12, 0.01, 4.345);
        double[] batch = Clv.predictive(purchases, spend, rows, mean, horizon);
        for (int i = 0; i < x.length; i++) {
            assertThat(batch[i]).isCloseTo(Clv.predictive(purchases, spend, x[i], tx[i], T[i], mean[i], horizon), within(1e-12));
        }
    }

    @Test
    void historicalMeasures() {
        assertThat(Clv.revenueToDate(10, 20.5, 30)).isEqualTo(60.5);
        assertThat(Clv.averageOrderValue(60.5, 3)).isCloseTo(20.1667, within(1e-4));
        assertThat(Clv.averageOrderValue(0, 0)).isZero();
        // 20 per order, 2 orders a month, 36 months
        assertThat(Clv.historical(20, 2, 36)).isEqualTo(1440);
    }
}
