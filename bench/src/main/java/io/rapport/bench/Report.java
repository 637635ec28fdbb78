package io.rapport.bench;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The results as one markdown table, with what is needed to reproduce them. */
final class Report {

    private record Row(String figure, String server, String baseline, String ratio, String target, String meets) {
    }

    private final Options o;
    private final int threads;
    private final double warmup;
    private final double duration;
    private final int batchSize;
    private final int batchThreads;
    private final double visibleRate;
    private final int customers;
    private final List<Row> rows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private String baselineDatabase = "?";
    private List<String> migrations = List.of();
    private long errors;

    Report(Options o, int threads, double warmup, double duration, int batchSize, int batchThreads, double visibleRate, int customers) {
        this.o = o;
        this.threads = threads;
        this.warmup = warmup;
        this.duration = duration;
        this.batchSize = batchSize;
        this.batchThreads = batchThreads;
        this.visibleRate = visibleRate;
        this.customers = customers;
        long firstReady = o.longValue("first-ready-ms", -1);
        long firstStart = o.longValue("first-start-ms", -1);
        long stop = o.longValue("stop-ms", -1);
        long restartReady = o.longValue("restart-ready-ms", -1);
        long restartStart = o.longValue("restart-start-ms", -1);
        if (firstReady >= 0) {
            rows.add(new Row("first start → /health/ready 200 (new Liberty workarea, empty database: migrations, first admin)",
                    seconds(firstReady) + (firstStart >= 0 ? " (`server start` returned at " + seconds(firstStart) + ")" : ""), "", "", "", ""));
        }
        if (stop >= 0) {
            rows.add(new Row("`server stop` (idle)", seconds(stop), "", "", "", ""));
        }
        if (restartReady >= 0) {
            rows.add(new Row("restart → /health/ready 200 (warm workarea, schema up to date)",
                    seconds(restartReady) + (restartStart >= 0 ? " (`server start` returned at " + seconds(restartStart) + ")" : ""), "", "", "", ""));
        }
        long idle = o.longValue("idle-rss-kb", -1);
        if (idle >= 0) {
            rows.add(new Row("idle RSS of the server JVM (" + o.str("settle", "?") + " s after the last ready)", mb(idle), "", "", "", ""));
        }
    }

    long errors() {
        return errors;
    }

    void baselineDatabase(String database, List<String> migrations) {
        this.baselineDatabase = database;
        this.migrations = migrations;
    }

    void single(ClosedLoop.Result s, ClosedLoop.Result b) {
        String what = "(a) single events, " + threads + " threads";
        rows.add(new Row(what + ": events/s acknowledged", rate(s.eventsPerSecond()), rate(b.eventsPerSecond()),
                ratio(s.eventsPerSecond(), b.eventsPerSecond()), "≥ 1,000/s", meets(s.eventsPerSecond() >= 1000)));
        rows.add(latency("(a) latency p50", s, b, 50, null));
        rows.add(latency("(a) latency p95", s, b, 95, null));
        rows.add(latency("(a) latency p99", s, b, 99, 50.0));
        rows.add(new Row("(a) latency max", ms(s.percentileMs(100)), ms(b.percentileMs(100)), "", "", ""));
        rows.add(cpu("(a)", s.cpu(), b.cpu()));
        errors(s, "(a) server");
        errors(b, "(a) baseline");
    }

