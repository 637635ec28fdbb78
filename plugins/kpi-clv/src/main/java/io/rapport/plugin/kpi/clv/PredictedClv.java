package io.rapport.plugin.kpi.clv;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;

import io.rapport.api.event.EventTypes;
import io.rapport.plugin.kpi.clv.model.BgNbd;
import io.rapport.plugin.kpi.clv.model.Clv;
import io.rapport.plugin.kpi.clv.model.GammaGamma;
import io.rapport.plugin.kpi.clv.model.Grouped;
import io.rapport.plugin.kpi.clv.model.Summary;
import io.rapport.spi.kpi.KpiData;
import io.rapport.spi.kpi.KpiModule;
import io.rapport.spi.kpi.Period;
import org.osgi.service.component.annotations.Component;

/**
 * Predictive customer lifetime value at the period's end: BG/NBD (purchases, probability alive) and Gamma-Gamma
 * (spend) fitted by maximum likelihood on the shop's orders, and the 12-month CLV of every customer.
 *
 * <ol>
 * <li>The calibration ends at the period's end, or now if the period has not ended. Every customer's
 * {@code order.completed} events before it are streamed ({@link KpiData#purchases}) and summarised as the model
 * package's {@link Summary} does, in weeks: x = order days after the first (several orders on one day are one),
 * t_x = weeks from the first order day to the last, T = weeks from the first order day to the calibration's last day,
 * m = the mean {@code total} of the repeat days.</li>
 * <li>BG/NBD is fitted on the distinct (x, t_x, T) rows, Gamma-Gamma on the distinct (x, m) rows with x &gt; 0 and m
 * &gt; 0.</li>
 * <li>Per customer: P(alive), the expected purchases in the next {@value #NEXT_DAYS} days, and the CLV over
 * {@value #MONTHS} months discounted at {@value #MONTHLY_DISCOUNT} a month (1 %; months of 4.345 weeks), as
 * {@link Clv#predictive}: expected spend per order × discounted expected orders. Spend, not margin.</li>
 * </ol>
 *
 * <p>The value is the mean predicted CLV over the customers with an order. Inputs: {@code customers},
 * {@code repeatCustomers} (x &gt; 0 and m &gt; 0), the fitted parameters {@code bgNbdR}, {@code bgNbdAlpha} (in weeks),
 * {@code bgNbdA}, {@code bgNbdB}, {@code bgNbdLogLikelihood}, {@code gammaGammaP}, {@code gammaGammaQ},
 * {@code gammaGammaGamma}, {@code gammaGammaLogLikelihood}, and {@code meanProbabilityAlive},
 * {@code expectedPurchases90d} (summed over the customers) and {@code totalPredictedClv}.
 *
 * <p>No value, with the inputs known so far, when fewer than {@value #MIN_REPEAT_CUSTOMERS} customers have a repeat
 * purchase (a fit on fewer says nothing), when a fit finds no finite likelihood, or when the spend model has no finite
 * mean (q &le; 1).
 *
 * <p>Scores: when the period contains the current time and names no segment, and only then (a past period does not
 * overwrite today's predictions with history's, nor a segment's period everyone's with its members'), every customer's {@code predicted_clv}, {@code p_alive} and
 * {@code expected_purchases_90d} are stored on the profile ({@link KpiData#writeScores}), for segments to read.
 *
 * <p>Cost: one computation reads every order of the shop and fits both models (about a second for a few thousand
 * customers, some 20 s for a million); a series of 12 months does it 12 times. The work is shared through
 * {@link KpiData#reuse} by periods with the same calibration end (the current day, week and month: one fit and one
 * write of the scores), until the kernel hears a new order.
 */
@Component(service = KpiModule.class)
public final class PredictedClv implements KpiModule {

    static final String MODULE = HistoricalClv.MODULE;
    static final int MONTHS = 12;
    static final double MONTHLY_DISCOUNT = 0.01;
    static final int NEXT_DAYS = 90;
    static final int MIN_REPEAT_CUSTOMERS = 10;
    static final Summary.TimeUnit UNIT = Summary.TimeUnit.WEEKS;
    static final String SCORE_CLV = "predicted_clv";
    static final String SCORE_ALIVE = "p_alive";
    static final String SCORE_NEXT = "expected_purchases_90d";

    static final Definition DEFINITION = new Definition("predicted_clv", "Predicted customer lifetime value",
            "Mean 12-month CLV at the period's end: BG/NBD purchases × Gamma-Gamma spend, fitted by maximum likelihood, discounted 1 % a month.",
            "currency", Direction.HIGHER_IS_BETTER, MODULE);

