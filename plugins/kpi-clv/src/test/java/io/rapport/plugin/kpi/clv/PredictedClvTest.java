package io.rapport.plugin.kpi.clv;

import io.rapport.testkit.InMemoryKpiData;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.rapport.plugin.kpi.clv.model.BgNbd;
import io.rapport.plugin.kpi.clv.model.Cdnow;
import io.rapport.plugin.kpi.clv.model.Clv;
import io.rapport.plugin.kpi.clv.model.CustomerSummary;
import io.rapport.plugin.kpi.clv.model.GammaGamma;
import io.rapport.plugin.kpi.clv.model.Summary;
import io.rapport.plugin.kpi.clv.model.Transaction;
import io.rapport.spi.kpi.KpiModule;
import io.rapport.spi.kpi.Period;
import org.junit.jupiter.api.Test;

/**
 * The predicted CLV module on the CDNOW sample (shared/data/cdnow; skipped without it), as orders of a shop in UTC:
 * September 1997 ends the calibration period of Fader, Hardie &amp; Lee (1997-01-01 .. 1997-09-30), so the module's
 * fits are the published ones.
 */
class PredictedClvTest {

    static final Period SEPTEMBER_1997 = new Period(UUID.randomUUID(), Period.Granularity.MONTH, LocalDate.parse("1997-09-01"),
            Instant.parse("1997-09-01T00:00:00Z"), Instant.parse("1997-10-01T00:00:00Z"), null);

    static UUID id(String sampleId) {
        return new UUID(0, Long.parseLong(sampleId));
    }

    /** Every transaction of the sample, 1997-01 to 1998-06, as an order at midnight UTC of its day. */
    static InMemoryKpiData cdnow() {
        InMemoryKpiData d = new InMemoryKpiData();
        for (Transaction t : Cdnow.sampleTransactions()) {
            d.events.add(new InMemoryKpiData.Event("order.completed", id(t.customerId()), t.date().atStartOfDay(ZoneOffset.UTC).toInstant(),
                    Map.of("total", BigDecimal.valueOf(t.amount()))));
        }
        return d;
    }

    static double in(KpiModule.Value v, String name) {
        assertThat(v.inputs()).containsKey(name);
        return v.inputs().get(name).doubleValue();
    }

    @Test
    void aPastPeriodFitsBothModelsAndWritesNoScores() {
        InMemoryKpiData data = cdnow();
        KpiModule.Value v = new PredictedClv(Clock.fixed(Instant.parse("2026-11-18T12:00:00Z"), ZoneOffset.UTC)).compute(SEPTEMBER_1997, data);
        assertThat(v.inputs().get("customers")).isEqualByComparingTo("2357");
        assertThat(v.inputs().get("repeatCustomers")).isEqualByComparingTo("946");
        // Fader, Hardie & Lee 2005: r 0.243, α 4.414, a 0.793, b 2.426, LL -9582.4 (the model tests' refit to 4 decimals)
        assertThat(in(v, "bgNbdR")).isCloseTo(0.2426, within(5e-5));
        assertThat(in(v, "bgNbdAlpha")).isCloseTo(4.4135, within(5e-4));
        assertThat(in(v, "bgNbdA")).isCloseTo(0.7929, within(5e-5));
        assertThat(in(v, "bgNbdB")).isCloseTo(2.4258, within(5e-4));
        assertThat(in(v, "bgNbdLogLikelihood")).isCloseTo(-9582.43, within(0.01));
        // Fader & Hardie 2013: p 6.25, q 3.74, γ 15.44
        assertThat(in(v, "gammaGammaP")).isCloseTo(6.25, within(0.01));
        assertThat(in(v, "gammaGammaQ")).isCloseTo(3.74, within(0.01));
        assertThat(in(v, "gammaGammaGamma")).isCloseTo(15.44, within(0.02));
        assertThat(in(v, "gammaGammaLogLikelihood")).isNegative();
        assertThat(in(v, "meanProbabilityAlive")).isBetween(0.0, 1.0);
        assertThat(v.value()).isPositive();
        assertThat(in(v, "totalPredictedClv") / 2357).isCloseTo(v.value().doubleValue(), within(1e-3));
        assertThat(data.scores).as("history does not overwrite today's scores").isEmpty();
    }

