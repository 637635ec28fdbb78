package io.rapport.bench;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Ingest benchmark against a running Rapport server, each figure beside a plain-JDBC baseline measured in the same run:
 * (a) single-event requests from N threads, (b) batch requests, (c) time from acknowledgement to the profile showing the
 * event under a steady load. bench/run-ingest.sh starts the server, passes its start-up figures in, and stops it.
 */
public final class IngestBench {

    static final Set<String> OPTIONS = Set.of("url", "threads", "warmup", "duration", "batch-size", "batch-threads", "visible-rate",
            "visible-max-inflight", "prewarm", "poll-ms", "probe-gap-ms", "probe-timeout-ms", "customers", "drain-timeout", "phases", "server-pid", "clk-tck",
            "first-ready-ms", "first-start-ms", "stop-ms", "restart-ready-ms", "restart-start-ms", "idle-rss-kb", "settle", "baseline-url", "baseline-user", "schema-dir", "db", "out",
            "command", "server-jvm", "server-jvm-options", "machine");

    private IngestBench() {
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = Options.parse(args, OPTIONS);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        int code = new IngestBench().run(o);
        System.exit(code);
    }

    private int run(Options o) throws Exception {
        URI base = URI.create(o.str("url", "http://127.0.0.1:9080"));
        Http http = new Http(base); // refuses anything but loopback
        int threads = o.integer("threads", 8);
        double warmup = o.number("warmup", 5);
        double duration = o.number("duration", 20);
        int batchSize = o.integer("batch-size", 500);
        int batchThreads = o.integer("batch-threads", 2);
        double visibleRate = o.number("visible-rate", 500);
        int maxInFlight = o.integer("visible-max-inflight", 64);
        double pollMs = o.number("poll-ms", 5);
        double probeGapMs = o.number("probe-gap-ms", 100);
        double probeTimeoutMs = o.number("probe-timeout-ms", 10_000);
        int customers = o.integer("customers", 10_000);
        double drainTimeout = o.number("drain-timeout", 300);
        String phases = o.str("phases", "abc");
        long pid = o.longValue("server-pid", -1);
        CpuMeter cpu = new CpuMeter(pid, o.longValue("clk-tck", 100));
        String adminPassword = Http.adminPassword();
        if (adminPassword == null) {
            return 2;
        }
        if (batchSize < 1 || batchSize > 1000 || threads < 1 || batchThreads < 1 || maxInFlight < 1 || duration <= 0 || warmup < 0) {
            System.err.println("out of range: batch-size 1..1000, threads/batch-threads/visible-max-inflight >= 1, duration > 0, warmup >= 0");
            return 2;
        }
        // hard caps on every loop, besides its deadline
        long maxOpsPerThread = (long) ((warmup + duration) * 200_000) + 1;

        Report report = new Report(o, threads, warmup, duration, batchSize, batchThreads, visibleRate, customers);
        Events events = new Events(customers);
        String apiKey = "Bearer " + http.createApiKey(adminPassword, "bench");
        String viewer = Http.basic("admin", adminPassword);
        Baseline baseline = new Baseline(o.str("baseline-url", null), o.str("baseline-user", ""),
                System.getenv().getOrDefault("BASELINE_PASSWORD", ""), Path.of(o.str("schema-dir", "kernel/core/src/main/resources/db/kernel")));
        report.baselineDatabase(baseline.database(), baseline.migrations());
        log("server %s, baseline database %s", base, baseline.database());

        AtomicLong peakRss = new AtomicLong(Math.max(0, o.longValue("idle-rss-kb", -1)));
        Thread rssSampler = new Thread(() -> {
            for (int i = 0; i < 100_000 && !Thread.currentThread().isInterrupted(); i++) { // 7 h at 250 ms: far beyond any run
                peakRss.accumulateAndGet(cpu.serverRssKb(), Math::max);
                try {
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "bench-rss");
        rssSampler.setDaemon(true);
        rssSampler.start();

        try {
            double prewarm = o.number("prewarm", 20);
            if (prewarm > 0) {
                // the server's JIT compilers compete with the request threads for the two cores long after "ready":
                // let them settle on the ingest code paths before anything is measured
                log("pre-warm: %.0f s of single events, then %.0f s of batches (not measured)", prewarm / 2, prewarm / 2);
                ClosedLoop.run("prewarm-single", threads, prewarm / 2, 0, maxOpsPerThread, t -> singleOp(http, apiKey, events, 5_000 + t), cpu);
                ClosedLoop.run("prewarm-batch", batchThreads, prewarm / 2, 0, maxOpsPerThread, t -> batchOp(http, apiKey, events, 6_000 + t, batchSize), cpu);
                Drain drain = drain(http, drainTimeout);
                log("    relay drained %d events in %.1f s", drain.backlog, drain.seconds);
            }
            if (phases.contains("a")) {
                log("(a) single events: %d threads, %.0f s warm-up + %.0f s", threads, warmup, duration);
                ClosedLoop.Result server = ClosedLoop.run("a-server", threads, warmup, duration, maxOpsPerThread,
                        t -> singleOp(http, apiKey, events, 1_000 + t), cpu);
                log("    server   %s", summary(server));
                Drain drain = drain(http, drainTimeout);
                log("    relay drained %d events in %.1f s", drain.backlog, drain.seconds);
                ClosedLoop.Result base1 = ClosedLoop.run("a-baseline", threads, warmup, duration, maxOpsPerThread,
                        t -> baseline.single(events, 2_000 + t), cpu);
                log("    baseline %s", summary(base1));
                report.single(server, base1);
            }
            if (phases.contains("b")) {
                log("(b) batches of %d: %d threads, %.0f s warm-up + %.0f s", batchSize, batchThreads, warmup, duration);
                Http.Health h0 = http.health();
                long t0 = System.nanoTime();
                ClosedLoop.Result server = ClosedLoop.run("b-server", batchThreads, warmup, duration, maxOpsPerThread,
                        t -> batchOp(http, apiKey, events, 3_000 + t, batchSize), cpu);
                log("    server   %s", summary(server));
                Drain drain = drain(http, drainTimeout);
                double relaySeconds = (drain.finishedAt - t0) / 1e9;
                long projected = h0.projected() >= 0 && drain.projected >= 0 ? drain.projected - h0.projected() : -1;
                log("    relay: backlog %d at the end, drained in %.1f s; %d projected in %.1f s since (b) began", drain.backlog, drain.seconds,
                        projected, relaySeconds);
                ClosedLoop.Result base2 = ClosedLoop.run("b-baseline", batchThreads, warmup, duration, maxOpsPerThread,
                        t -> baseline.batch(events, 4_000 + t, batchSize), cpu);
                log("    baseline %s", summary(base2));
                report.batches(server, base2, drain, projected, relaySeconds);
            }
            if (phases.contains("c")) {
                log("(c) ack -> visible: %.0f events/s background, poll every %.0f ms, %.0f s warm-up + %.0f s", visibleRate, pollMs, warmup, duration);
                Visibility.Result v = new Visibility(http, apiKey, viewer, events)
                        .run(warmup, duration, visibleRate, maxInFlight, pollMs, probeGapMs, probeTimeoutMs, cpu);
                log("    %d probes, p50 %.1f ms, p99 %.1f ms, max %.1f ms, %d timeouts, load %.0f/s, %d errors", v.probes(), v.percentileMs(50),
                        v.percentileMs(99), v.percentileMs(100), v.timeouts(), v.loadPerSecond(), v.errors());
                Drain drain = drain(http, drainTimeout);
                log("    relay drained %d events in %.1f s", drain.backlog, drain.seconds);
                report.visibility(v, pollMs);
            }
        } finally {
            rssSampler.interrupt();
            baseline.dropIfPostgres();
        }
        report.memory(peakRss.get(), cpu.serverRssKb());

        String md = report.markdown();
        System.out.println();
        System.out.println(md);
        String out = o.str("out", null);
        if (out != null) {
            Path p = Path.of(out);
            if (p.getParent() != null) {
                Files.createDirectories(p.getParent());
            }
            Files.writeString(p, md, StandardCharsets.UTF_8);
            log("written to %s", p);
        }
        return report.errors() == 0 ? 0 : 1;
    }

    /** One event per request, from a pool of 1,024 prepared bodies. */
    static ClosedLoop.Op singleOp(Http http, String apiKey, Events events, long seed) {
        List<String> bodies = events.singleBodies(new SplittableRandom(seed), 1024);
        int[] i = {0};
        return () -> {
            Http.Response r = http.post("/api/v1/events", apiKey, bodies.get(i[0]++ & 1023));
            if (r.status() != 202) {
                throw new IllegalStateException("HTTP " + r.status() + " " + r.body());
            }
            return 1;
        };
    }

    /** {@code size} events per request, from a pool of 16 prepared bodies. */
    static ClosedLoop.Op batchOp(Http http, String apiKey, Events events, long seed, int size) {
        List<String> bodies = events.batchBodies(new SplittableRandom(seed), 16, size);
        int[] i = {0};
        return () -> {
            Http.Response r = http.post("/api/v1/events", apiKey, bodies.get(i[0]++ & 15));
            long accepted = Http.number(r.body(), "accepted");
            if (r.status() != 202 || accepted != size) {
                throw new IllegalStateException("HTTP " + r.status() + " accepted " + accepted + ": " + r.body().substring(0, Math.min(300, r.body().length())));
            }
            return size;
        };
    }

    /** The relay's state once the outbox has emptied (or the wait timed out). */
    record Drain(long backlog, double seconds, long projected, long finishedAt, boolean timedOut) {
    }

    /** Waits, polling the readiness check, until every outbox row but the failed ones is gone. */
    static Drain drain(Http http, double timeoutS) throws Exception {
        long start = System.nanoTime();
        long deadline = start + (long) (timeoutS * 1e9);
        long backlog = -1;
        Http.Health h = http.health();
        for (int i = 0; i < 1_000_000; i++) {
            if (h.outbox() < 0) {
                break; // this server does not report its outbox
            }
            if (backlog < 0) {
                backlog = h.outbox();
            }
            if (h.outbox() <= Math.max(0, h.failed())) {
                return new Drain(backlog, (System.nanoTime() - start) / 1e9, h.projected(), System.nanoTime(), false);
            }
            if (System.nanoTime() > deadline) {
                log("    the outbox still holds %d events after %.0f s; going on", h.outbox(), timeoutS);
                return new Drain(backlog, timeoutS, h.projected(), System.nanoTime(), true);
            }
            ClosedLoop.parkUntil(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200));
            h = http.health();
        }
        return new Drain(-1, 0, h.projected(), System.nanoTime(), false);
    }

    static String summary(ClosedLoop.Result r) {
        return String.format("%,.0f events/s (%,.0f requests/s), p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.1f ms, %d errors%s",
                r.eventsPerSecond(), r.opsPerSecond(), r.percentileMs(50), r.percentileMs(95), r.percentileMs(99), r.percentileMs(100),
                r.errors(), r.firstError() == null ? "" : " (first: " + r.firstError() + ")");
    }

    static void log(String format, Object... args) {
        System.out.printf("[bench] " + format + "%n", args);
        System.out.flush();
    }
}
