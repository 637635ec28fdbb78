package io.rapport.bench;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * The KPI batch of a shop with a million customers (issue 8): every KPI the active plugins offer, for the current
 * day, week and month, through {@code POST /api/v1/kpis/compute}, including predicted_clv's BG/NBD and Gamma-Gamma
 * fits and the three scores of every customer. The baseline in the same run is one SQL aggregation over the same
 * orders (per customer: order days, first and last order, revenue), read to the end by the client.
 *
 * <p>The customers are seeded with COPY ({@link ConsoleBench}'s profiles) and so are their orders: each customer
 * takes the history of a CDNOW customer drawn at random (23,570 customers of the 1997 cohort with 18 months of
 * purchases: most buy once, some many times; about 3 orders per customer), moved to end within the last 90 days.
 */
public final class KpiBench {

    static final Set<String> OPTIONS = Set.of("url", "jdbc-url", "jdbc-user", "customers", "cdnow", "server-pid", "server-log", "out", "machine", "command", "db");
    static final String SOURCE = "bench-kpi-orders";
    /** The baseline: one aggregation over the same orders, per customer. */
    static final String AGGREGATION = "SELECT e.customer_id, COUNT(DISTINCT CAST(e.occurred_at AT TIME ZONE 'UTC' AS DATE)), MIN(e.occurred_at), "
            + "MAX(e.occurred_at), SUM(CAST(CAST(e.properties AS jsonb) ->> 'total' AS numeric)) FROM event e "
            + "WHERE e.tenant_id = ? AND e.type = 'order.completed' GROUP BY e.customer_id";
    static final Pattern ITEM = Pattern.compile("\\{\\s*\"kpi\"\\s*:\\s*\"([^\"]+)\"\\s*,\\s*\"granularity\"\\s*:\\s*\"([^\"]+)\"\\s*,\\s*\"start\"\\s*:\\s*\"[^\"]+\"\\s*,"
            + "\\s*\"millis\"\\s*:\\s*(\\d+)\\s*,\\s*\"purchasesMillis\"\\s*:\\s*(\\d+)\\s*,\\s*\"scoresMillis\"\\s*:\\s*(\\d+)\\s*,\\s*\"scores\"\\s*:\\s*(\\d+)\\s*,"
            + "\\s*\"reused\"\\s*:\\s*(true|false)\\s*}");
    static final Pattern FIT = Pattern.compile("Predicted CLV of shop .*");

    /** One value of the batch's answer. */
    record Item(String kpi, String granularity, long millis, long purchasesMillis, long scoresMillis, long scores, boolean reused) {
    }

    /** The batch's answer. */
    record Batch(double seconds, long serverMillis, List<Item> items) {
        long sum(java.util.function.Predicate<Item> which, java.util.function.ToLongFunction<Item> what) {
            return items.stream().filter(which).mapToLong(what).sum();
        }
    }

    private KpiBench() {
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args, OPTIONS);
        PgRun run = PgRun.of(o, "KPI");
        Http http = run.http();
        String admin = run.admin();
        int customers = o.integer("customers", 1_000_000);
        Path cdnow = Path.of(o.str("cdnow", "../shared/data/cdnow"));
        UUID tenant = Http.tenantOf(http, admin);
        long t0 = System.nanoTime();
        new ConsoleBench(run.base(), admin, run.jdbc(), run.user()).seedFor(tenant, customers, 0);
        double customersS = (System.nanoTime() - t0) / 1e9;
        long s0 = System.nanoTime();
        long orders = seedOrders(run.jdbc(), run.user(), tenant, customers, cdnow.resolve("CDNOW_master.txt"));
        double ordersS = (System.nanoTime() - s0) / 1e9;
        log("seeded %,d customers in %.0f s and %,d orders in %.0f s", customers, customersS, orders, ordersS);

        String loadBefore = loadAverage();
        // the baseline: best of 3, before and after the batch (the orders' pages are in the cache after the first)
        double[] baseline = aggregation(run.jdbc(), run.user(), tenant, 2);
        log("SQL aggregation: %,.0f customers in %.2f s", baseline[1], baseline[0]);

        Batch first = batch(http, admin);
        log("batch: %.1f s (server %,d ms), %d values", first.seconds(), first.serverMillis(), first.items().size());
        for (Item i : first.items()) {
            log("  %-28s %-5s %,8d ms  purchases %,7d ms  scores %,9d in %,7d ms%s", i.kpi(), i.granularity(), i.millis(), i.purchasesMillis(), i.scores(),
                    i.scoresMillis(), i.reused() ? "  reused" : "");
        }
        String fitLine = lastLine(o.str("server-log", null), FIT);
        long peakKb = peakRssKb(o.str("server-pid", null));
        Batch again = batch(http, admin);
        log("the batch again, no order since: %.1f s", again.seconds());
        // one new order: the batch fits again and replaces every score (the daily case)
        String key = SegmentBench.keySecret(http, admin);
        Http.expect(http.post("/api/v1/events", key, "{\"type\": \"order.completed\", \"customer\": {\"email\": \"" + ConsoleBench.email(0)
                + "\"}, \"properties\": {\"total\": 25}}"), 202);
        SegmentBench.drain(http, admin);
        Batch renewed = batch(http, admin);
        boolean refitted = renewed.items().stream().anyMatch(i -> i.kpi().equals("predicted_clv") && !i.reused() && i.scores() > 0);
        log("the batch after one new order: %.1f s (%s)", renewed.seconds(), refitted ? "fitted again, scores replaced" : "the fit was reused");
        long peakAfterKb = peakRssKb(o.str("server-pid", null));
        long r0 = System.nanoTime();
        Http.Response list = http.get("/api/v1/kpis", admin);
        Http.expect(list, 200);
        double listS = (System.nanoTime() - r0) / 1e9;
        long r1 = System.nanoTime();
        Http.Response clv = http.get("/api/v1/kpis/predicted_clv?granularity=day&from=" + LocalDate.now(ZoneOffset.UTC) + "&to=" + LocalDate.now(ZoneOffset.UTC), admin);
        Http.expect(clv, 200);
        double clvS = (System.nanoTime() - r1) / 1e9;
        double[] after = aggregation(run.jdbc(), run.user(), tenant, 1);
        double base = Math.min(baseline[0], after[0]);
        long scored = count(run.jdbc(), run.user(), "SELECT COUNT(*) FROM customer_score WHERE tenant_id = ? AND name = 'predicted_clv'", tenant);
        log("list %.3f s, predicted_clv today %.3f s; %,d predicted_clv scores", listS, clvS, scored);

        boolean clvItem = first.items().stream().anyMatch(i -> i.kpi().equals("predicted_clv"));
        java.util.function.Predicate<Item> isClv = i -> i.kpi().equals("predicted_clv");
        long clvMs = first.sum(isClv, Item::millis);
        long readMs = first.sum(isClv, Item::purchasesMillis);
        long scoresMs = first.sum(isClv, Item::scoresMillis);
        long otherMs = first.sum(isClv.negate(), Item::millis);
        StringBuilder md = new StringBuilder();
        md.append("## The KPI batch of a shop with ").append(String.format(Locale.ROOT, "%,d", customers)).append(" customers (").append(Instant.now()).append(")\n\n");
        md.append("```sh\n").append(o.str("command", "")).append("\n```\n\n");
        md.append("- Machine: ").append(o.str("machine", "")).append("; load average just before the measurements ").append(loadBefore).append("\n");
        md.append("- Database: ").append(o.str("db", "")).append("\n");
        md.append(String.format(Locale.ROOT, "- Seeded with COPY: %,d customers (%.0f s) and %,d `order.completed` events (%.0f s), each customer the "
                + "history of a CDNOW customer drawn at random, ending within the last 90 days.%n", customers, customersS, orders, ordersS));
        md.append(String.format(Locale.ROOT, "- The batch: `POST /api/v1/kpis/compute`, %d values (every KPI × the current day, week and month).%n%n",
                first.items().size()));
        md.append("| figure | server | baseline, same run | server / baseline | target | meets |\n|---|---|---|---|---|---|\n");
        md.append(String.format(Locale.ROOT, "| the KPI batch, predicted_clv's fits and %,d × 3 scores included | **%.1f s** | one SQL aggregation over the "
                + "same orders, read to the end: %.2f s | %.1f× | ≤ 120 s | %s |%n", scored, first.seconds(), base, first.seconds() / base,
                Report.meets(first.seconds() <= 120 && clvItem)));
        md.append(String.format(Locale.ROOT, "| predicted_clv, the three periods | %.1f s | | %.1f× | | |%n", clvMs / 1000.0, clvMs / 1000.0 / base));
        md.append(String.format(Locale.ROOT, "| — reading every customer's purchases (`KpiData.purchases`) | %.1f s | | %.1f× | | |%n", readMs / 1000.0,
                readMs / 1000.0 / base));
        md.append(String.format(Locale.ROOT, "| — fits and predictions (the rest) | %.1f s | | | | |%n", (clvMs - readMs - scoresMs) / 1000.0));
        md.append(String.format(Locale.ROOT, "| — writing the scores (%,d rows) | %.1f s | | | | |%n", first.sum(isClv, Item::scores), scoresMs / 1000.0));
        md.append(String.format(Locale.ROOT, "| the other KPIs (%d values) | %.1f s | | | | |%n", first.items().stream().filter(isClv.negate()).count(),
                otherMs / 1000.0));
        md.append(String.format(Locale.ROOT, "| the batch again, no order since (the fit reused) | %.1f s | | %.1f× | | |%n", again.seconds(), again.seconds() / base));
        md.append(String.format(Locale.ROOT, "| the batch after one new order (%s; %,d scores deleted and written) | %.1f s | | %.1f× | ≤ 120 s | %s |%n",
                refitted ? "fitted again" : "**the fit was reused**", renewed.sum(isClv, Item::scores), renewed.seconds(), renewed.seconds() / base,
                Report.meets(renewed.seconds() <= 120 && refitted)));
        md.append(String.format(Locale.ROOT, "| — of which writing the scores | %.1f s | | | | |%n", renewed.sum(isClv, Item::scoresMillis) / 1000.0));
        md.append(String.format(Locale.ROOT, "| `GET /api/v1/kpis` after the batch (stored values) | %.3f s | | | | |%n", listS));
        md.append(String.format(Locale.ROOT, "| server JVM peak RSS (VmHWM) after the first batch / at the end | %s / %s | | | | |%n",
                peakKb < 0 ? "—" : Report.mb(peakKb), peakAfterKb < 0 ? "—" : Report.mb(peakAfterKb)));
        md.append("\n| KPI | granularity | ms | purchases ms | scores | scores ms | reused |\n|---|---|---|---|---|---|---|\n");
        for (Item i : first.items()) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %,d | %,d | %,d | %,d | %s |%n", i.kpi(), i.granularity(), i.millis(), i.purchasesMillis(),
                    i.scores(), i.scoresMillis(), i.reused() ? "yes" : ""));
        }
        if (fitLine != null) {
            md.append("\nThe module's own breakdown (server log): `").append(fitLine.trim()).append("`\n");
        }
        String out = md.toString();
        System.out.println(out);
        Report.write(o.str("out", null), out);
        System.exit(clvItem && scored > 0 ? 0 : 1);
    }

    static Batch batch(Http http, String admin) throws Exception {
        long b0 = System.nanoTime();
        Http.Response r = http.post("/api/v1/kpis/compute", admin, "", Duration.ofMinutes(30));
        double seconds = (System.nanoTime() - b0) / 1e9;
        Http.expect(r, 200);
        List<Item> items = new ArrayList<>();
        Matcher m = ITEM.matcher(r.body());
        while (m.find()) {
            items.add(new Item(m.group(1), m.group(2), Long.parseLong(m.group(3)), Long.parseLong(m.group(4)), Long.parseLong(m.group(5)),
                    Long.parseLong(m.group(6)), Boolean.parseBoolean(m.group(7))));
        }
        return new Batch(seconds, Http.number(r.body(), "millis"), items);
    }

    /** The histories of CDNOW's customers: per customer, day offsets from 1997-01-01 and amounts. */
    record History(int[] days, double[] amounts) {
    }

    static List<History> cdnow(Path master) throws IOException {
        if (!Files.isRegularFile(master)) {
            throw new IllegalStateException("no CDNOW data at " + master + " (--cdnow DIR, the folder of CDNOW_master.txt)");
        }
        List<History> out = new ArrayList<>();
        LocalDate start = LocalDate.of(1997, 1, 1);
        String current = null;
        List<int[]> days = new ArrayList<>();
        List<Double> amounts = new ArrayList<>();
        for (String line : Files.readAllLines(master)) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 4 || !f[0].matches("\\d+")) {
                continue;
            }
            if (!f[0].equals(current)) {
                add(out, days, amounts);
                current = f[0];
            }
            LocalDate d = LocalDate.of(Integer.parseInt(f[1].substring(0, 4)), Integer.parseInt(f[1].substring(4, 6)), Integer.parseInt(f[1].substring(6, 8)));
            days.add(new int[] {(int) ChronoUnit.DAYS.between(start, d)});
            amounts.add(Double.parseDouble(f[3]));
        }
        add(out, days, amounts);
        return out;
    }

    private static void add(List<History> out, List<int[]> days, List<Double> amounts) {
        if (!days.isEmpty()) {
            out.add(new History(days.stream().mapToInt(d -> d[0]).toArray(), amounts.stream().mapToDouble(Double::doubleValue).toArray()));
            days.clear();
            amounts.clear();
        }
    }

    /** Each customer's orders: a CDNOW history drawn at random, moved to end 0 to 90 days before today; @return how many */
    static long seedOrders(String jdbc, String user, UUID tenant, int customers, Path master) throws Exception {
        try (Connection c = DriverManager.getConnection(jdbc, user, System.getenv("BASELINE_PASSWORD"))) {
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM event WHERE source = ?")) {
                ps.setString(1, SOURCE);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) > 0) {
                        return rs.getLong(1);
                    }
                }
            }
            List<History> histories = cdnow(master);
            int span = 0;
            for (History h : histories) {
                span = Math.max(span, h.days()[h.days().length - 1]);
            }
            log("%,d CDNOW customers over %d days", histories.size(), span + 1);
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            SplittableRandom r = new SplittableRandom(17);
            OffsetDateTime today = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.DAYS);
            OffsetDateTime start = today.minusDays(span + 1);
            long n = 0;
            StringBuilder ev = new StringBuilder();
            for (int i = 0; i < customers; i++) {
                UUID id = ConsoleBench.customerId(i);
                History h = histories.get(r.nextInt(histories.size()));
                int shift = r.nextInt(90);
                for (int k = 0; k < h.days().length; k++) {
                    OffsetDateTime at = start.plusDays(h.days()[k] - shift).plusSeconds(r.nextInt(24 * 3600));
                    if (at.isAfter(OffsetDateTime.now(ZoneOffset.UTC))) {
                        continue;
                    }
                    String when = at.toString();
                    ev.append(new UUID(r.nextLong() & 0xffffffffffff0fffL | 0x7000L, r.nextLong() & 0x3fffffffffffffffL | 0x8000000000000000L)).append('\t')
                            .append(tenant).append('\t').append(id).append("\torder.completed\t").append(when).append('\t').append(when).append('\t')
                            .append(SOURCE).append("\t\\N\t\\N\t{\"total\": ").append(String.format(Locale.ROOT, "%.2f", h.amounts()[k])).append("}\n");
                    n++;
                }
                if (ev.length() > 8 << 20) {
                    copy.copyIn("COPY event (id, tenant_id, customer_id, type, occurred_at, received_at, source, idempotency_key, identity, properties) "
                            + "FROM STDIN", new StringReader(ev.toString()));
                    ev.setLength(0);
                }
            }
            copy.copyIn("COPY event (id, tenant_id, customer_id, type, occurred_at, received_at, source, idempotency_key, identity, properties) FROM STDIN",
                    new StringReader(ev.toString()));
            try (Statement st = c.createStatement()) {
                st.execute("ANALYZE");
            }
            return n;
        }
    }

    /** The baseline, best of {@code times}: @return seconds and the customers read */
    static double[] aggregation(String jdbc, String user, UUID tenant, int times) throws Exception {
        double best = Double.MAX_VALUE;
        long rows = 0;
        try (Connection c = DriverManager.getConnection(jdbc, user, System.getenv("BASELINE_PASSWORD"))) {
            c.setAutoCommit(false);
            for (int k = 0; k < times; k++) {
                long a0 = System.nanoTime();
                rows = 0;
                try (PreparedStatement ps = c.prepareStatement(AGGREGATION)) {
                    ps.setObject(1, tenant);
                    ps.setFetchSize(10_000);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            rs.getObject(1, UUID.class);
                            rs.getInt(2);
                            rs.getObject(3, OffsetDateTime.class);
                            rs.getObject(4, OffsetDateTime.class);
                            rs.getBigDecimal(5);
                            rows++;
                        }
                    }
                }
                c.commit();
                best = Math.min(best, (System.nanoTime() - a0) / 1e9);
            }
        }
        return new double[] {best, rows};
    }

    static long count(String jdbc, String user, String sql, UUID tenant) throws Exception {
        try (Connection c = DriverManager.getConnection(jdbc, user, System.getenv("BASELINE_PASSWORD")); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, tenant);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    /** @return the server JVM's peak resident set (VmHWM) in KB, or -1 */
    static long peakRssKb(String pid) {
        if (pid == null) {
            return -1;
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc", pid, "status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    static String lastLine(String file, Pattern p) {
        if (file == null || !Files.isRegularFile(Path.of(file))) {
            return null;
        }
        try {
            String last = null;
            for (String line : Files.readAllLines(Path.of(file))) {
                Matcher m = p.matcher(line);
                if (m.find()) {
                    last = m.group();
                }
            }
            return last;
        } catch (IOException e) {
            return null;
        }
    }

    private static void log(String fmt, Object... args) {
        System.out.printf("[kpis] " + fmt + "%n", args);
    }
}
