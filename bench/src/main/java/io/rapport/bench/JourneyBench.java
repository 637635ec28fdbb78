package io.rapport.bench;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Journeys (issue 7): 100,000 customers waking from a wait at the same minute. The customers are seeded with COPY
 * ({@link ConsoleBench}'s), let into a journey through {@code POST /api/v1/journeys/{id}/enrol} (1,000 per call), and
 * their wait is then set to end at the same minute. Each then takes three steps: the end of the wait, a branch on a
 * tag, and a tag. The benchmark times from that minute until every run has completed, checks that no step was missed
 * or taken twice, and measures beside it, in the same run, the hand-written SQL that writes the same rows (the steps,
 * the tags, the runs' end) in one transaction, rolled back.
 */
public final class JourneyBench {

    static final Set<String> OPTIONS = Set.of("url", "jdbc-url", "jdbc-user", "customers", "out", "machine", "command", "db", "threads");
    static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");
    static final String DEFINITION = "{\"trigger\": {\"type\": \"manual\"}, \"start\": \"wait\", \"steps\": {"
            + "\"wait\": {\"type\": \"wait\", \"duration\": \"P1D\", \"next\": \"vip\"}, "
            + "\"vip\": {\"type\": \"branch\", \"condition\": {\"tag\": \"vip\"}, \"then\": \"thanks\", \"else\": \"woke\"}, "
            + "\"thanks\": {\"type\": \"tag\", \"tag\": \"woke-vip\", \"next\": null}, "
            + "\"woke\": {\"type\": \"tag\", \"tag\": \"woke\", \"next\": null}}}";
    /** The rows the journey writes for the runs that wake, by hand: three steps each, a tag each, the run's end. */
    static final String[] HAND_WRITTEN = {
        "INSERT INTO journey_step (run_id, seq, journey_id, version, step, outcome, detail, at) "
                + "SELECT r.id, r.seq, r.journey_id, r.version, 'wait', 'waited', NULL, now() FROM journey_run r WHERE r.journey_id = ? AND r.state = 'waiting'",
        "INSERT INTO journey_step (run_id, seq, journey_id, version, step, outcome, detail, at) "
                + "SELECT r.id, r.seq + 1, r.journey_id, r.version, 'vip', CASE WHEN t.tag IS NULL THEN 'else' ELSE 'then' END, NULL, now() "
                + "FROM journey_run r LEFT JOIN customer_tag t ON t.customer_id = r.customer_id AND t.tag = 'vip' WHERE r.journey_id = ? AND r.state = 'waiting'",
        "INSERT INTO journey_step (run_id, seq, journey_id, version, step, outcome, detail, at) "
                + "SELECT r.id, r.seq + 2, r.journey_id, r.version, 'woke', 'done', 'woke', now() FROM journey_run r WHERE r.journey_id = ? AND r.state = 'waiting'",
        "INSERT INTO customer_tag (tenant_id, customer_id, tag) SELECT r.tenant_id, r.customer_id, 'woke' FROM journey_run r "
                + "WHERE r.journey_id = ? AND r.state = 'waiting'",
        "UPDATE journey_run SET state = 'completed', step = NULL, seq = seq + 3, due_at = NULL, ended_at = now(), updated_at = now() "
                + "WHERE journey_id = ? AND state = 'waiting'"
    };

    private JourneyBench() {
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args, OPTIONS);
        PgRun run = PgRun.of(o, "journey");
        URI base = run.base();
        String admin = run.admin();
        Http http = run.http();
        String jdbc = run.jdbc();
        String user = run.user();
        int customers = o.integer("customers", 100_000);
        UUID tenant = Http.tenantOf(http, admin);
        long t0 = System.nanoTime();
        new ConsoleBench(base, admin, jdbc, user).seedFor(tenant, customers, 1000);
        log("seeded %,d customers in %.0f s", customers, (System.nanoTime() - t0) / 1e9);

        Http.Response created = http.post("/api/v1/journeys", admin, "{\"name\": \"bench wake " + UUID.randomUUID() + "\", \"definition\": " + DEFINITION + "}");
        Http.expect(created, 201);
        Matcher im = ID.matcher(created.body());
        im.find();
        String journey = im.group(1);
        Http.expect(http.post("/api/v1/journeys/" + journey + "/publish", admin, ""), 200);

        long e0 = System.nanoTime();
        for (int from = 0; from < customers; from += 1000) {
            StringBuilder ids = new StringBuilder();
            for (int i = from; i < Math.min(customers, from + 1000); i++) {
                ids.append(ids.length() == 0 ? "\"" : ", \"").append(ConsoleBench.customerId(i)).append('"');
            }
            Http.Response r = http.post("/api/v1/journeys/" + journey + "/enrol", admin, "{\"customerIds\": [" + ids + "]}");
            Http.expect(r, 200);
        }
        double enrolS = (System.nanoTime() - e0) / 1e9;
        UUID journeyId = UUID.fromString(journey);
        double enteredS = awaitState(jdbc, user, journeyId, "waiting", customers, 600);
        log("enrolled %,d in %.1f s; all waiting %.1f s after", customers, enrolS, enteredS);

        try (Connection c = DriverManager.getConnection(jdbc, user, System.getenv("BASELINE_PASSWORD"))) {
            // the baseline: the same rows, written by hand in one transaction, rolled back (best of 3)
            double handS = Double.MAX_VALUE;
            for (int rep = 0; rep < 3; rep++) {
                c.setAutoCommit(false);
                long h0 = System.nanoTime();
                for (String sql : HAND_WRITTEN) {
                    try (PreparedStatement ps = c.prepareStatement(sql)) {
                        ps.setObject(1, journeyId);
                        ps.executeUpdate();
                    }
                }
                handS = Math.min(handS, (System.nanoTime() - h0) / 1e9);
                c.rollback();
                c.setAutoCommit(true);
            }
            log("hand-written SQL: %.2f s", handS);

            // every wait ends at the same minute: the next whole minute
            OffsetDateTime minute = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
            try (PreparedStatement ps = c.prepareStatement("UPDATE journey_run SET due_at = ? WHERE journey_id = ? AND state = 'waiting'")) {
                ps.setObject(1, minute);
                ps.setObject(2, journeyId);
                log("%,d runs due at %s", ps.executeUpdate(), minute);
            }
            long waitMs = java.time.Duration.between(OffsetDateTime.now(ZoneOffset.UTC), minute).toMillis();
            if (waitMs > 0) {
                Thread.sleep(waitMs);
            }
            double wakeS = awaitState(jdbc, user, journeyId, "completed", customers, 3600);
            log("all %,d completed %.1f s after the minute", customers, wakeS);

            // nothing missed, nothing twice
            long steps = count(c, "SELECT COUNT(*) FROM journey_step WHERE journey_id = ?", journeyId);
            long runs = count(c, "SELECT COUNT(DISTINCT run_id) FROM journey_step WHERE journey_id = ? AND outcome IN ('done')", journeyId);
            long tags = count(c, "SELECT COUNT(*) FROM customer_tag t JOIN journey_run r ON r.customer_id = t.customer_id AND r.journey_id = ? "
                    + "WHERE t.tag IN ('woke', 'woke-vip')", journeyId);
            long notCompleted = count(c, "SELECT COUNT(*) FROM journey_run WHERE journey_id = ? AND state <> 'completed'", journeyId);
            long expectedSteps = 4L * customers; // waiting, waited, branch, tag
            boolean exact = steps == expectedSteps && runs == customers && tags == customers && notCompleted == 0;
            log("steps %,d (expected %,d), runs tagged %,d, tags %,d, not completed %,d", steps, expectedSteps, runs, tags, notCompleted);

            StringBuilder md = new StringBuilder();
            md.append("## Journeys: ").append(String.format("%,d", customers)).append(" customers waking at the same minute (").append(Instant.now())
                    .append(")\n\n");
            md.append("```sh\n").append(o.str("command", "")).append("\n```\n\n");
            md.append("- Machine: ").append(o.str("machine", "")).append("\n- Database: ").append(o.str("db", "")).append("\n");
            md.append(String.format("- %,d customers enrolled through `POST /api/v1/journeys/{id}/enrol` (1,000 per call) in %.1f s; each waits, then "
                    + "at the same minute takes a branch (has the tag vip?) and a tag step.%n%n", customers, enrolS));
            md.append("| figure | server | baseline, same run | server / baseline | target | meets |\n|---|---|---|---|---|---|\n");
            md.append(String.format("| %,d runs from the minute they wake to all completed | %.1f s (%,.0f runs/s) | hand-written SQL writing the same "
                    + "rows in one transaction: %.2f s | %.1f× | every step, once | %s |%n", customers, wakeS, customers / wakeS, handS, wakeS / handS,
                    Report.meets(exact)));
            md.append(String.format("| steps recorded; runs tagged; tags; runs not completed | %,d (expected %,d); %,d; %,d; %,d | | | | |%n", steps,
                    expectedSteps, runs, tags, notCompleted));
            String out = md.toString();
            System.out.println(out);
            Report.write(o.str("out", null), out);
            System.exit(exact ? 0 : 1);
        }
    }

    /** Polls until {@code n} of the journey's runs are in {@code state}; @return seconds it took */
    static double awaitState(String jdbc, String user, UUID journey, String state, int n, int timeoutS) throws Exception {
        long s0 = System.nanoTime();
        try (Connection c = DriverManager.getConnection(jdbc, user, System.getenv("BASELINE_PASSWORD"))) {
            while (true) {
                long k;
                try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM journey_run WHERE journey_id = ? AND state = ?")) {
                    ps.setObject(1, journey);
                    ps.setString(2, state);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        k = rs.getLong(1);
                    }
                }
                double took = (System.nanoTime() - s0) / 1e9;
                if (k >= n) {
                    return took;
                }
                if (took > timeoutS) {
                    throw new IllegalStateException(k + " of " + n + " runs " + state + " after " + timeoutS + " s");
                }
                Thread.sleep(100);
            }
        }
    }

    static long count(Connection c, String sql, UUID journey) throws Exception {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, journey);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static void log(String fmt, Object... args) {
        System.out.printf("[journeys] " + fmt + "%n", args);
    }
}