    @Test
    void theCurrentPeriodWritesEveryCustomersScores() {
        InMemoryKpiData data = cdnow();
        // now is 1997-09-30 noon: the calibration ends today, as it does at the end of the month
        KpiModule.Value v = new PredictedClv(Clock.fixed(Instant.parse("1997-09-30T12:00:00Z"), ZoneOffset.UTC)).compute(SEPTEMBER_1997, data);
        assertThat(in(v, "bgNbdR")).isCloseTo(0.2426, within(5e-5));
        assertThat(data.scores).containsOnlyKeys("predicted_clv", "p_alive", "expected_purchases_90d");
        assertThat(data.scores.values()).allSatisfy(s -> assertThat(s).hasSize(2357));
        assertThat(data.scores.get("p_alive").values()).allSatisfy(p -> assertThat(p).isBetween(BigDecimal.ZERO, BigDecimal.ONE));
        double mean = data.scores.get("predicted_clv").values().stream().mapToDouble(BigDecimal::doubleValue).average().orElseThrow();
        assertThat(mean).isCloseTo(v.value().doubleValue(), within(0.01));

        // one customer's scores are the models' predictions with the parameters in the inputs
        List<CustomerSummary> summaries = Summary.build(Cdnow.sampleTransactions(), LocalDate.parse("1997-09-30"), Summary.TimeUnit.WEEKS);
        CustomerSummary c = summaries.stream().filter(s -> s.x() >= 3).findFirst().orElseThrow();
        BgNbd bg = new BgNbd(new BgNbd.Params(in(v, "bgNbdR"), in(v, "bgNbdAlpha"), in(v, "bgNbdA"), in(v, "bgNbdB")));
        GammaGamma gg = new GammaGamma(new GammaGamma.Params(in(v, "gammaGammaP"), in(v, "gammaGammaQ"), in(v, "gammaGammaGamma")));
        UUID who = id(c.customerId());
        assertThat(data.scores.get("p_alive").get(who).doubleValue()).isCloseTo(bg.probabilityAlive(c.x(), c.tx(), c.T()), within(1e-4));
        assertThat(data.scores.get("expected_purchases_90d").get(who).doubleValue())
                .isCloseTo(bg.expectedPurchases(90 / 7.0, c.x(), c.tx(), c.T()), within(1e-4));
        assertThat(data.scores.get("predicted_clv").get(who).doubleValue())
                .isCloseTo(Clv.predictive(bg, gg, c.x(), c.tx(), c.T(), c.meanSpend(), new Clv.Horizon(12, 0.01, 4.345)), within(0.01));
        // a customer with one order is alive for the model
        CustomerSummary once = summaries.stream().filter(s -> s.x() == 0).findFirst().orElseThrow();
        assertThat(data.scores.get("p_alive").get(id(once.customerId()))).isEqualByComparingTo("1");
    }

    @Test
    void theCurrentDayWeekAndMonthShareOneFitAndOneWriteOfTheScores() {
        InMemoryKpiData data = cdnow();
        PredictedClv module = new PredictedClv(Clock.fixed(Instant.parse("1997-09-30T12:00:00Z"), ZoneOffset.UTC));
        KpiModule.Value month = module.compute(SEPTEMBER_1997, data);
        Map<UUID, BigDecimal> written = data.scores.get("predicted_clv");
        Period week = new Period(SEPTEMBER_1997.tenantId(), Period.Granularity.WEEK, LocalDate.parse("1997-09-29"), Instant.parse("1997-09-29T00:00:00Z"),
                Instant.parse("1997-10-06T00:00:00Z"), null);
        Period day = new Period(SEPTEMBER_1997.tenantId(), Period.Granularity.DAY, LocalDate.parse("1997-09-30"), Instant.parse("1997-09-30T00:00:00Z"),
                Instant.parse("1997-10-01T00:00:00Z"), null);
        assertThat(module.compute(week, data)).isEqualTo(month);
        assertThat(module.compute(day, data)).isEqualTo(month);
        assertThat(data.computations).as("one fit for the three periods").isEqualTo(1);
        assertThat(data.scores.get("predicted_clv")).as("written once").isSameAs(written);

        data.add("order.completed", id("1"), "1997-09-30T10:00:00Z", "total", new BigDecimal("20"));
        module.compute(day, data);
        assertThat(data.computations).as("a new order: fitted again").isEqualTo(2);
    }

    @Test
    void aSegmentsPeriodWritesNoScores() {
        InMemoryKpiData data = cdnow();
        Period segment = new Period(SEPTEMBER_1997.tenantId(), Period.Granularity.MONTH, SEPTEMBER_1997.start(), SEPTEMBER_1997.from(),
                SEPTEMBER_1997.to(), UUID.randomUUID());
        KpiModule.Value v = new PredictedClv(Clock.fixed(Instant.parse("1997-09-30T12:00:00Z"), ZoneOffset.UTC)).compute(segment, data);
        assertThat(v.value()).isNotNull();
        assertThat(data.scores).as("a segment's members would replace everyone's scores").isEmpty();
    }

    @Test
    void tooFewRepeatCustomersGiveNoValue() {
        InMemoryKpiData data = new InMemoryKpiData();
        UUID ann = UUID.randomUUID();
        data.add("order.completed", ann, "2026-01-05T10:00:00Z", "total", 40).add("order.completed", ann, "2026-02-05T10:00:00Z", "total", 60);
        data.add("order.completed", UUID.randomUUID(), "2026-02-07T10:00:00Z", "total", 25);
        Period feb = new Period(UUID.randomUUID(), Period.Granularity.MONTH, LocalDate.parse("2026-02-01"), Instant.parse("2026-02-01T00:00:00Z"),
                Instant.parse("2026-03-01T00:00:00Z"), null);
        KpiModule.Value v = new PredictedClv(Clock.fixed(Instant.parse("2026-02-10T00:00:00Z"), ZoneOffset.UTC)).compute(feb, data);
        assertThat(v.value()).isNull();
        assertThat(v.inputs()).containsEntry("customers", BigDecimal.valueOf(2)).containsEntry("repeatCustomers", BigDecimal.ONE);
        assertThat(data.scores).isEmpty();
        assertThat(new PredictedClv().compute(feb, new InMemoryKpiData()).inputs()).containsEntry("customers", BigDecimal.ZERO);
    }
}