    private static final Logger LOG = Logger.getLogger(PredictedClv.class.getName());
    private static final MathContext DIGITS = new MathContext(8, RoundingMode.HALF_EVEN);

    private final Clock clock;

    public PredictedClv() {
        this(Clock.systemUTC());
    }

    PredictedClv(Clock clock) {
        this.clock = clock;
    }

    @Override
    public Definition definition() {
        return DEFINITION;
    }

    /** Customers' summaries in parallel arrays that grow as they stream in. */
    private static final class Rows {
        UUID[] id = new UUID[1024];
        int[] x = new int[1024];
        double[] tx = new double[1024];
        double[] T = new double[1024];
        double[] m = new double[1024];
        int n;

        void add(UUID customer, int repeat, double recency, double age, double spend) {
            if (n == id.length) {
                int size = 2 * n;
                id = Arrays.copyOf(id, size);
                x = Arrays.copyOf(x, size);
                tx = Arrays.copyOf(tx, size);
                T = Arrays.copyOf(T, size);
                m = Arrays.copyOf(m, size);
            }
            id[n] = customer;
            x[n] = repeat;
            tx[n] = recency;
            T[n] = age;
            m[n] = spend;
            n++;
        }
    }

    @Override
    public Value compute(Period p, KpiData data) {
        Instant now = clock.instant();
        boolean current = p.segmentId() == null && !now.isBefore(p.from()) && now.isBefore(p.to());
        Instant until = p.to().isAfter(now) ? now : p.to();
        ZoneOffset offset = ShopDays.offset(p);
        LocalDate end = ShopDays.lastDayBefore(until, offset);
        // the value depends on the orders and on the calibration's last day (and offset); the current day, week and
        // month share it, and write the scores once
        String key = end + " " + offset + (current ? " scores" : "");
        return data.reuse(key, EventTypes.ORDER_COMPLETED, () -> compute(p, data, until, end, offset, current));
    }

