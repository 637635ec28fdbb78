package io.rapport.plugin.kpi.clv.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

class SummaryTest {

    static final LocalDate CALIBRATION_END = LocalDate.of(1997, 9, 30);

    @Test
    void cdnowSampleReproducesThePublishedSummaries() {
        List<CustomerSummary> built = Summary.build(Cdnow.sampleTransactions(), CALIBRATION_END, Summary.TimeUnit.WEEKS);
        Map<String, CustomerSummary> byId = built.stream().collect(Collectors.toMap(CustomerSummary::customerId, Function.identity()));

        List<Cdnow.Row> published = Cdnow.summary();
        assertThat(built).hasSize(published.size());
        List<String> mismatches = new ArrayList<>();
        for (Cdnow.Row row : published) {
            CustomerSummary mine = byId.get(row.id());
            // the published file has two decimals: days / 7, rounded
            if (mine == null || mine.x() != row.x() || twoDecimals(mine.tx()) != row.tx() || twoDecimals(mine.T()) != row.T()) {
                mismatches.add(row + " vs " + mine);
            }
        }
        for (Cdnow.Row row : Cdnow.summaryWithSpend()) {
            // zbar: mean of the repeat purchase days, to the cent (half a cent either way: the file's rounding)
            CustomerSummary mine = byId.get(row.id());
            if (mine == null || Math.abs(mine.meanSpend() - row.meanSpend()) > 0.005 + 1e-9) {
                mismatches.add(row + " vs " + mine);
            }
        }
        assertThat(mismatches).isEmpty();
    }

    @Test
    void samedayPurchasesCountOnceAndLaterOnesAreIgnored() {
        LocalDate d = LocalDate.of(2024, 1, 1);
        List<Transaction> transactions = List.of(
                new Transaction("a", d, 10),
                new Transaction("a", d, 5),                // same day as the first: part of the first purchase
                new Transaction("a", d.plusDays(7), 20),
                new Transaction("a", d.plusDays(7), 10),   // same day: one repeat purchase of 30
                new Transaction("a", d.plusDays(21), 60),
                new Transaction("a", d.plusDays(40), 999), // after the calibration end
                new Transaction("b", d.plusDays(14), 7),
                new Transaction("c", d.plusDays(35), 1));  // first purchase after the end: not a customer yet
        List<CustomerSummary> summaries = Summary.build(transactions, d.plusDays(28), Summary.TimeUnit.DAYS);

        assertThat(summaries).containsExactly(
                new CustomerSummary("a", 2, 21, 28, 45),
                new CustomerSummary("b", 0, 0, 14, 0));
        assertThat(Summary.build(transactions, d.plusDays(28), Summary.TimeUnit.WEEKS).get(0))
                .isEqualTo(new CustomerSummary("a", 2, 3, 4, 45));
    }

    private static double twoDecimals(double v) {
        return new BigDecimal(v).setScale(2, RoundingMode.HALF_UP).doubleValue();
    }
}
