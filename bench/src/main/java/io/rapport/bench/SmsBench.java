package io.rapport.bench;

import java.net.URI;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.rapport.plugin.channel.sms.TestSmsc;
import org.jsmpp.bean.BindType;
import org.jsmpp.bean.ESMClass;
import org.jsmpp.bean.NumberingPlanIndicator;
import org.jsmpp.bean.RawDataCoding;
import org.jsmpp.bean.RegisteredDelivery;
import org.jsmpp.bean.TypeOfNumber;
import org.jsmpp.session.BindParameter;
import org.jsmpp.session.SMPPSession;

/**
 * Personalised SMS through the running server to an SMSC on loopback ({@link TestSmsc}, jSMPP's server side, in this
 * JVM), with the channel's rate limit set to {@code --rate}. A campaign of {@code --messages} goes through
 * {@code POST /api/v1/messages/batch} ({@code --batch} recipients per request, {@code --batch-threads} clients); everything
 * is measured at the SMSC: submits accepted, duplicates (each text carries its own order number), the busiest one-second
 * window (never above the rate) and the average rate from the first submit to the last (target ≥ 95 % of the rate).
 * Baseline in the same run: a bare jSMPP loop on its own bind to the same SMSC, paced at the same rate.
 */
public final class SmsBench {

    static final Set<String> OPTIONS = Set.of("url", "messages", "rate", "customers", "batch", "batch-threads", "warmup-messages", "out", "machine",
            "command", "db");
    static final String CONFIG = "/api/v1/admin/configurations/io.rapport.channel.sms";
    static final String SENDER = "Bench";
    static final String TEXT = "Hello {{customer.firstName}}, order {{data.order}} ships today.";
    static final Pattern ORDER = Pattern.compile("order (\\S+) ships");
    static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([0-9a-f-]{36})\"");
    static final Pattern TENANT = Pattern.compile("\"tenantId\"\\s*:\\s*\"([0-9a-f-]{36})\"");
    static final Pattern STATE = Pattern.compile("\"state\"\\s*:\\s*\"([A-Z]+)\"");
    static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    static final double TARGET = 0.95;

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args, OPTIONS);
        String pw = Http.adminPassword();
        if (pw == null) {
            System.exit(2);
        }
        Http http = new Http(URI.create(o.str("url", "http://127.0.0.1:9080")));
        String admin = Http.basic("admin", pw);
        int messages = o.integer("messages", 10_000);
        int rate = o.integer("rate", 200);
        int customers = o.integer("customers", 1_000);
        int batch = o.integer("batch", 500);
        // a batch answers once every first attempt has an outcome: keep each request well inside the client's 30 s timeout
        int batchThreads = o.integer("batch-threads", Math.max(1, Math.min(3, rate * 20 / batch)));
        int warm = o.integer("warmup-messages", Math.min(messages, 2 * rate));

        try (TestSmsc smsc = new TestSmsc()) {
            log("SMSC (TestSmsc on jSMPP) on 127.0.0.1:%d", smsc.port);
            String tenant = match(TENANT, http.get("/api/v1/me", admin).body());
            Http.expect(http.put(CONFIG, admin, "{\"host\": \"127.0.0.1\", \"port\": " + smsc.port + ", \"systemId\": \"bench\", \"password\": \"bench\", "
                    + "\"sourceAddress\": \"" + SENDER + "\", \"tenantId\": \"" + tenant + "\", \"ratePerSecond\": " + rate + "}"), 200, 201);
            awaitBound(http, admin, smsc);
            List<String> ids = customers(http, admin, customers);
            log("%d customers with a phone and marketing consent on sms", ids.size());

            log("warm-up: %,d messages, not measured", warm);
            campaign(http, admin, ids, "W", warm, batch, batchThreads);
            awaitAtSmsc(smsc, warm, rate);
            smsc.accepted.clear();

            log("server: %,d messages at %d/s, %d per batch, %d client threads", messages, rate, batch, batchThreads);
            long t0 = System.nanoTime();
            Campaign sent = campaign(http, admin, ids, "S", messages, batch, batchThreads);
            log("  requests answered after %.1f s: %s", (System.nanoTime() - t0) / 1e9, sent.states());
            boolean complete = awaitAtSmsc(smsc, messages, rate);
            double endToEnd = (System.nanoTime() - t0) / 1e9;
            Counted server = count(smsc.accepted, messages);
            int refused = smsc.refused.get();
            log("  at the SMSC: %,d accepted, %d duplicates, busiest second %d, average %.1f/s over %.1f s", server.accepted(), server.duplicates(),
                    server.busiest(), server.perSecond(), server.seconds());
            smsc.accepted.clear();

            log("baseline: a bare jSMPP loop on its own bind, %,d submits paced at %d/s", messages, rate);
            bare(smsc.port, messages, rate);
            Counted baseline = count(smsc.accepted, messages);
            log("  at the SMSC: %,d accepted, busiest second %d, average %.1f/s", baseline.accepted(), baseline.busiest(), baseline.perSecond());

            boolean met = complete && server.accepted() == messages && server.duplicates() == 0 && server.busiest() <= rate
                    && server.perSecond() >= TARGET * rate;
            String md = "## SMS dispatch (" + Instant.now() + ")\n\n```sh\n" + o.str("command", "") + "\n```\n\n"
                    + "- Machine: " + o.str("machine", "") + "\n- Database: " + o.str("db", "") + "\n"
                    + String.format(Locale.ROOT, "- %,d personalised messages (`%s`, marketing) to %,d customers through `POST /api/v1/messages/batch` "
                            + "(%,d recipients per request, %d client threads); the sms plugin over SMPP with `ratePerSecond` = %d to `TestSmsc` "
                            + "(jSMPP's server side) in the driver's JVM; %,d warm-up messages first. Everything below is counted at the SMSC.%n", messages,
                    TEXT, customers, batch, batchThreads, rate, warm)
                    + String.format(Locale.ROOT, "- The requests were answered after %.1f s (first attempts: %s); the last submit arrived %.1f s after the "
                            + "first request.%n", sent.seconds(), sent.states(), endToEnd)
                    + "\n| run | accepted / duplicates | busiest 1-s window | average rate, first → last submit | vs R | vs baseline | target |\n"
                    + "|---|---|---|---|---|---|---|\n"
                    + String.format(Locale.ROOT, "| server (batches) | %,d / %d | %d | %.1f/s over %.1f s | %.3f | %.3f | all once, window ≤ %d, ≥ %.0f/s — %s |%n",
                    server.accepted(), server.duplicates(), server.busiest(), server.perSecond(), server.seconds(), server.perSecond() / rate,
                    server.perSecond() / baseline.perSecond(), rate, TARGET * rate, met ? "met" : "**missed**")
                    + String.format(Locale.ROOT, "| bare jSMPP loop (baseline) | %,d / %d | %d | %.1f/s over %.1f s | %.3f | 1 | |%n", baseline.accepted(),
                    baseline.duplicates(), baseline.busiest(), baseline.perSecond(), baseline.seconds(), baseline.perSecond() / rate)
                    + String.format(Locale.ROOT, "%nR = %d/s. Submits refused by the SMSC: %d. The baseline paces one submit_sm every ⌈1 s / R⌉ and "
                    + "waits for each answer, as the channel's limiter does.%n", rate, refused);
            System.out.println(md);
            Report.write(o.str("out", null), md);
            System.exit(met ? 0 : 1);
        }
    }

    /** The submits of one run as the SMSC saw them. */
    record Counted(int accepted, int duplicates, int busiest, double perSecond, double seconds) {
    }

    static Counted count(List<TestSmsc.Submitted> submits, int expected) {
        long[] at = submits.stream().mapToLong(TestSmsc.Submitted::arrivedNanos).sorted().toArray();
        Set<String> orders = new HashSet<>();
        int duplicates = 0;
        for (TestSmsc.Submitted s : submits) {
            Matcher m = ORDER.matcher(s.text());
            if (m.find() && !orders.add(m.group(1))) {
                duplicates++;
            }
        }
        int busiest = 0;
        for (int first = 0, last = 0; last < at.length; last++) {
            while (at[last] - at[first] >= SECOND) {
                first++;
            }
            busiest = Math.max(busiest, last - first + 1);
        }
        double seconds = at.length < 2 ? 0 : (at[at.length - 1] - at[0]) / 1e9;
        return new Counted(at.length, duplicates, busiest, seconds == 0 ? 0 : (at.length - 1) / seconds, seconds);
    }

    record Campaign(double seconds, String states) {
    }

    /** Sends {@code messages} messages with order numbers {@code prefix-0…}, in batches of {@code batch}, from {@code threads} clients. */
    static Campaign campaign(Http http, String admin, List<String> ids, String prefix, int messages, int batch, int threads) throws Exception {
        AtomicInteger next = new AtomicInteger();
        java.util.concurrent.ConcurrentHashMap<String, AtomicLong> states = new java.util.concurrent.ConcurrentHashMap<>();
        double seconds = Parallel.seconds(threads, () -> {
            for (int from; (from = next.getAndAdd(batch)) < messages; ) {
                int to = Math.min(messages, from + batch);
                StringBuilder b = new StringBuilder("{\"channel\": \"sms\", \"purpose\": \"marketing\", \"text\": \"" + TEXT + "\", \"recipients\": [");
                for (int i = from; i < to; i++) {
                    b.append(i == from ? "" : ",").append("{\"customerId\": \"").append(ids.get(i % ids.size())).append("\", \"data\": {\"order\": \"")
                            .append(prefix).append('-').append(i).append("\"}}");
                }
                try {
                    Http.Response r = http.post("/api/v1/messages/batch", admin, b.append("]}").toString());
                    if (r.status() != 200) {
                        log("  batch refused: %d %s", r.status(), r.body().substring(0, Math.min(500, r.body().length())));
                        states.computeIfAbsent("HTTP " + r.status(), k -> new AtomicLong()).addAndGet(to - from);
                        continue;
                    }
                    Matcher m = STATE.matcher(r.body());
                    while (m.find()) {
                        states.computeIfAbsent(m.group(1), k -> new AtomicLong()).incrementAndGet();
                    }
                } catch (Exception e) {
                    log("  batch failed: %s", e);
                    states.computeIfAbsent("no answer", k -> new AtomicLong()).addAndGet(to - from);
                }
            }
        });
        return new Campaign(seconds, new java.util.TreeMap<>(states).toString());
    }

    /** Waits until the SMSC has {@code n} submits (messages the kernel retries arrive later); false after a generous timeout. */
    static boolean awaitAtSmsc(TestSmsc smsc, int n, int rate) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120 + 3L * n / rate);
        while (smsc.accepted.size() < n) {
            if (System.nanoTime() > deadline) {
                log("  only %,d of %,d submits reached the SMSC", smsc.accepted.size(), n);
                return false;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
        // let late duplicates (a retry of a message already sent) show up before counting
        LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(2));
        return true;
    }

    /** Submits {@code n} messages on a bind of its own, one every ⌈1 s / rate⌉, each awaited. */
    static void bare(int port, int n, int rate) throws Exception {
        long interval = (SECOND + rate - 1) / rate;
        SMPPSession s = new SMPPSession();
        try {
            s.connectAndBind("127.0.0.1", port, new BindParameter(BindType.BIND_TRX, "baseline", "baseline", "", TypeOfNumber.UNKNOWN,
                    NumberingPlanIndicator.UNKNOWN, null));
            long next = System.nanoTime();
            for (int i = 0; i < n; i++) {
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                next = Math.max(next + interval, System.nanoTime());
                byte[] text = TestSmsc.gsm7("Hello Ada, order B-" + i + " ships today.");
                s.submitShortMessage("", TypeOfNumber.ALPHANUMERIC, NumberingPlanIndicator.UNKNOWN, SENDER, TypeOfNumber.INTERNATIONAL,
                        NumberingPlanIndicator.ISDN, String.format(Locale.ROOT, "3361%07d", i % 10_000_000), new ESMClass(), (byte) 0, (byte) 1, null, null,
                        new RegisteredDelivery(1), (byte) 0, new RawDataCoding(TestSmsc.CODING_GSM7), (byte) 0, text);
            }
        } finally {
            s.unbindAndClose();
        }
    }

    /** Creates the customers, each with a phone and marketing consent on sms, from four client threads; returns their ids. */
    static List<String> customers(Http http, String admin, int n) throws Exception {
        String[] ids = new String[n];
        AtomicInteger next = new AtomicInteger();
        int base = (int) (System.nanoTime() % 1_000_000);
        Parallel.seconds(4, () -> {
            for (int i; (i = next.getAndIncrement()) < n; ) {
                String body = String.format(Locale.ROOT, "{\"phone\": \"+3361%07d\", \"firstName\": \"Reader%d\", \"consents\": [{\"purpose\": "
                        + "\"marketing\", \"channel\": \"sms\", \"status\": \"granted\", \"source\": \"bench\"}]}", (base + i) % 10_000_000, i);
                try {
                    Http.Response r = http.post("/api/v1/customers", admin, body);
                    Http.expect(r, 201);
                    ids[i] = match(ID, r.body());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        if (Arrays.stream(ids).anyMatch(java.util.Objects::isNull)) {
            throw new IllegalStateException("some customers were not created");
        }
        return List.of(ids);
    }

    static void awaitBound(Http http, String admin, TestSmsc smsc) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!http.get("/api/v1/channels", admin).body().contains("\"sms\"") || smsc.session() == null) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the sms channel did not bind: is channel-sms in the server's plugins folder?");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    static String match(Pattern p, String s) {
        Matcher m = p.matcher(s);
        if (!m.find()) {
            throw new IllegalStateException("no " + p + " in " + s);
        }
        return m.group(1);
    }

    static void log(String fmt, Object... args) {
        System.err.printf("[sms-bench] " + fmt + "%n", args);
    }
}
