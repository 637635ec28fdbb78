package io.rapport.plugin.kpi.clv.model;

import org.apache.commons.math3.special.Gamma;

/**
 * The Gaussian hypergeometric function 2F1(a, b; c; z) for real arguments and z &lt; 1.
 *
 * <p>Regions: z in [0, 0.9] is summed as the power series; z &lt; 0 goes through Pfaff's transformation to
 * z/(z-1) in [0, 1); z in (0.9, 1) goes through the 1-z transformation (DLMF 15.8.4), whose two series converge
 * fast, unless c-a-b is within {@value #NEAR_INTEGER} of an integer (there the two terms cancel): then the
 * power series is summed to the end, which is exact but slower as z nears 1.
 */
final class Hypergeometric {

    static final double SERIES_LIMIT = 0.9;
    static final double NEAR_INTEGER = 1e-3;
    static final int MAX_TERMS = 10_000_000;
    private static final double EPS = 1e-16;

    private Hypergeometric() {
    }

    static double f21(double a, double b, double c, double z) {
        if (!(z < 1)) {
            throw new IllegalArgumentException("2F1 needs z < 1, got " + z);
        }
        if (z < 0) {
            // Pfaff: 2F1(a,b;c;z) = (1-z)^-a 2F1(a, c-b; c; z/(z-1))
            return Math.exp(-a * Math.log1p(-z)) * f21(a, c - b, c, z / (z - 1));
        }
        if (z <= SERIES_LIMIT) {
            return series(a, b, c, z);
        }
        double s = c - a - b;
        if (Math.abs(s - Math.rint(s)) < NEAR_INTEGER) {
            return series(a, b, c, z);
        }
        double w = 1 - z;
        double lnW = Math.log(w);
        double first = 0;
        if (!isPole(c - a) && !isPole(c - b)) {
            double lnG1 = lnAbsGamma(c) + lnAbsGamma(s) - lnAbsGamma(c - a) - lnAbsGamma(c - b);
            int sign = signGamma(c) * signGamma(s) * signGamma(c - a) * signGamma(c - b);
            first = sign * Math.exp(lnG1) * series(a, b, 1 - s, w);
        }
        double second = 0;
        if (!isPole(a) && !isPole(b)) {
            double lnG2 = lnAbsGamma(c) + lnAbsGamma(-s) - lnAbsGamma(a) - lnAbsGamma(b) + s * lnW;
            int sign = signGamma(c) * signGamma(-s) * signGamma(a) * signGamma(b);
            second = sign * Math.exp(lnG2) * series(c - a, c - b, 1 + s, w);
        }
        return first + second;
    }

    /**
     * The power series, summed until the rest, bounded as a geometric tail with ratio max(|ratio|, |z|), no longer
     * changes the sum.
     */
    static double series(double a, double b, double c, double z) {
        double sum = 1;
        double term = 1;
        double absZ = Math.abs(z);
        for (int n = 0; n < MAX_TERMS; n++) {
            double ratio = (a + n) * (b + n) / ((c + n) * (n + 1)) * z;
            term *= ratio;
            sum += term;
            if (term == 0) {
                return sum;
            }
            double q = Math.max(Math.abs(ratio), absZ);
            if (q < 1 && Math.abs(term) * q / (1 - q) <= EPS * Math.abs(sum)) {
                return sum;
            }
        }
        throw new ArithmeticException("2F1(" + a + ", " + b + "; " + c + "; " + z + ") did not converge in " + MAX_TERMS + " terms");
    }

    /** ln|Γ(x)|, by reflection for x &lt;= 0 (not at a pole). */
    static double lnAbsGamma(double x) {
        if (x > 0) {
            return Gamma.logGamma(x);
        }
        return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - Gamma.logGamma(1 - x);
    }

    static int signGamma(double x) {
        return x > 0 || Math.sin(Math.PI * x) > 0 ? 1 : -1;
    }

    /** Γ has a pole here: its reciprocal is zero. */
    private static boolean isPole(double x) {
        return x <= 0 && x == Math.rint(x);
    }
}
