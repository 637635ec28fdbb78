package io.rapport.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpServer;
import io.rapport.testkit.PluginTestHost;
import org.HdrHistogram.Histogram;
import org.osgi.framework.Bundle;

/**
 * The plugin host's benchmark against the running server, with the webhook plugin's jar:
 * (p) install → active and configuration → applied, each beside the same operation on the kernel's plugin host in
 * this JVM (no HTTP, no database: the testkit); (q) plugin install/configure/uninstall churn under a steady open-loop
 * ingest, with the ingest latency without churn as the baseline, and a check that no acknowledged event is lost.
 */
public final class PluginBench {

    static final Set<String> OPTIONS = Set.of("url", "plugin-jar", "rounds", "rate", "duration", "warmup", "churn-interval-ms", "out", "machine", "server-pid", "clk-tck", "db",
            "command");
    static final String NAME = "io.rapport.plugin.channel.webhook";
    static final String PID = "io.rapport.channel.webhook";
    static final String SECRET = "whsec_" + java.util.Base64.getEncoder().encodeToString("rapport-benchmark-secret-32bytes".getBytes(StandardCharsets.UTF_8));
    static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");

    private final URI base;
    private final String admin;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private final ConcurrentLinkedQueue<String> hits = new ConcurrentLinkedQueue<>();

