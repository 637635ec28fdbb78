package io.rapport.plugin.kpi.clv.model;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * The CDNOW reference data (shared/data/cdnow, see its README): the folder is the system property
 * {@code clv.cdnow.dir} (set by the POM from the repository root), else found by walking up from the working
 * directory. Tests that need it are skipped when it is absent.
 */
public final class Cdnow {

    static final String PROPERTY = "clv.cdnow.dir";
    static final String SUMMARY = "cdnow_customers_summary.csv";
    static final String SUMMARY_WITH_SPEND = "cdnow_customers_summary_with_transactions.csv";
    static final String SAMPLE = "CDNOW_sample.txt";

    /** A row of the published summaries. */
    record Row(String id, int x, double tx, double T, double meanSpend) {
    }

    private Cdnow() {
    }

    static Path dir() {
        String configured = System.getProperty(PROPERTY);
        if (configured != null && Files.isDirectory(Paths.get(configured))) {
            return Paths.get(configured).normalize();
        }
        for (Path d = Paths.get("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path candidate = d.resolve("shared/data/cdnow");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        assumeTrue(false, "CDNOW data not found (system property " + PROPERTY + "=" + configured
                + ", nor shared/data/cdnow above " + Paths.get("").toAbsolutePath() + "): skipping");
        return null;
    }

    /** cdnow_customers_summary.csv: ID,frequency,recency,T. */
    static List<Row> summary() {
        List<Row> rows = new ArrayList<>();
        for (String[] f : csv(SUMMARY)) {
            rows.add(new Row(f[0], Integer.parseInt(f[1]), Double.parseDouble(f[2]), Double.parseDouble(f[3]), 0));
        }
        return rows;
    }

    /** cdnow_customers_summary_with_transactions.csv: ID,x,t_x,T,zbar. */
    static List<Row> summaryWithSpend() {
        List<Row> rows = new ArrayList<>();
        for (String[] f : csv(SUMMARY_WITH_SPEND)) {
            rows.add(new Row(f[0], Integer.parseInt(f[1]), Double.parseDouble(f[2]), Double.parseDouble(f[3]), Double.parseDouble(f[4])));
        }
        return rows;
    }

    /** CDNOW_sample.txt: master_id sample_id date(YYYYMMDD) cds dollar_value; the customer is the sample id. */
    public static List<Transaction> sampleTransactions() {
        DateTimeFormatter format = DateTimeFormatter.BASIC_ISO_DATE;
        List<Transaction> result = new ArrayList<>();
        for (String line : lines(SAMPLE)) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 5) {
                result.add(new Transaction(String.valueOf(Integer.parseInt(f[1])), LocalDate.parse(f[2], format), Double.parseDouble(f[4])));
            }
        }
        return result;
    }

    static Grouped grouped(List<Row> rows) {
        int[] x = rows.stream().mapToInt(Row::x).toArray();
        double[] tx = rows.stream().mapToDouble(Row::tx).toArray();
        double[] T = rows.stream().mapToDouble(Row::T).toArray();
        return Grouped.of(x, tx, T);
    }

    private static List<String[]> csv(String file) {
        List<String> lines = lines(file);
        List<String[]> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            if (!line.isBlank()) {
                rows.add(line.split(","));
            }
        }
        return rows;
    }

    private static List<String> lines(String file) {
        try {
            return Files.readAllLines(dir().resolve(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