    void batches(ClosedLoop.Result s, ClosedLoop.Result b, IngestBench.Drain drain, long projected, double relaySeconds) {
        String what = "(b) batches of " + batchSize + ", " + batchThreads + " threads";
        rows.add(new Row(what + ": events/s acknowledged", rate(s.eventsPerSecond()), rate(b.eventsPerSecond()),
                ratio(s.eventsPerSecond(), b.eventsPerSecond()), "≥ 10,000/s", meets(s.eventsPerSecond() >= 10_000)));
        rows.add(latency("(b) batch latency p50", s, b, 50, null));
        rows.add(latency("(b) batch latency p99", s, b, 99, null));
        rows.add(cpu("(b)", s.cpu(), b.cpu()));
        if (drain.backlog() >= 0) {
            rows.add(new Row("(b) outbox backlog at the end → drained after", String.format(Locale.ROOT, "%,d → %.1f s%s", drain.backlog(),
                    drain.seconds(), drain.timedOut() ? " (timed out)" : ""), "", "", "", ""));
        }
        if (projected >= 0 && relaySeconds > 0) {
            String relay = rate(projected / relaySeconds);
            rows.add(new Row("(b) relay: events projected onto profiles per s (from (b) start to drained)",
                    drain.backlog() > batchSize ? relay : "≥ " + relay + " (kept up)", "", "", "", ""));
        }
        errors(s, "(b) server");
        errors(b, "(b) baseline");
    }

    void visibility(Visibility.Result v, double pollMs) {
        String what = "(c) ack → visible on profile (" + String.format(Locale.ROOT, "%.0f", visibleRate) + "/s load, poll " + fmt(pollMs) + " ms)";
        rows.add(new Row(what + " p50", ms(v.percentileMs(50)), "—", "—", "", ""));
        boolean ok = v.probes() > 0 && v.timeouts() == 0 && v.percentileMs(99) <= 1000;
        rows.add(new Row("(c) ack → visible p99", ms(v.percentileMs(99)), "—", "—", "≤ 1 s", meets(ok)));
        rows.add(new Row("(c) ack → visible max; probes measured / timed out", ms(v.percentileMs(100)) + "; " + v.probes() + " / " + v.timeouts(),
                "", "", "", ""));
        rows.add(new Row("(c) background load achieved", rate(v.loadPerSecond()) + (v.loadSkipped() > 0 ? " (" + v.loadSkipped() + " sends skipped: server behind)" : ""),
                "", "", "", ""));
        rows.add(new Row("(c) CPU busy (cores): server / driver", cores(v.cpu().serverCores()) + " / " + cores(v.cpu().driverCores()), "", "", "", ""));
        if (v.errors() > 0) {
            errors += v.errors();
            notes.add("(c): " + v.errors() + " failed requests; first: " + v.firstError());
        }
        notes.add("(c) has no JDBC baseline: in the database alone a committed row is visible at once; the delay measured is the relay's "
                + "(outbox → profile), bounded below by the poll interval.");
    }

    void memory(long peakKb, long endKb) {
        if (peakKb > 0) {
            rows.add(new Row("peak RSS of the server JVM during the run / at the end", mb(peakKb) + " / " + mb(endKb), "", "", "", ""));
        }
    }

    private void errors(ClosedLoop.Result r, String what) {
        if (r.errors() > 0 || r.warmupErrors() > 0) {
            errors += r.errors();
            notes.add(what + ": " + r.errors() + " failed operations in the window, " + r.warmupErrors() + " in the warm-up; first: " + r.firstError());
        }
    }

    private static Row latency(String figure, ClosedLoop.Result s, ClosedLoop.Result b, double p, Double targetMs) {
        double sv = s.percentileMs(p);
        double bv = b.percentileMs(p);
        return new Row(figure, ms(sv), ms(bv), ratio(sv, bv), targetMs == null ? "" : "≤ " + fmt(targetMs) + " ms",
                targetMs == null ? "" : meets(sv <= targetMs));
    }

    private static Row cpu(String phase, ClosedLoop.Sample s, ClosedLoop.Sample b) {
        return new Row(phase + " CPU busy (cores): server / driver", cores(s.serverCores()) + " / " + cores(s.driverCores()),
                "— / " + cores(b.driverCores()), "", "", "");
    }