    PluginBench(URI base, String admin) {
        Http.requireLoopback(base);
        this.base = base;
        this.admin = admin;
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args, OPTIONS);
        String pw = Http.adminPassword();
        if (pw == null) {
            System.exit(2);
        }
        PluginBench b = new PluginBench(URI.create(o.str("url", "http://127.0.0.1:9080")), Http.basic("admin", pw));
        byte[] jar = Files.readAllBytes(Path.of(o.str("plugin-jar", "plugins/channel-webhook/target/channel-webhook-0.1.0-SNAPSHOT.jar")));
        String md = b.run(jar, o.integer("rounds", 20), o.number("rate", 500), o.number("duration", 20), o.number("warmup", 15), o.longValue("churn-interval-ms", 1000), o.str("machine", ""), o.str("command", ""),
                o.str("db", ""));
        System.out.println(md);
        Report.write(o.str("out", null), md);
        System.exit(0);
    }

    String run(byte[] jar, int rounds, double rate, double duration, double warmup, long churnIntervalMs, String machine, String command, String db) throws Exception {
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/", ex -> {
            hits.add(ex.getRequestURI().getPath());
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        receiver.start();
        String hook = "http://127.0.0.1:" + receiver.getAddress().getPort();
        try {
            cleanUp();
            String key = "Bearer " + apiKey();
            String customer = customer();
            log("(p) %d rounds of install -> active -> configured -> applied -> uninstall", rounds);
            Histogram install = new Histogram(3), configure = new Histogram(3), change = new Histogram(3);
            for (int r = 0; r < rounds + 3; r++) {
                boolean measured = r >= 3; // three rounds warm the code paths up
                long t0 = System.nanoTime();
                expect(send("POST", "/api/v1/admin/plugins?start=true", jar, "application/java-archive"), 201);
                await(() -> get("/api/v1/admin/plugins/" + NAME).contains("\"state\":\"active\""));
                long t1 = System.nanoTime();
                expect(send("PUT", "/api/v1/admin/configurations/" + PID, config(hook + "/a"), "application/json"), 201);
                await(() -> get("/api/v1/admin/plugins/" + NAME).contains("\"state\":\"active\",\"failure\":null"));
                long t2 = System.nanoTime();
                hits.clear();
                String path = "/b" + r;
                long t3 = System.nanoTime();
                expect(send("PUT", "/api/v1/admin/configurations/" + PID, config(hook + path), "application/json"), 200);
                // applied = the next message goes to the new URL
                await(() -> {
                    message(customer);
                    return hits.contains(path);
                });
                long t4 = System.nanoTime();
                if (measured) {
                    install.recordValue((t1 - t0) / 1000);
                    configure.recordValue((t2 - t1) / 1000);
                    change.recordValue((t4 - t3) / 1000);
                }
                expect(send("DELETE", "/api/v1/admin/plugins/" + NAME, null, null), 204);
                expect(send("DELETE", "/api/v1/admin/configurations/" + PID, null, null), 204);
            }
            log("    server: install->active p95 %.1f ms, config->component active p95 %.1f ms, change->applied p95 %.1f ms",
                    ms(install, 95), ms(configure, 95), ms(change, 95));
            Histogram[] host = inProcess(jar, rounds, hook);
            log("    in-process host: install->active p95 %.1f ms, config->active p95 %.1f ms", ms(host[0], 95), ms(host[1], 95));

            log("(q) ingest at %.0f events/s for %.0f s without churn, then with install/configure/uninstall churn", rate, duration);
            log("    warm-up: %.0f s of the same load, not measured", warmup);
            load(key, rate, warmup, null);
            Load quiet = load(key, rate, duration, null);
            log("    without churn: %s", quiet);
            AtomicLong churns = new AtomicLong();
            Runnable cycle = () -> {
                try {
                    expect(send("POST", "/api/v1/admin/plugins?start=true", jar, "application/java-archive"), 201);
                    expect(send("PUT", "/api/v1/admin/configurations/" + PID, config(hook + "/c"), "application/json"), 201);
                    expect(send("DELETE", "/api/v1/admin/plugins/" + NAME, null, null), 204);
                    expect(send("DELETE", "/api/v1/admin/configurations/" + PID, null, null), 204);
                    churns.incrementAndGet();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            };
            Load churned = load(key, rate, duration, paced(cycle, churnIntervalMs));
            long paced = churns.getAndSet(0);
            log("    with one cycle every %d ms: %s, %d install/uninstall cycles", churnIntervalMs, churned, paced);
            Load flatOut = load(key, rate, duration, cycle);
            long flat = churns.get();
            log("    with cycles back to back: %s, %d install/uninstall cycles", flatOut, flat);
            // the baseline again, after the churn: a warming JIT or a busy neighbour shows as a difference between the two
            Load quiet2 = load(key, rate, duration, null);
            log("    without churn, again: %s", quiet2);
            double baseP50 = (quiet.p(50) + quiet2.p(50)) / 2;
            double baseP99 = (quiet.p(99) + quiet2.p(99)) / 2;

            StringBuilder md = new StringBuilder();
            md.append("| figure | server | in-process host (baseline) | ratio | target |\n|---|---|---|---|---|\n");
            md.append(row("install → active, p50", ms(install, 50), ms(host[0], 50), null));
            md.append(row("install → active, p95", ms(install, 95), ms(host[0], 95), "≤ 1,000 ms"));
            md.append(row("configuration created → component active, p95", ms(configure, 95), ms(host[1], 95), null));
            md.append(String.format("| configuration changed → applied (next send goes to the new URL), p95 | %.1f ms | — | — | ≤ 200 ms |%n", ms(change, 95)));
            md.append(String.format("%n| figure | without churn (baseline) | one cycle every %d ms | ratio | cycles back to back | ratio | target |%n", churnIntervalMs));
            md.append("|---|---|---|---|---|---|---|\n");
            md.append(String.format("| ingest p50 at %.0f events/s | %.1f ms (%.1f before, %.1f after) | %.1f ms | %.2f | %.1f ms | %.2f | |%n", rate, baseP50,
                    quiet.p(50), quiet2.p(50), churned.p(50), churned.p(50) / baseP50, flatOut.p(50), flatOut.p(50) / baseP50));
            md.append(String.format("| ingest p99 at %.0f events/s | %.1f ms (%.1f before, %.1f after) | %.1f ms | %.2f | %.1f ms | %.2f | ≤ 2.0 |%n", rate, baseP99,
                    quiet.p(99), quiet2.p(99), churned.p(99), churned.p(99) / baseP99, flatOut.p(99), flatOut.p(99) / baseP99));
            md.append(String.format("| events acknowledged / on profiles after the run | %d / %d | %d / %d | | %d / %d | | none lost |%n", quiet.acked + quiet2.acked,
                    quiet.visible + quiet2.visible, churned.acked, churned.visible, flatOut.acked, flatOut.visible));
            md.append(String.format("| failed requests | %d | %d | | %d | | 0 |%n", quiet.errors + quiet2.errors, churned.errors, flatOut.errors));
            md.append(String.format("| install → configure → uninstall cycles during the run | | %d | | %d | | |%n", paced, flat));
            md.append("\n").append(rounds).append(" measured rounds after 3 warm-up rounds; ").append(db.isEmpty() ? "" : "database " + db + "; ")
                    .append(machine).append("\n\nCommand: `").append(command).append("`\n");
            return md.toString();
        } finally {
            receiver.stop(0);
        }
    }

    /** The same install and configuration on the kernel's plugin host in this JVM: no HTTP, no database. */
    Histogram[] inProcess(byte[] jar, int rounds, String hook) throws Exception {
        Histogram install = new Histogram(3), configure = new Histogram(3);
        Path file = Files.createTempFile("bench-plugin", ".jar");
        Files.write(file, jar);
        try (PluginTestHost host = PluginTestHost.start()) {
            for (int r = 0; r < rounds + 3; r++) {
                long t0 = System.nanoTime();
                Bundle b = host.install(file);
                long t1 = System.nanoTime();
                host.configure(PID, Map.of("url", hook + "/x", "secret", SECRET));
                host.awaitChannel("webhook", Duration.ofSeconds(10));
                long t2 = System.nanoTime();
                if (r >= 3) {
                    install.recordValue((t1 - t0) / 1000);
                    configure.recordValue((t2 - t1) / 1000);
                }
                host.deleteConfiguration(PID);
                await(() -> !host.hasService(io.rapport.spi.channel.Channel.class, null));
                b.uninstall();
            }
        } finally {
            Files.deleteIfExists(file);
        }
        return new Histogram[] {install, configure};
    }

    /** Runs {@code cycle} once every {@code intervalMs}, from the loop {@link #load} gives it. */
    static Runnable paced(Runnable cycle, long intervalMs) {
        long[] next = {0};
        return () -> {
            if (next[0] == 0) {
                next[0] = System.nanoTime();
            }
            ClosedLoop.parkUntil(next[0]);
            cycle.run();
            next[0] += intervalMs * 1_000_000L;
        };
    }

    record Load(long acked, long visible, long errors, Histogram latency) {
        double p(double q) {
            return latency.getValueAtPercentile(q) / 1000.0;
        }

        @Override
        public String toString() {
            return String.format("%d acknowledged, %d projected, %d errors, p50 %.1f ms, p99 %.1f ms", acked, visible, errors, p(50), p(99));
        }
    }

    /** Open-loop ingest: one event every 1/rate s, whatever the latency; {@code churn} runs in a loop beside it. */
    Load load(String key, double rate, double seconds, Runnable churn) throws Exception {
        long projected0 = projected();
        Histogram h = new Histogram(TimeUnit.MINUTES.toMicros(2), 3);
        AtomicLong acked = new AtomicLong(), errors = new AtomicLong();
        Thread churner = null;
        java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        if (churn != null) {
            churner = new Thread(() -> {
                while (running.get()) {
                    churn.run();
                }
            }, "bench-churn");
            churner.start();
        }
        long interval = (long) (1e9 / rate);
        long start = System.nanoTime();
        long n = (long) (rate * seconds);
        java.util.List<CompletableFuture<?>> inflight = new java.util.ArrayList<>();
        String run = Long.toHexString(System.nanoTime());
        for (long i = 0; i < n; i++) {
            long due = start + i * interval;
            ClosedLoop.parkUntil(due);
            String body = "{\"type\":\"page.viewed\",\"customer\":{\"email\":\"churn-" + run + "-" + (i % 2000) + "@example.com\"},\"properties\":{\"n\":" + i + "}}";
            HttpRequest r = HttpRequest.newBuilder(base.resolve("/api/v1/events")).timeout(Duration.ofSeconds(30)).header("Authorization", key)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
            inflight.add(client.sendAsync(r, HttpResponse.BodyHandlers.discarding()).whenComplete((resp, e) -> {
                // latency from when the request was due, so that a stalled sender counts (no coordinated omission)
                long us = (System.nanoTime() - due) / 1000;
                synchronized (h) {
                    h.recordValue(Math.min(h.getHighestTrackableValue(), us));
                }
                if (e == null && resp.statusCode() == 202) {
                    acked.incrementAndGet();
                } else {
                    errors.incrementAndGet();
                }
            }));
        }
        CompletableFuture.allOf(inflight.toArray(CompletableFuture[]::new)).exceptionally(e -> null).join();
        running.set(false);
        if (churner != null) {
            churner.join();
        }
        long target = projected0 + acked.get();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        long now = projected();
        while (now < target && System.nanoTime() < deadline) {
            ClosedLoop.parkUntil(System.nanoTime() + 50_000_000L);
            now = projected();
        }
        return new Load(acked.get(), now - projected0, errors.get(), h);
    }

    long projected() throws Exception {
        return Http.number(get("/health/ready"), "projected");
    }

    void cleanUp() throws Exception {
        if (send("GET", "/api/v1/admin/plugins/" + NAME, null, null).statusCode() == 200) {
            expect(send("DELETE", "/api/v1/admin/plugins/" + NAME, null, null), 204);
        }
        if (send("GET", "/api/v1/admin/configurations/" + PID, null, null).statusCode() == 200) {
            expect(send("DELETE", "/api/v1/admin/configurations/" + PID, null, null), 204);
        }
    }

    String apiKey() throws Exception {
        HttpResponse<String> r = expect(send("POST", "/api/v1/admin/api-keys", "{\"name\":\"plugin-bench\"}".getBytes(), "application/json"), 201);
        Matcher m = Pattern.compile("\"secret\"\\s*:\\s*\"([^\"]+)\"").matcher(r.body());
        m.find();
        return m.group(1);
    }

    String customer() throws Exception {
        HttpResponse<String> r = expect(send("POST", "/api/v1/customers", ("{\"email\":\"plugin-bench-" + System.nanoTime() + "@example.com\"}").getBytes(),
                "application/json"), 201);
        Matcher m = ID.matcher(r.body());
        m.find();
        return m.group(1);
    }

    void message(String customer) throws Exception {
        expect(send("POST", "/api/v1/messages", ("{\"customerId\":\"" + customer + "\",\"channel\":\"webhook\",\"purpose\":\"transactional\",\"text\":\"x\"}")
                .getBytes(), "application/json"), 201);
    }

    static byte[] config(String url) {
        return ("{\"url\":\"" + url + "\",\"secret\":\"" + SECRET + "\",\"timeoutSeconds\":2}").getBytes(StandardCharsets.UTF_8);
    }

    String get(String path) throws Exception {
        return send("GET", path, null, null).body();
    }

    HttpResponse<String> send(String method, String path, byte[] body, String type) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30)).header("Authorization", admin);
        if (type != null) {
            b.header("Content-Type", type);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> expect(HttpResponse<String> r, int status) {
        if (r.statusCode() != status) {
            throw new IllegalStateException(r.request().method() + " " + r.request().uri() + " answered " + r.statusCode() + ": " + r.body());
        }
        return r;
    }

    interface Check {
        boolean ok() throws Exception;
    }

    /** Polls every millisecond (the figures are tens of milliseconds), for at most 30 s. */
    static void await(Check c) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!c.ok()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not reached within 30 s");
            }
            ClosedLoop.parkUntil(System.nanoTime() + 1_000_000L);
        }
    }

    static double ms(Histogram h, double p) {
        return h.getValueAtPercentile(p) / 1000.0;
    }

    static String row(String figure, double server, double base, String target) {
        return String.format("| %s | %.1f ms | %.1f ms | %.1f | %s |%n", figure, server, base, server / base, target == null ? "" : target);
    }

    static void log(String format, Object... args) {
        System.out.printf("[plugin-bench] " + format + "%n", args);
    }
}
