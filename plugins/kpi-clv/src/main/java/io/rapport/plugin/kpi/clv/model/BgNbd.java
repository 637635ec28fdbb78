package io.rapport.plugin.kpi.clv.model;

import java.util.Arrays;
import java.util.stream.DoubleStream;
import java.util.stream.IntStream;

import org.apache.commons.math3.special.Gamma;

/**
 * The BG/NBD model of repeat purchases (Fader, Hardie &amp; Lee 2005, "Counting Your Customers the Easy Way",
 * <i>Marketing Science</i> 24(2)): while alive, a customer buys as a Poisson process of rate λ ~ Gamma(r, α);
 * after each purchase she drops out with probability p ~ Beta(a, b).
 *
 * <p>Times (t, t_x, T) are in whatever unit the data were summarised in; α is in the same unit. Instances are
 * immutable and thread-safe.
 */
public final class BgNbd {

    /**
     * The model's parameters, all finite and &gt; 0.
     *
     * @param r     shape of the purchase-rate distribution
     * @param alpha rate (scale) of the purchase-rate distribution, in the data's time unit
     * @param a     first shape of the drop-out distribution
     * @param b     second shape of the drop-out distribution
     */
    public record Params(double r, double alpha, double a, double b) {
        public Params {
            for (double v : new double[] {r, alpha, a, b}) {
                if (!(v > 0) || Double.isInfinite(v)) {
                    throw new IllegalArgumentException("BG/NBD parameters must be finite and > 0: " + r + ", " + alpha + ", " + a + ", " + b);
                }
            }
        }
    }

    /**
     * A maximum-likelihood fit.
     *
     * @param model         the fitted model
     * @param logLikelihood the maximised log-likelihood of the whole sample (rows times their counts)
     * @param evaluations   how many times the likelihood was evaluated
     */
    public record Fit(BgNbd model, double logLikelihood, int evaluations) {
        public Params params() {
            return model.params();
        }
    }

    /** Below this distance from 1, a is moved to 1 + this in {@link #expectedPurchases}: eq. 10 is 0/0 at a = 1. */
    static final double A_NEAR_ONE = 1e-6;

    private final Params params;

    public BgNbd(Params params) {
        this.params = params;
    }

    public Params params() {
        return params;
    }

    /**
     * Fits the model by maximum likelihood: Nelder–Mead over the log-parameters, from two starting points (one
     * scaled to the data's time unit), restarted until it stops improving. The cost of one likelihood evaluation
     * grows with the number of distinct rows, not of customers.
     *
     * @throws IllegalArgumentException if there are no rows
     * @throws ArithmeticException      if no finite likelihood was found
     */
    public static Fit fit(Grouped rows) {
        if (rows.size() == 0) {
            throw new IllegalArgumentException("no customers to fit");
        }
        Likelihood likelihood = new Likelihood(rows);
        double weightedT = 0;
        double weightedX = 0;
        for (int i = 0; i < rows.size(); i++) {
            weightedT += rows.count(i) * rows.T(i);
            weightedX += rows.count(i) * rows.x(i);
        }
        // with r = 1, the mean purchase rate 1/alpha matches x / T on average
        double alpha0 = weightedT > 0 && weightedX > 0 ? weightedT / weightedX : 1;
        Mle.Result result = Mle.maximize(p -> likelihood.value(Math.exp(p[0]), Math.exp(p[1]), Math.exp(p[2]), Math.exp(p[3])),
                new double[] {0, Math.log(alpha0), 0, 0}, new double[] {0, 0, 0, 0});
        double[] p = result.logParams();
        Params params = new Params(Math.exp(p[0]), Math.exp(p[1]), Math.exp(p[2]), Math.exp(p[3]));
        return new Fit(new BgNbd(params), likelihood.value(params.r, params.alpha, params.a, params.b), result.evaluations());
    }

    /** The log-likelihood of the sample: the sum over rows of count times {@link #logLikelihood(int, double, double)}. */
    public double logLikelihood(Grouped rows) {
        return new Likelihood(rows).value(params.r, params.alpha, params.a, params.b);
    }

    /**
     * The log-likelihood of one customer (FHL 2005, eq. 6), in logs throughout:
     * ln L = ln[Γ(r+x) α^r / Γ(r)] + ln[B(a, b+x) / B(a, b)]
     *        + ln[(α+T)^-(r+x) + 1{x&gt;0} · a/(b+x-1) · (α+t_x)^-(r+x)].
     */
    public double logLikelihood(int x, double tx, double T) {
        double r = params.r;
        double alpha = params.alpha;
        double a = params.a;
        double b = params.b;
        double base = Gamma.logGamma(r + x) - Gamma.logGamma(r) + r * Math.log(alpha)
                + Gamma.logGamma(a + b) + Gamma.logGamma(b + x) - Gamma.logGamma(b) - Gamma.logGamma(a + b + x);
        double alive = -(r + x) * Math.log(alpha + T);
        if (x == 0) {
            return base + alive;
        }
        double dropped = Math.log(a / (b + x - 1)) - (r + x) * Math.log(alpha + tx);
        return base + logAddExp(alive, dropped);
    }