    String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("# Rapport ingest benchmark\n\n");
        sb.append("| | |\n|---|---|\n");
        kv(sb, "date", ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        kv(sb, "machine", o.str("machine", "nproc " + Runtime.getRuntime().availableProcessors()));
        kv(sb, "database (server)", o.str("db", "?"));
        kv(sb, "database (baseline)", baselineDatabase + " — `" + redact(o.str("baseline-url", "?")) + "`, schema from " + String.join(", ", migrations));
        kv(sb, "server JVM", o.str("server-jvm", "?"));
        kv(sb, "server JVM options", o.str("server-jvm-options", "?"));
        kv(sb, "driver JVM", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                + ", same machine (it shares the cores with the server)");
        kv(sb, "settings", String.format(Locale.ROOT, "pre-warm %s s (not measured), then per phase warm-up %s s and measured %s s; %d customers (u0…u%d@example.com); "
                + "events `page.viewed` with 3 properties (≈ 180 bytes of JSON)", o.str("prewarm", "20"), fmt(warmup), fmt(duration), customers, customers - 1));
        kv(sb, "command", "`" + o.str("command", "?") + "`");
        sb.append("\n| figure | server | baseline (plain JDBC) | server / baseline | target | meets |\n");
        sb.append("|---|---:|---:|---:|---|---|\n");
        for (Row r : rows) {
            sb.append("| ").append(r.figure()).append(" | ").append(r.server()).append(" | ").append(r.baseline()).append(" | ")
                    .append(r.ratio()).append(" | ").append(r.target()).append(" | ").append(r.meets()).append(" |\n");
        }
        sb.append("\nBaseline: the same `event` + `outbox` rows written with the server's INSERT statements over plain JDBC into a "
                + "database of the same kind (not the server's: ").append(o.str("db", "").startsWith("H2") ? "the server holds the H2 file lock" : "a schema of its own")
                .append("). (a) one event per transaction from the same number of threads, each with its own connection; "
                        + "(b) one batch per transaction (JDBC batches), same batch size and threads. "
                        + "server / baseline: below 1 for rates, above 1 for latencies means the server is slower.\n");
        for (String n : notes) {
            sb.append("\n- ").append(n);
        }
        if (!notes.isEmpty()) {
            sb.append('\n');
        }
        return sb.toString();
    }

    private static String redact(String url) {
        return url.replaceAll("(?i)password=[^&;]*", "password=***");
    }

    private static void kv(StringBuilder sb, String k, String v) {
        sb.append("| ").append(k).append(" | ").append(v.replace("|", "\\|")).append(" |\n");
    }

    /** Writes a driver's markdown to {@code out} (its folder made if needed); nothing when {@code out} is null. */
    static void write(String out, String md) throws java.io.IOException {
        if (out != null) {
            java.nio.file.Files.createDirectories(java.nio.file.Path.of(out).toAbsolutePath().getParent());
            java.nio.file.Files.writeString(java.nio.file.Path.of(out), md);
        }
    }

    static String meets(boolean ok) {
        return ok ? "yes" : "**no**";
    }

    static String rate(double v) {
        return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, "%,.0f/s", v);
    }

    static String ms(double v) {
        if (Double.isNaN(v)) {
            return "—";
        }
        return v >= 100 ? String.format(Locale.ROOT, "%,.0f ms", v) : String.format(Locale.ROOT, "%.2f ms", v);
    }

    static String seconds(long millis) {
        return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }

    static String mb(long kb) {
        return kb < 0 ? "—" : String.format(Locale.ROOT, "%,.0f MB", kb / 1024.0);
    }

    static String cores(double v) {
        return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, "%.2f", v);
    }

    static String ratio(double server, double baseline) {
        if (Double.isNaN(server) || Double.isNaN(baseline) || baseline == 0) {
            return "—";
        }
        double r = server / baseline;
        return r >= 10 ? String.format(Locale.ROOT, "%.0f×", r) : String.format(Locale.ROOT, "%.2f×", r);
    }

    static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
