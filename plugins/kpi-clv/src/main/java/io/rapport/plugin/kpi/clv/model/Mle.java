package io.rapport.plugin.kpi.clv.model;

import java.util.function.ToDoubleFunction;

import org.apache.commons.math3.optim.InitialGuess;
import org.apache.commons.math3.optim.MaxEval;
import org.apache.commons.math3.optim.PointValuePair;
import org.apache.commons.math3.optim.SimpleValueChecker;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;
import org.apache.commons.math3.optim.nonlinear.scalar.ObjectiveFunction;
import org.apache.commons.math3.optim.nonlinear.scalar.noderiv.NelderMeadSimplex;
import org.apache.commons.math3.optim.nonlinear.scalar.noderiv.SimplexOptimizer;

/**
 * Maximum likelihood over log-parameters with Nelder–Mead (commons-math3), restarted from the best point until a
 * restart no longer improves the log-likelihood: a fresh simplex undoes a collapsed one.
 */
final class Mle {

    record Result(double[] logParams, double logLikelihood, int evaluations) {
    }

    private static final int MAX_RESTARTS = 10;
    private static final int MAX_EVALUATIONS = 20_000;
    private static final double STEP = 0.5;

    private Mle() {
    }

    /**
     * @param logLikelihood of the log-parameters; NaN and infinities count as impossible
     * @param starts        one or more starting points in log-parameter space; the best result wins
     */
    static Result maximize(ToDoubleFunction<double[]> logLikelihood, double[]... starts) {
        int[] evaluations = {0};
        ObjectiveFunction objective = new ObjectiveFunction(p -> {
            evaluations[0]++;
            double v = logLikelihood.applyAsDouble(p);
            return Double.isFinite(v) ? v : Double.NEGATIVE_INFINITY;
        });
        PointValuePair best = null;
        for (double[] start : starts) {
            PointValuePair found = null;
            double[] from = start;
            for (int restart = 0; restart < MAX_RESTARTS; restart++) {
                SimplexOptimizer optimizer = new SimplexOptimizer(new SimpleValueChecker(1e-12, 1e-10));
                PointValuePair next = optimizer.optimize(new MaxEval(MAX_EVALUATIONS), objective, GoalType.MAXIMIZE,
                        new InitialGuess(from), new NelderMeadSimplex(from.length, STEP));
                boolean improved = found == null || next.getValue() > found.getValue() + 1e-9 * Math.abs(found.getValue());
                if (found == null || next.getValue() > found.getValue()) {
                    found = next;
                }
                if (!improved) {
                    break;
                }
                from = found.getPoint();
            }
            if (best == null || found.getValue() > best.getValue()) {
                best = found;
            }
        }
        if (!Double.isFinite(best.getValue())) {
            throw new ArithmeticException("the likelihood is not finite anywhere the optimiser looked");
        }
        return new Result(best.getPoint(), best.getValue(), evaluations[0]);
    }
}
