package io.rapport.core.journey;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

import io.rapport.core.db.Db;

/**
 * What happened in a journey: per step how many customers reached it, wait there now, left there and converted after
 * passing it; per A/B arm the conversion rate and a two-proportion z-test against the first arm.
 */
public final class JourneyAnalytics {

    /** One step's figures; {@code outcomes} counts each recorded outcome (sent, rejected, then, else, timeout...). */
    public record StepStats(String step, String type, long entered, long waiting, long left, long converted, Map<String, Long> outcomes) {
    }

    /**
     * One arm of the split: its conversion rate, and against the first arm the z statistic and two-sided p-value of
     * the two-proportion z-test (null for the first arm, or when either arm has no one).
     */
    public record Arm(String name, long entered, long converted, double rate, Double z, Double p) {
    }

    public record Report(long entered, long active, long completed, long exited, long converted, List<StepStats> steps, List<Arm> arms) {
    }

    private final Db db;
    private final JourneyStore store;

    public JourneyAnalytics(Db db, JourneyStore store) {
        this.db = db;
        this.store = store;
    }

    public Report report(UUID tenantId, UUID journeyId) {
        JourneyStore.View v = store.find(tenantId, journeyId).orElseThrow(() -> new io.rapport.core.validation.NotFoundException("no journey " + journeyId));
        Journey shape = v.liveVersion() == null ? JourneyDefinitions.parse(v.draft(), "") : store.version(journeyId, v.liveVersion());
        return db.read(c -> {
            Map<String, Long> states = new TreeMap<>();
            long[] converted = {0};
            Db.list(c, "SELECT state, COUNT(*), COUNT(converted_at) FROM journey_run WHERE journey_id = ? GROUP BY state", List.of(journeyId), rs -> {
                states.put(rs.getString(1), rs.getLong(2));
                converted[0] += rs.getLong(3);
                return null;
            });
            long entered = states.values().stream().mapToLong(Long::longValue).sum();
            Map<String, Long> reached = counts(c, "SELECT step, COUNT(DISTINCT run_id) FROM journey_step WHERE journey_id = ? GROUP BY step", journeyId);
            Map<String, Long> waiting = counts(c, "SELECT step, COUNT(*) FROM journey_run WHERE journey_id = ? AND state = 'waiting' GROUP BY step", journeyId);
            Map<String, Long> left = counts(c, "SELECT step, COUNT(*) FROM journey_run WHERE journey_id = ? AND state = 'exited' GROUP BY step", journeyId);
            Map<String, Long> conv = counts(c, "SELECT s.step, COUNT(DISTINCT s.run_id) FROM journey_step s JOIN journey_run r ON r.id = s.run_id "
                    + "WHERE s.journey_id = ? AND r.converted_at IS NOT NULL GROUP BY s.step", journeyId);
            Map<String, Map<String, Long>> outcomes = new LinkedHashMap<>();
            Db.list(c, "SELECT step, outcome, COUNT(*) FROM journey_step WHERE journey_id = ? GROUP BY step, outcome ORDER BY step, outcome",
                    List.of(journeyId), rs -> outcomes.computeIfAbsent(rs.getString(1), k -> new TreeMap<>()).put(rs.getString(2), rs.getLong(3)));
            Set<String> order = new LinkedHashSet<>(graphOrder(shape));
            order.addAll(reached.keySet());
            List<StepStats> steps = new ArrayList<>();
            for (String s : order) {
                Journey.Step st = shape.step(s);
                steps.add(new StepStats(s, st == null ? null : DryRun.type(st), reached.getOrDefault(s, 0L), waiting.getOrDefault(s, 0L),
                        left.getOrDefault(s, 0L), conv.getOrDefault(s, 0L), outcomes.getOrDefault(s, Map.of())));
            }
            List<Arm> arms = new ArrayList<>();
            Map<String, long[]> byVariant = new TreeMap<>();
            Db.list(c, "SELECT variant, COUNT(*), COUNT(converted_at) FROM journey_run WHERE journey_id = ? AND variant IS NOT NULL GROUP BY variant",
                    List.of(journeyId), rs -> byVariant.put(rs.getString(1), new long[] {rs.getLong(2), rs.getLong(3)}));
            List<String> names = new ArrayList<>();
            shape.steps().values().stream().filter(x -> x instanceof Journey.Split).findFirst()
                    .ifPresent(x -> ((Journey.Split) x).arms().forEach(a -> names.add(a.name())));
            byVariant.keySet().stream().filter(n -> !names.contains(n)).forEach(names::add);
            long[] control = null;
            for (String n : names) {
                long[] f = byVariant.getOrDefault(n, new long[] {0, 0});
                double rate = f[0] == 0 ? 0 : (double) f[1] / f[0];
                if (control == null) {
                    control = f;
                    arms.add(new Arm(n, f[0], f[1], rate, null, null));
                } else {
                    double[] zp = zTest(control[1], control[0], f[1], f[0]);
                    arms.add(new Arm(n, f[0], f[1], rate, zp == null ? null : zp[0], zp == null ? null : zp[1]));
                }
            }
            return new Report(entered, states.getOrDefault(JourneyEngine.ACTIVE, 0L) + states.getOrDefault(JourneyEngine.WAITING, 0L),
                    states.getOrDefault(JourneyEngine.COMPLETED, 0L), states.getOrDefault(JourneyEngine.EXITED, 0L), converted[0], steps, arms);
        });
    }

    private static Map<String, Long> counts(java.sql.Connection c, String sql, UUID journeyId) throws java.sql.SQLException {
        Map<String, Long> out = new LinkedHashMap<>();
        Db.list(c, sql, List.of(journeyId), rs -> out.put(rs.getString(1), rs.getLong(2)));
        return out;
    }

    /** @return the steps in the order a reader follows them: breadth first from the start */
    static List<String> graphOrder(Journey j) {
        List<String> out = new ArrayList<>();
        Deque<String> todo = new ArrayDeque<>(List.of(j.start()));
        Set<String> seen = new LinkedHashSet<>();
        while (!todo.isEmpty()) {
            String s = todo.removeFirst();
            if (s == null || !seen.add(s)) {
                continue;
            }
            out.add(s);
            Journey.Step st = j.step(s);
            if (st != null) {
                st.targets().stream().filter(t -> t != null).forEach(todo::addLast);
            }
        }
        return out;
    }

    /**
     * Two-proportion z-test with a pooled proportion: conversions {@code x1} of {@code n1} against {@code x2} of
     * {@code n2}.
     *
     * @return {z, two-sided p-value}, or null when a sample is empty or the pooled proportion is 0 or 1
     */
    public static double[] zTest(long x1, long n1, long x2, long n2) {
        if (n1 == 0 || n2 == 0) {
            return null;
        }
        double p1 = (double) x1 / n1;
        double p2 = (double) x2 / n2;
        double pooled = (double) (x1 + x2) / (n1 + n2);
        double se = Math.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2));
        if (se == 0) {
            return null;
        }
        double z = (p2 - p1) / se;
        return new double[] {z, erfc(Math.abs(z) / Math.sqrt(2))};
    }

    /**
     * The complementary error function, with a fractional error below 1.2e-7 everywhere (Chebyshev fit, Numerical
     * Recipes' erfcc). Two-sided p = erfc(|z| / √2).
     */
    static double erfc(double x) {
        double z = Math.abs(x);
        double t = 1.0 / (1.0 + 0.5 * z);
        double ans = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
                + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? ans : 2.0 - ans;
    }
}
