package io.rapport.plugin.kpi.clv.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.commons.math3.random.RandomDataGenerator;
import org.apache.commons.math3.random.Well19937c;
import org.junit.jupiter.api.Test;

/**
 * The KPI batch for 1,000,000 simulated customers: grouping, the BG/NBD and Gamma-Gamma fits, and per-customer
 * predictions (P(alive), purchases in the next 30 days, 12-month CLV). Not part of the normal build (the name does
 * not end in Test); run it with
 * {@code mvn -B -ntp -o test -pl plugins/kpi-clv -Dtest=ClvBatchBench -Dsurefire.failIfNoSpecifiedTests=false}.
 *
 * <p>Customers are drawn from the model itself, in days: acquired uniformly over a year, calibration ending at the
 * year's end, the CDNOW parameters (α in days), purchase days counted once.
 */
class ClvBatchBench {

    static final int CUSTOMERS = Integer.getInteger("clv.bench.customers", 1_000_000);
    static final int YEAR = 365;
    static final BgNbd.Params TRUTH = new BgNbd.Params(0.243, 4.414 * 7, 0.793, 2.426);
    static final GammaGamma.Params SPEND = new GammaGamma.Params(6.25, 3.74, 15.44);

    @Test
    void batchOfAMillionCustomers() {
        int[] x = new int[CUSTOMERS];
        double[] tx = new double[CUSTOMERS];
        double[] T = new double[CUSTOMERS];
        double[] meanSpend = new double[CUSTOMERS];
        simulate(x, tx, T, meanSpend);

        long start = System.nanoTime();
        Grouped rows = Grouped.of(x, tx, T);
        long grouped = System.nanoTime();
        BgNbd.Fit purchases = BgNbd.fit(rows);
        long fittedBgNbd = System.nanoTime();
        GammaGamma.Fit spend = GammaGamma.fit(x, meanSpend, null);
        long fittedSpend = System.nanoTime();

        BgNbd model = purchases.model();
        double[] aliveOfRow = new double[rows.size()];
        double[] next30OfRow = new double[rows.size()];
        for (int row = 0; row < rows.size(); row++) {
            aliveOfRow[row] = model.probabilityAlive(rows.x(row), rows.tx(row), rows.T(row));
            next30OfRow[row] = model.expectedPurchases(30, rows.x(row), rows.tx(row), rows.T(row));
        }
        double[] clv = Clv.predictive(model, spend.model(), rows, meanSpend, new Clv.Horizon(12, 0.01, Summary.TimeUnit.DAYS.perMonth()));
        double alive = 0;
        double next30 = 0;
        double totalClv = 0;
        for (int i = 0; i < CUSTOMERS; i++) {
            alive += aliveOfRow[rows.rowOf(i)];
            next30 += next30OfRow[rows.rowOf(i)];
            totalClv += clv[i];
        }
        long predicted = System.nanoTime();

        System.out.printf("%,d customers, %,d distinct rows (%,d distinct x)%n", CUSTOMERS, rows.size(), java.util.Arrays.stream(x).distinct().count());
        System.out.printf("group %,d ms; BG/NBD fit %,d ms (%d evaluations) %s LL %.2f; Gamma-Gamma fit %,d ms (%d evaluations) %s%n",
                ms(grouped - start), ms(fittedBgNbd - grouped), purchases.evaluations(), purchases.params(), purchases.logLikelihood(),
                ms(fittedSpend - fittedBgNbd), spend.evaluations(), spend.params());
        System.out.printf("predictions %,d ms: mean P(alive) %.4f, purchases in 30 days %.4f, 12-month CLV %.2f%n",
                ms(predicted - fittedSpend), alive / CUSTOMERS, next30 / CUSTOMERS, totalClv / CUSTOMERS);
        System.out.printf("total %,d ms (target 120,000)%n", ms(predicted - start));

        assertThat(purchases.params().r()).isCloseTo(TRUTH.r(), org.assertj.core.api.Assertions.withinPercentage(10));
        assertThat(predicted - start).isLessThan(120_000_000_000L);
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }

    /** Draws each customer's history from BG/NBD and her repeat spend from Gamma-Gamma, in whole days. */
    static void simulate(int[] x, double[] tx, double[] T, double[] meanSpend) {
        RandomDataGenerator random = new RandomDataGenerator(new Well19937c(20250101L));
        for (int i = 0; i < x.length; i++) {
            int age = random.nextInt(0, YEAR - 1);
            double lambda = random.nextGamma(TRUTH.r(), 1 / TRUTH.alpha());
            double p = random.nextBeta(TRUTH.a(), TRUTH.b());
            double nu = random.nextGamma(SPEND.q(), 1 / SPEND.gamma());
            int purchases = 0;
            int lastDay = 0;
            double spend = 0;
            double t = 0;
            while (true) {
                t += random.nextExponential(1 / lambda);
                int day = (int) Math.floor(t);
                if (day > age) {
                    break;
                }
                if (day > lastDay) {
                    purchases++;
                    lastDay = day;
                    spend += random.nextGamma(SPEND.p(), 1 / nu);
                }
                if (random.nextUniform(0, 1) < p) {
                    break;
                }
            }
            x[i] = purchases;
            tx[i] = lastDay;
            T[i] = age;
            meanSpend[i] = purchases == 0 ? 0 : spend / purchases;
        }
    }
}
