package io.rapport.bench;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;
import jakarta.mail.Address;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

/**
 * Personalised emails through the running server to an SMTP sink on loopback (GreenMail, in this JVM). The measured
 * run is a campaign: {@code POST /api/v1/messages/batch} with {@code --batch} recipients each, from {@code --batch-threads}
 * clients (the kernel checks, renders a Mustache template with each customer's first name and their own data, stores
 * the messages, has the email plugin send them over SMTP, and records the outcomes). A second, smaller run sends one
 * {@code POST /api/v1/messages} per message, as a shop's order confirmations do. Counted at the sink, with every
 * {@code X-Rapport-Message-Id} checked for duplicates. Baseline in the same run: a bare Jakarta Mail loop over one
 * reused connection to the same sink.
 */
public final class EmailBench {

    static final Set<String> OPTIONS = Set.of("url", "messages", "warmup-messages", "threads", "customers", "connections", "out", "machine", "command", "db",
            "batch", "batch-threads", "single-messages");
    static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([0-9a-f-]{36})\"");
    static final Pattern NEXT = Pattern.compile("\"next\"\\s*:\\s*\"([^\"]+)\"");
    static final Pattern STATE = Pattern.compile("\"state\"\\s*:\\s*\"([A-Z]+)\"");

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args, OPTIONS);
        String pw = Http.adminPassword();
        if (pw == null) {
            System.exit(2);
        }
        Http http = new Http(URI.create(o.str("url", "http://127.0.0.1:9080")));
        String admin = Http.basic("admin", pw);
        int messages = o.integer("messages", 100_000);
        int warm = o.integer("warmup-messages", 5_000);
        int threads = o.integer("threads", 8);
        int customers = o.integer("customers", 1_000);
        int connections = o.integer("connections", 4);
        int batch = o.integer("batch", 500);
        int batchThreads = o.integer("batch-threads", 4);
        int single = o.integer("single-messages", 20_000);

        GreenMail sink = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
        sink.start();
        try {
            int port = sink.getSmtp().getPort();
            log("SMTP sink (GreenMail) on 127.0.0.1:%d", port);
            Http.expect(http.put("/api/v1/admin/configurations/io.rapport.channel.email", admin, "{\"host\": \"127.0.0.1\", \"port\": " + port
                    + ", \"security\": \"none\", \"from\": \"news@bench.example\", \"fromName\": \"Bench\", \"connections\": " + connections + "}"), 200, 201);
            awaitChannel(http, admin);
            List<String> ids = customers(http, pw, admin, customers);
            log("%d customers", ids.size());

            log("warm-up: %,d messages in batches, %,d one by one, not measured", warm, warm / 5);
            runBatches(http, admin, ids, warm, batch, batchThreads);
            run(http, admin, ids, warm / 5, threads);
            sink.purgeEmailFromAllMailboxes();

            log("server, batches: %,d messages, %,d per batch, %d client threads", messages, batch, batchThreads);
            Result server = runBatches(http, admin, ids, messages, batch, batchThreads);
            Counted atSink = count(sink);
            log("  %,.0f messages/s, %,d sent, %,d received, %d duplicates, %d not sent", server.perSecond(), server.sent(), atSink.received(),
                    atSink.duplicates(), server.failed());
            sink.purgeEmailFromAllMailboxes();

            Result one = null;
            Counted oneAtSink = null;
            if (single > 0) {
                log("server, one request per message: %,d messages, %d client threads", single, threads);
                one = run(http, admin, ids, single, threads);
                oneAtSink = count(sink);
                log("  %,.0f messages/s, %,d sent, %,d received, %d duplicates, %d not sent", one.perSecond(), one.sent(), oneAtSink.received(),
                        oneAtSink.duplicates(), one.failed());
                sink.purgeEmailFromAllMailboxes();
            }

            log("baseline: a bare Jakarta Mail loop over one connection, %,d messages", messages);
            double baseline = bare(port, messages);
            log("  %,.0f messages/s", baseline);

            String md = "## Email dispatch (" + Instant.now() + ")\n\n```sh\n" + o.str("command", "") + "\n```\n\n"
                    + "- Machine: " + o.str("machine", "") + "\n- Database: " + o.str("db", "") + "\n"
                    + String.format("- %,d personalised messages (`Hello {{customer.firstName}}, order {{data.order}} …`, transactional) to %,d "
                            + "customers through `POST /api/v1/messages/batch` (%,d recipients per request, %d client threads); the email plugin "
                            + "with %d SMTP connections; GreenMail as the sink; warm-up first.%n", messages, customers, batch, batchThreads, connections)
                    + (one == null ? "" : String.format("- Then %,d messages with one `POST /api/v1/messages` each, %d client threads.%n", single,
                            threads))
                    + "\n| run | messages/s | bare Jakarta Mail loop (baseline) | ratio | sent / received / duplicates / not sent | target |\n"
                    + "|---|---|---|---|---|---|\n"
                    + String.format("| batches | %,.0f | %,.0f | %.2f× | %,d / %,d / %d / %d | ≥ 1,000/s, 0 duplicates — %s |%n", server.perSecond(),
                            baseline, server.perSecond() / baseline, server.sent(), atSink.received(), atSink.duplicates(), server.failed(),
                            server.perSecond() >= 1000 && atSink.duplicates() == 0 && atSink.received() == server.sent() ? "met" : "**missed**")
                    + (one == null ? "" : String.format("| one request per message | %,.0f | | %.2f× | %,d / %,d / %d / %d | |%n", one.perSecond(),
                            one.perSecond() / baseline, one.sent(), oneAtSink.received(), oneAtSink.duplicates(), one.failed()));
            System.out.println(md);
            Report.write(o.str("out", null), md);
        } finally {
            sink.stop();
        }
        System.exit(0);
    }

    record Counted(int received, int duplicates) {
    }

    static Counted count(GreenMail sink) {
        Set<String> seen = new HashSet<>();
        int duplicates = 0;
        MimeMessage[] all = sink.getReceivedMessages();
        for (MimeMessage m : all) {
            try {
                if (!seen.add(m.getHeader("X-Rapport-Message-Id", null))) {
                    duplicates++;
                }
            } catch (jakarta.mail.MessagingException e) {
                throw new IllegalStateException(e);
            }
        }
        return new Counted(all.length, duplicates);
    }

    static final Pattern SENT_STATE = Pattern.compile("\"state\"\\s*:\\s*\"SENT\"");

    /** Sends {@code messages} in batches of {@code batch} recipients from {@code threads} clients. */
    static Result runBatches(Http http, String admin, List<String> ids, int messages, int batch, int threads) throws Exception {
        AtomicInteger next = new AtomicInteger();
        AtomicLong sent = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        double seconds = Parallel.seconds(threads, () -> {
            for (int from; (from = next.getAndAdd(batch)) < messages; ) {
                int to = Math.min(messages, from + batch);
                StringBuilder b = new StringBuilder("{\"channel\": \"email\", \"purpose\": \"transactional\", "
                        + "\"subject\": \"Your order {{data.order}}\", \"text\": \"Hello {{customer.firstName}}, order {{data.order}} is on its way.\", "
                        + "\"recipients\": [");
                for (int i = from; i < to; i++) {
                    b.append(i == from ? "" : ",").append("{\"customerId\": \"").append(ids.get(i % ids.size()))
                            .append("\", \"data\": {\"order\": \"B-").append(i).append("\"}}");
                }
                try {
                    Http.Response r = http.post("/api/v1/messages/batch", admin, b.append("]}").toString());
                    int ok = 0;
                    if (r.status() == 200) {
                        Matcher m = SENT_STATE.matcher(r.body());
                        while (m.find()) {
                            ok++;
                        }
                    } else if (failed.get() < 3) {
                        log("  batch refused: %d %s", r.status(), r.body().substring(0, Math.min(500, r.body().length())));
                    }
                    sent.addAndGet(ok);
                    failed.addAndGet(to - from - ok);
                } catch (Exception e) {
                    failed.addAndGet(to - from);
                }
            }
        });
        return new Result(messages / seconds, sent.get(), failed.get());
    }

    record Result(double perSecond, long sent, long failed) {
    }

    static Result run(Http http, String admin, List<String> ids, int messages, int threads) throws Exception {
        AtomicInteger next = new AtomicInteger();
        AtomicLong sent = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        double seconds = Parallel.seconds(threads, () -> {
            for (int i; (i = next.getAndIncrement()) < messages; ) {
                String body = "{\"customerId\": \"" + ids.get(i % ids.size()) + "\", \"channel\": \"email\", \"purpose\": \"transactional\", "
                        + "\"subject\": \"Your order {{data.order}}\", \"text\": \"Hello {{customer.firstName}}, order {{data.order}} is on its way.\", "
                        + "\"data\": {\"order\": \"B-" + i + "\"}}";
                try {
                    Http.Response r = http.post("/api/v1/messages", admin, body);
                    Matcher m = STATE.matcher(r.body());
                    if (r.status() == 201 && m.find() && m.group(1).equals("SENT")) {
                        sent.incrementAndGet();
                    } else {
                        if (failed.incrementAndGet() <= 3) {
                            log("  not sent: %d %s", r.status(), r.body());
                        }
                    }
                } catch (Exception e) {
                    failed.incrementAndGet();
                }
            }
        });
        return new Result(messages / seconds, sent.get(), failed.get());
    }

    static double bare(int port, int messages) throws Exception {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", Integer.toString(port));
        Session session = Session.getInstance(p);
        long t0;
        try (Transport t = session.getTransport("smtp")) {
            t.connect();
            t0 = System.nanoTime();
            for (int i = 0; i < messages; i++) {
                MimeMessage m = new MimeMessage(session);
                m.setFrom(new InternetAddress("news@bench.example", "Bench", "UTF-8"));
                InternetAddress to = new InternetAddress("c" + (i % 1000) + "@bench.example");
                m.setRecipient(Message.RecipientType.TO, to);
                m.setSubject("Your order B-" + i, "UTF-8");
                m.setText("Hello Ada, order B-" + i + " is on its way.", "UTF-8");
                m.saveChanges();
                t.sendMessage(m, new Address[] {to});
            }
        }
        return messages / ((System.nanoTime() - t0) / 1e9);
    }

    /** Creates the customers with one batch of identify events and returns their ids. */
    static List<String> customers(Http http, String adminPassword, String admin, int n) throws Exception {
        String key = "Bearer " + http.createApiKey(adminPassword, "email-bench");
        for (int from = 0; from < n; from += 500) {
            StringBuilder b = new StringBuilder("[");
            for (int i = from; i < Math.min(n, from + 500); i++) {
                b.append(i == from ? "" : ",").append("{\"type\": \"customer.identified\", \"customer\": {\"email\": \"reader").append(i)
                        .append("@bench.example\"}, \"traits\": {\"firstName\": \"Reader").append(i).append("\"}}");
            }
            Http.expect(http.post("/api/v1/events", key, b.append(']').toString()), 202);
        }
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!http.customerExists("reader" + (n - 1) + "@bench.example", admin)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the customers did not appear within 60 s");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L);
        }
        List<String> ids = new ArrayList<>();
        String cursor = null;
        do {
            Http.Response r = http.get("/api/v1/customers?limit=100" + (cursor == null ? "" : "&cursor=" + cursor), admin);
            Matcher m = ID.matcher(r.body());
            while (m.find()) {
                ids.add(m.group(1));
            }
            Matcher nx = NEXT.matcher(r.body());
            cursor = nx.find() ? nx.group(1) : null;
        } while (cursor != null);
        return ids;
    }

    static void awaitChannel(Http http, String admin) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!http.get("/api/v1/channels", admin).body().contains("\"email\"")) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the email channel did not become active: is channel-email in the server's plugins folder?");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L);
        }
    }

    static void log(String fmt, Object... args) {
        System.err.printf("[email-bench] " + fmt + "%n", args);
    }
}
