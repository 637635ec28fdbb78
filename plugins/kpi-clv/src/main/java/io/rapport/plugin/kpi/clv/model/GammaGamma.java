package io.rapport.plugin.kpi.clv.model;

import java.util.Arrays;
import java.util.List;

import org.apache.commons.math3.special.Gamma;

/**
 * The Gamma-Gamma model of spend per purchase (Fader &amp; Hardie 2013, "The Gamma-Gamma Model of Monetary
 * Value"; Fader, Hardie &amp; Lee 2005, <i>JMR</i> 42(4)): a customer's purchase amounts are Gamma(p, ν), with
 * ν ~ Gamma(q, γ) across customers, independent of how often she buys. Only customers with at least one repeat
 * purchase (x &gt; 0) inform it; the mean spend is that of the repeat purchases.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class GammaGamma {

    /**
     * The model's parameters, all finite and &gt; 0; the population mean spend pγ/(q-1) exists when q &gt; 1.
     *
     * @param p     shape of the spend per purchase
     * @param q     shape of the heterogeneity of ν across customers
     * @param gamma scale of the heterogeneity of ν across customers, in currency units
     */
    public record Params(double p, double q, double gamma) {
        public Params {
            for (double v : new double[] {p, q, gamma}) {
                if (!(v > 0) || Double.isInfinite(v)) {
                    throw new IllegalArgumentException("Gamma-Gamma parameters must be finite and > 0: " + p + ", " + q + ", " + gamma);
                }
            }
        }
    }

    /**
     * A maximum-likelihood fit.
     *
     * @param model         the fitted model
     * @param logLikelihood the maximised log-likelihood of the customers with x &gt; 0 (rows times their counts)
     * @param evaluations   how many times the likelihood was evaluated
     */
    public record Fit(GammaGamma model, double logLikelihood, int evaluations) {
        public Params params() {
            return model.params();
        }
    }

    private final Params params;

    public GammaGamma(Params params) {
        this.params = params;
    }

    public Params params() {
        return params;
    }

    /**
     * Fits the model by maximum likelihood (Nelder–Mead over the log-parameters). Rows with x = 0 are skipped.
     *
     * @param x         repeat purchases per row
     * @param meanSpend mean repeat-purchase amount per row, &gt; 0 where x &gt; 0
     * @param count     how many customers each row stands for (&gt;= 1), or null for one each
     * @throws IllegalArgumentException if no row has x &gt; 0, or a row with x &gt; 0 has a mean spend &lt;= 0
     */
    public static Fit fit(int[] x, double[] meanSpend, long[] count) {
        Likelihood likelihood = new Likelihood(x, meanSpend, count);
        double[] start = {0, Math.log(2), Math.log(likelihood.meanSpend())};
        Mle.Result result = Mle.maximize(v -> likelihood.value(Math.exp(v[0]), Math.exp(v[1]), Math.exp(v[2])),
                start, new double[] {0, 0, 0});
        double[] v = result.logParams();
        Params params = new Params(Math.exp(v[0]), Math.exp(v[1]), Math.exp(v[2]));
        return new Fit(new GammaGamma(params), likelihood.value(params.p, params.q, params.gamma), result.evaluations());
    }

    /** Fits on the customers of these summaries that have x &gt; 0. */
    public static Fit fit(List<CustomerSummary> customers) {
        int[] x = customers.stream().mapToInt(CustomerSummary::x).toArray();
        double[] spend = customers.stream().mapToDouble(CustomerSummary::meanSpend).toArray();
        return fit(x, spend, null);
    }

    /**
     * The log-likelihood of one customer with x &gt; 0 repeat purchases of mean amount m (Fader &amp; Hardie 2013):
     * ln Γ(px+q) - ln Γ(px) - ln Γ(q) + q ln γ + (px-1) ln(x·m) + ln x - (px+q) ln(γ + x·m).
     */
    public double logLikelihood(int x, double meanSpend) {
        if (x <= 0 || !(meanSpend > 0)) {
            throw new IllegalArgumentException("needs x > 0 and a mean spend > 0, got x=" + x + ", m=" + meanSpend);
        }
        double p = params.p;
        double q = params.q;
        double total = x * meanSpend;
        return Gamma.logGamma(p * x + q) - Gamma.logGamma(p * x) - Gamma.logGamma(q) + q * Math.log(params.gamma)
                + (p * x - 1) * Math.log(total) + Math.log(x) - (p * x + q) * Math.log(params.gamma + total);
    }

    /**
     * E[M | x, m]: the expected spend per purchase of a customer with x repeat purchases of mean amount m,
     * p(γ + x·m)/(px + q - 1), a weighted mean of the population mean pγ/(q-1) and m. With x = 0 it is the
     * population mean; it is +∞ when px + q &lt;= 1 (no finite mean).
     */
    public double expectedAverageSpend(int x, double meanSpend) {
        if (x < 0) {
            throw new IllegalArgumentException("x must be >= 0, got " + x);
        }
        double denominator = params.p * x + params.q - 1;
        if (denominator <= 0) {
            return Double.POSITIVE_INFINITY;
        }
        double total = x == 0 ? 0 : x * meanSpend;
        return params.p * (params.gamma + total) / denominator;
    }

    /**
     * The sample log-likelihood, with the terms that depend only on x summed once per distinct x: only
     * ln(γ + x·m) needs a pass over the rows.
     */
    static final class Likelihood {
        private final int[] distinctX;
        private final double[] countOfX;
        private final double[] sumLnTotalOfX;
        private final double[] total;
        private final double[] weight;
        private final int[] xIndex;
        private final double meanSpend;

        Likelihood(int[] x, double[] meanSpend, long[] count) {
            if (x.length != meanSpend.length || (count != null && count.length != x.length)) {
                throw new IllegalArgumentException("x, meanSpend and count differ in length");
            }
            int n = 0;
            for (int i = 0; i < x.length; i++) {
                if (x[i] > 0) {
                    if (!(meanSpend[i] > 0) || Double.isInfinite(meanSpend[i])) {
                        throw new IllegalArgumentException("row " + i + ": x=" + x[i] + " needs a finite mean spend > 0, got " + meanSpend[i]);
                    }
                    if (count != null && count[i] < 1) {
                        throw new IllegalArgumentException("row " + i + ": count must be >= 1, got " + count[i]);
                    }
                    n++;
                }
            }
            if (n == 0) {
                throw new IllegalArgumentException("no customer with a repeat purchase (x > 0) to fit");
            }
            distinctX = Arrays.stream(x).filter(v -> v > 0).distinct().sorted().toArray();
            countOfX = new double[distinctX.length];
            sumLnTotalOfX = new double[distinctX.length];
            total = new double[n];
            weight = new double[n];
            xIndex = new int[n];
            double spend = 0;
            double customers = 0;
            for (int i = 0, j = 0; i < x.length; i++) {
                if (x[i] > 0) {
                    double w = count == null ? 1 : count[i];
                    int k = Arrays.binarySearch(distinctX, x[i]);
                    total[j] = x[i] * meanSpend[i];
                    weight[j] = w;
                    xIndex[j] = k;
                    countOfX[k] += w;
                    sumLnTotalOfX[k] += w * Math.log(total[j]);
                    spend += w * meanSpend[i];
                    customers += w;
                    j++;
                }
            }
            this.meanSpend = spend / customers;
        }

        double meanSpend() {
            return meanSpend;
        }

        double value(double p, double q, double gamma) {
            double common = -Gamma.logGamma(q) + q * Math.log(gamma);
            double sum = 0;
            double[] shape = new double[distinctX.length];
            for (int k = 0; k < distinctX.length; k++) {
                int x = distinctX[k];
                shape[k] = p * x + q;
                sum += countOfX[k] * (Gamma.logGamma(p * x + q) - Gamma.logGamma(p * x) + common + Math.log(x))
                        + (p * x - 1) * sumLnTotalOfX[k];
            }
            for (int j = 0; j < total.length; j++) {
                sum -= weight[j] * shape[xIndex[j]] * Math.log(gamma + total[j]);
            }
            return sum;
        }
    }
}