    private Value compute(Period p, KpiData data, Instant until, LocalDate end, ZoneOffset offset, boolean current) {
        double unit = UNIT.days();
        long t0 = System.nanoTime();
        Rows rows = new Rows();
        data.purchases(EventTypes.ORDER_COMPLETED, EventTypes.PROPERTY_TOTAL, until, c -> {
            LocalDate first = ShopDays.day(c.first(), offset);
            int x = Math.max(0, c.days() - 1);
            double tx = x == 0 ? 0 : ChronoUnit.DAYS.between(first, ShopDays.day(c.last(), offset)) / unit;
            double T = Math.max(tx, ChronoUnit.DAYS.between(first, end) / unit);
            double m = x == 0 ? 0 : c.total().subtract(c.firstDay()).doubleValue() / x;
            rows.add(c.customerId(), x, tx, T, m);
        });

        Map<String, BigDecimal> in = new LinkedHashMap<>();
        in.put("customers", BigDecimal.valueOf(rows.n));
        // Gamma-Gamma rows: distinct (x, m) with x > 0 and m > 0
        Map<SpendRow, long[]> spendRows = new HashMap<>();
        long repeat = 0;
        for (int i = 0; i < rows.n; i++) {
            if (rows.x[i] > 0 && rows.m[i] > 0) {
                spendRows.computeIfAbsent(new SpendRow(rows.x[i], rows.m[i]), k -> new long[1])[0]++;
                repeat++;
            }
        }
        in.put("repeatCustomers", BigDecimal.valueOf(repeat));
        if (repeat < MIN_REPEAT_CUSTOMERS) {
            return Value.none(in);
        }

        long t1 = System.nanoTime();
        int[] x = Arrays.copyOf(rows.x, rows.n);
        Grouped grouped = Grouped.of(x, Arrays.copyOf(rows.tx, rows.n), Arrays.copyOf(rows.T, rows.n));
        long t2 = System.nanoTime();
        long t3;
        BgNbd.Fit purchases;
        GammaGamma.Fit spend;
        try {
            purchases = BgNbd.fit(grouped);
            t3 = System.nanoTime();
            put(in, "bgNbdR", purchases.params().r());
            put(in, "bgNbdAlpha", purchases.params().alpha());
            put(in, "bgNbdA", purchases.params().a());
            put(in, "bgNbdB", purchases.params().b());
            put(in, "bgNbdLogLikelihood", purchases.logLikelihood());
            int[] sx = new int[spendRows.size()];
            double[] sm = new double[sx.length];
            long[] sc = new long[sx.length];
            int k = 0;
            for (Map.Entry<SpendRow, long[]> e : spendRows.entrySet()) {
                sx[k] = e.getKey().x();
                sm[k] = e.getKey().m();
                sc[k++] = e.getValue()[0];
            }
            spend = GammaGamma.fit(sx, sm, sc);
            put(in, "gammaGammaP", spend.params().p());
            put(in, "gammaGammaQ", spend.params().q());
            put(in, "gammaGammaGamma", spend.params().gamma());
            put(in, "gammaGammaLogLikelihood", spend.logLikelihood());
        } catch (ArithmeticException | IllegalArgumentException e) {
            LOG.log(Level.WARNING, "Predicted CLV of shop " + p.tenantId() + " for " + p.start() + ": no fit", e);
            return Value.none(in);
        }
        if (!(spend.params().q() > 1)) {
            return Value.none(in); // no finite mean spend: every CLV would be infinite
        }

        long t4 = System.nanoTime();
        double[] clv = Clv.predictive(purchases.model(), spend.model(), grouped, Arrays.copyOf(rows.m, rows.n),
                new Clv.Horizon(MONTHS, MONTHLY_DISCOUNT, UNIT.perMonth()));
        double next = NEXT_DAYS / unit;
        double[] aliveOfRow = new double[grouped.size()];
        double[] nextOfRow = new double[grouped.size()];
        for (int r = 0; r < grouped.size(); r++) {
            aliveOfRow[r] = purchases.model().probabilityAlive(grouped.x(r), grouped.tx(r), grouped.T(r));
            nextOfRow[r] = purchases.model().expectedPurchases(next, grouped.x(r), grouped.tx(r), grouped.T(r));
        }
        double totalClv = 0;
        double totalAlive = 0;
        double totalNext = 0;
        for (int i = 0; i < rows.n; i++) {
            int r = grouped.rowOf(i);
            totalClv += clv[i];
            totalAlive += aliveOfRow[r];
            totalNext += nextOfRow[r];
        }
        put(in, "meanProbabilityAlive", totalAlive / rows.n);
        put(in, "expectedPurchases90d", totalNext);
        put(in, "totalPredictedClv", totalClv);
        if (!Double.isFinite(totalClv)) {
            return Value.none(in);
        }
        long t5 = System.nanoTime();
        if (current) {
            // views over the arrays, each score made as it is read: no map of a million entries
            data.writeScores(SCORE_CLV, scores(rows, i -> BigDecimal.valueOf(clv[i]).setScale(2, RoundingMode.HALF_EVEN)));
            data.writeScores(SCORE_ALIVE, scores(rows, i -> BigDecimal.valueOf(aliveOfRow[grouped.rowOf(i)]).setScale(4, RoundingMode.HALF_EVEN)));
            data.writeScores(SCORE_NEXT, scores(rows, i -> BigDecimal.valueOf(nextOfRow[grouped.rowOf(i)]).setScale(4, RoundingMode.HALF_EVEN)));
        }
        long t6 = System.nanoTime();
        LOG.info(String.format(java.util.Locale.ROOT, "Predicted CLV of shop %s to %s: %,d customers in %,d rows; purchases read %d ms, grouped %d ms, "
                + "BG/NBD fit %d ms, Gamma-Gamma fit %d ms, predictions %d ms, scores %s", p.tenantId(), end, rows.n, grouped.size(), ms(t1 - t0),
                ms(t2 - t1), ms(t3 - t2), ms(t4 - t3), ms(t5 - t4), current ? "handed over " + ms(t6 - t5) + " ms" : "not written"));
        return new Value(BigDecimal.valueOf(totalClv / rows.n).setScale(4, RoundingMode.HALF_EVEN), in);
    }

    private record SpendRow(int x, double m) {
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }

    /** The customers' scores as a map read once, in the rows' order: each value made when its entry is read. */
    private static Map<UUID, BigDecimal> scores(Rows rows, java.util.function.IntFunction<BigDecimal> score) {
        return new java.util.AbstractMap<>() {
            @Override
            public java.util.Set<Entry<UUID, BigDecimal>> entrySet() {
                return new java.util.AbstractSet<>() {
                    @Override
                    public java.util.Iterator<Entry<UUID, BigDecimal>> iterator() {
                        return new java.util.Iterator<>() {
                            int i;

                            @Override
                            public boolean hasNext() {
                                return i < rows.n;
                            }

                            @Override
                            public Entry<UUID, BigDecimal> next() {
                                if (i >= rows.n) {
                                    throw new java.util.NoSuchElementException();
                                }
                                int k = i++;
                                return Map.entry(rows.id[k], score.apply(k));
                            }
                        };
                    }

                    @Override
                    public int size() {
                        return rows.n;
                    }
                };
            }
        };
    }

    private static void put(Map<String, BigDecimal> in, String name, double v) {
        if (Double.isFinite(v)) {
            in.put(name, new BigDecimal(v, DIGITS));
        }
    }
}