    /**
     * P(alive | x, t_x, T): the probability that the customer has not dropped out by T
     * 1 / [1 + 1{x&gt;0} · a/(b+x-1) · ((α+T)/(α+t_x))^(r+x)] (Fader, Hardie &amp; Lee, "Computing P(alive) using
     * the BG/NBD model", brucehardie.com note 021). It is 1 when x = 0: in this model a customer can only drop out
     * right after a repeat purchase.
     */
    public double probabilityAlive(int x, double tx, double T) {
        if (x == 0) {
            return 1;
        }
        double lnOdds = Math.log(params.a / (params.b + x - 1)) + (params.r + x) * (Math.log(params.alpha + T) - Math.log(params.alpha + tx));
        return 1 / (1 + Math.exp(lnOdds));
    }

    /**
     * E[X(T, T+t] | x, t_x, T]: the expected number of purchases in the next t time units of a customer with this
     * history (FHL 2005, eq. 10):
     * (a+b+x-1)/(a-1) · [1 - ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x-1; t/(α+T+t))] · P(alive).
     *
     * <p>Evaluated in Euler's transformed form, 1 - (1+s)^(1-a) · 2F1(a+b-1-r, a-1; a+b+x-1; s/(1+s)) with
     * s = t/(α+T), which avoids a vanishing power times a huge series when x is large; for |a-1| &lt; 1e-6, a is
     * taken as 1 + 1e-6.
     *
     * @param t horizon, &gt;= 0, in the data's time unit
     */
    public double expectedPurchases(double t, int x, double tx, double T) {
        if (!(t >= 0)) {
            throw new IllegalArgumentException("t must be >= 0, got " + t);
        }
        if (t == 0) {
            return 0;
        }
        return expectedPurchasesIfAlive(t, x, T) * probabilityAlive(x, tx, T);
    }

    /**
     * E[X(t)]: the expected number of repeat purchases in the first t time units of a customer just acquired
     * (FHL 2005, eq. 9): (a+b-1)/(a-1) · [1 - (α/(α+t))^r · 2F1(r, b; a+b-1; t/(α+t))].
     */
    public double expectedPurchasesNewCustomer(double t) {
        return expectedPurchases(t, 0, 0, 0);
    }

    private double expectedPurchasesIfAlive(double t, int x, double T) {
        double r = params.r;
        double b = params.b;
        double a = Math.abs(params.a - 1) < A_NEAR_ONE ? 1 + A_NEAR_ONE : params.a;
        double s = t / (params.alpha + T);
        double z = s / (1 + s);
        double f = Hypergeometric.f21(a + b - 1 - r, a - 1, a + b + x - 1, z);
        double h = Math.exp((1 - a) * Math.log1p(s)) * f;
        return (a + b + x - 1) / (a - 1) * (1 - h);
    }

    static double logAddExp(double u, double v) {
        double max = Math.max(u, v);
        return max + Math.log1p(Math.exp(Math.min(u, v) - max));
    }

    /**
     * The sample log-likelihood over distinct rows. Terms that depend only on x are computed once per distinct x,
     * and ln(α+T), ln(α+t_x) once per distinct time: a pass over the rows is then arithmetic plus one exp and one
     * log1p for rows with x &gt; 0.
     */
    static final class Likelihood {
        private final Grouped rows;
        private final int[] distinctX;
        private final long[] countOfX;
        private final int[] xIndex;
        private final double[] distinctTimes;
        private final int[] tIndex;
        private final int[] txIndex;

        Likelihood(Grouped rows) {
            this.rows = rows;
            int n = rows.size();
            distinctX = IntStream.range(0, n).map(rows::x).distinct().sorted().toArray();
            distinctTimes = DoubleStream.concat(IntStream.range(0, n).mapToDouble(rows::T), IntStream.range(0, n).mapToDouble(rows::tx))
                    .distinct().sorted().toArray();
            countOfX = new long[distinctX.length];
            xIndex = new int[n];
            tIndex = new int[n];
            txIndex = new int[n];
            for (int i = 0; i < n; i++) {
                xIndex[i] = Arrays.binarySearch(distinctX, rows.x(i));
                countOfX[xIndex[i]] += rows.count(i);
                tIndex[i] = Arrays.binarySearch(distinctTimes, rows.T(i));
                txIndex[i] = Arrays.binarySearch(distinctTimes, rows.tx(i));
            }
        }

        double value(double r, double alpha, double a, double b) {
            double common = Gamma.logGamma(r) - r * Math.log(alpha) - Gamma.logGamma(a + b) + Gamma.logGamma(b);
            double lnA = Math.log(a);
            double[] lnDropOdds = new double[distinctX.length];
            double sum = 0;
            for (int k = 0; k < distinctX.length; k++) {
                int x = distinctX[k];
                sum += countOfX[k] * (Gamma.logGamma(r + x) + Gamma.logGamma(b + x) - Gamma.logGamma(a + b + x) - common);
                lnDropOdds[k] = x == 0 ? 0 : lnA - Math.log(b + x - 1);
            }
            double[] lnAlphaPlus = new double[distinctTimes.length];
            for (int k = 0; k < distinctTimes.length; k++) {
                lnAlphaPlus[k] = Math.log(alpha + distinctTimes[k]);
            }
            for (int i = 0; i < rows.size(); i++) {
                int x = rows.x(i);
                double alive = -(r + x) * lnAlphaPlus[tIndex[i]];
                double row = x == 0 ? alive : logAddExp(alive, lnDropOdds[xIndex[i]] - (r + x) * lnAlphaPlus[txIndex[i]]);
                sum += rows.count(i) * row;
            }
            return sum;
        }
    }
}
