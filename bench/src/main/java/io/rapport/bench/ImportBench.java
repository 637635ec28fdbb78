package io.rapport.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * Imports {@code --rows} contacts (1,000,000 by default) from one CSV file through {@code POST /api/v1/imports} and the
 * CSV connector, timed from the upload's first byte until the job is {@code done}, with the peak RSS of the server JVM
 * sampled every 100 ms. Baseline in the same run: the database's own bulk load of the same file into a plain table
 * with the same columns (PostgreSQL {@code COPY … FROM STDIN} through the JDBC driver's CopyManager; H2 {@code CSVREAD}).
 *
 * <p>The file: e-mail, first name, last name, phone (E.164 or the French national form, read in the tenant's region FR),
 * plan, signup date and score; about 5 % of the rows repeat an earlier row's e-mail and phone with another plan and score
 * (an update of that customer), about 1 % have an e-mail without an {@code @} (refused).
 */
public final class ImportBench {

    static final Set<String> OPTIONS = Set.of("url", "rows", "csv", "server-pid", "baseline-url", "baseline-user", "schema-dir", "out", "machine", "command", "db",
            "poll-ms", "timeout");
    static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");
    static final Pattern STATE = Pattern.compile("\"state\"\\s*:\\s*\"([a-z]+)\"");
    static final Pattern PLUGIN = Pattern.compile("\\{[^{}]*\"name\"\\s*:\\s*\"([^\"]*csv[^\"]*)\"[^{}]*\\}");
    static final String HEADER = "email,first name,last name,phone,plan,signup date,score";
    static final String[] PLANS = {"free", "starter", "pro", "business"};

    /** What the file holds, as the generator wrote it. */
    record Generated(long rows, long duplicates, long badEmails, long bytes) {
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args, OPTIONS);
        String pw = Http.adminPassword();
        if (pw == null) {
            System.exit(2);
        }
        URI base = URI.create(o.str("url", "http://127.0.0.1:9080"));
        Http.requireLoopback(base);
        int rows = o.integer("rows", 1_000_000);
        Path csv = Path.of(o.str("csv", "bench/target/import-contacts-" + rows + ".csv"));
        String baselineUrl = o.str("baseline-url", null);
        if (baselineUrl == null) {
            System.err.println("--baseline-url: the database of the COPY baseline");
            System.exit(2);
        }
        long serverPid = o.longValue("server-pid", -1);

        long g0 = System.nanoTime();
        Generated gen = generate(csv, rows);
        log("generated %s: %,d rows (%,d repeats, %,d bad e-mails), %.1f MB in %.1f s", csv, gen.rows(), gen.duplicates(), gen.badEmails(),
                gen.bytes() / 1e6, (System.nanoTime() - g0) / 1e9);

        // baseline first: the server is idle meanwhile, and the file is in the page cache for both
        double copyS = baseline(baselineUrl, o.str("baseline-user", "postgres"), csv, rows);
        log("baseline: %s of %,d rows in %.2f s (%,.0f rows/s)", baselineUrl.startsWith("jdbc:postgresql:") ? "COPY" : "CSVREAD", rows, copyS, rows / copyS);
        Floor floor = null;
        if (baselineUrl.startsWith("jdbc:postgresql:")) {
            floor = floor(baselineUrl, o.str("baseline-user", "postgres"), Path.of(o.str("schema-dir", "kernel/core/src/main/resources/db/kernel")));
            log("floor: %,d new customers in the kernel's data model, by PostgreSQL alone, in %.2f s (%,.0f customers/s)", floor.customers(),
                    floor.seconds(), floor.customers() / floor.seconds());
        }

        Http http = new Http(base);
        String operator = Http.basic("admin", pw);
        String plugins = http.get("/api/v1/admin/plugins", operator).body();
        Matcher pm = PLUGIN.matcher(plugins);
        if (!pm.find() || !pm.group().contains("\"state\":\"active\"")) {
            throw new IllegalStateException("the CSV connector is not an active plugin: " + plugins);
        }
        log("plugin %s is active", pm.group(1));
        // a shop of its own, in region FR, so that national numbers (06 …) are read as French ones
        String slug = "bench-" + UUID.randomUUID().toString().substring(0, 8);
        String shopPassword = "pw-" + UUID.randomUUID();
        Http.expect(http.post("/api/v1/admin/tenants", operator, "{\"slug\":\"" + slug + "\",\"name\":\"Import bench " + slug
                + "\",\"defaultRegion\":\"FR\",\"admin\":{\"username\":\"" + slug + "-admin\",\"password\":\"" + shopPassword + "\"}}"), 201);
        String admin = Http.basic(slug + "-admin", shopPassword);

        RssSampler rss = serverPid > 0 ? new RssSampler(serverPid) : null;
        if (rss != null) {
            rss.start();
        }
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        String query = "/api/v1/imports?kind=contacts&format=csv&namespace=bench&source=" + URLEncoder.encode(csv.getFileName().toString(), StandardCharsets.UTF_8);
        long t0 = System.nanoTime();
        HttpResponse<String> up = client.send(HttpRequest.newBuilder(base.resolve(query)).timeout(Duration.ofMinutes(10))
                .header("Authorization", admin).header("Content-Type", "text/csv").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofFile(csv)).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        long t1 = System.nanoTime();
        Matcher im = ID.matcher(up.body());
        if (up.statusCode() != 202 || !im.find()) {
            throw new IllegalStateException("POST /api/v1/imports answered " + up.statusCode() + ": " + up.body());
        }
        String job = im.group(1);
        log("uploaded in %.2f s: job %s", (t1 - t0) / 1e9, job);
        long pollMs = o.longValue("poll-ms", 100);
        long deadline = t0 + (long) (o.number("timeout", 3600) * 1e9);
        String state = "queued";
        String body = up.body();
        long lastLog = System.nanoTime();
        while (!state.equals("done") && !state.equals("failed") && !state.equals("cancelled")) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the job is still " + state + " after " + o.str("timeout", "3600") + " s: " + body);
            }
            Thread.sleep(pollMs);
            Http.Response r = http.get("/api/v1/imports/" + job, admin);
            Http.expect(r, 200);
            body = r.body();
            Matcher sm = STATE.matcher(body);
            state = sm.find() ? sm.group(1) : "?";
            if (System.nanoTime() - lastLog > 10_000_000_000L) {
                lastLog = System.nanoTime();
                log("  %s: %,d rows read after %.0f s", state, Http.number(body, "read"), (lastLog - t0) / 1e9);
            }
        }
        long t2 = System.nanoTime();
        if (rss != null) {
            rss.stop();
        }
        double importS = (t2 - t0) / 1e9;
        long read = Http.number(body, "read");
        long created = Http.number(body, "created");
        long updated = Http.number(body, "updated");
        long rejected = Http.number(body, "rejected");
        log("job %s %s in %.1f s: read %,d, created %,d, updated %,d, rejected %,d (%,.0f rows/s)", job, state, importS, read, created, updated, rejected,
                rows / importS);

        long driverHwm = RssSampler.status(ProcessHandle.current().pid(), "VmHWM");
        StringBuilder md = new StringBuilder();
        md.append("## Import of ").append(String.format("%,d", rows)).append(" contacts from CSV (").append(Instant.now()).append(")\n\n");
        md.append("```sh\n").append(o.str("command", "")).append("\n```\n\n");
        md.append("- Machine: ").append(o.str("machine", "")).append("\n- Database: ").append(o.str("db", "")).append("\n");
        md.append(String.format("- File: %s, %,d rows, %.1f MB: e-mail, first name, last name, phone (E.164 or French national form; the tenant's "
                + "region is FR), plan, signup date, score; %,d rows repeat an earlier row's e-mail and phone (an update), %,d have a bad e-mail.%n",
                csv.getFileName(), gen.rows(), gen.bytes() / 1e6, gen.duplicates(), gen.badEmails()));
        md.append("- Server: `POST /api/v1/imports` (raw `text/csv` body streamed from the file, admin of a new tenant) until `GET /api/v1/imports/{id}` "
                + "says `done` (polled every ").append(pollMs).append(" ms); the CSV connector reads it in batches and the kernel writes them.\n");
        md.append("- Baseline: ").append(baselineUrl.startsWith("jdbc:postgresql:")
                ? "PostgreSQL `COPY import_baseline FROM STDIN (FORMAT csv, HEADER true)` of the same file (JDBC CopyManager) into a plain table with the same 7 columns, no index, in schema `rapport_bench_baseline`."
                : "H2 `CREATE TABLE import_baseline AS SELECT * FROM CSVREAD(file)` of the same file, in a separate file database.").append("\n\n");
        md.append("| figure | server (import) | baseline | server / baseline | target | meets |\n|---|---|---|---|---|---|\n");
        boolean ok = state.equals("done") && importS <= 60;
        md.append(String.format("| time for %,d rows, upload → done | %.1f s | %.2f s | %.1f× | ≤ 60 s | %s |%n", rows, importS, copyS, importS / copyS, Report.meets(ok)));
        md.append(String.format("| rows/s | %,.0f | %,.0f | %.3f | ≥ %,.0f | %s |%n", rows / importS, rows / copyS, copyS / importS, rows / 60.0, Report.meets(ok)));
        if (floor != null) {
            md.append(String.format("| floor: the %,d new customers' rows in the kernel's data model, written by PostgreSQL alone (`import-floor.sql`) "
                    + "| %.1f s | %.1f s | %.1f× | | |%n", floor.customers(), importS, floor.seconds(), importS / floor.seconds()));
        }
        md.append(String.format("| of which the upload (file → server's disk) | %.1f s | | | | |%n", (t1 - t0) / 1e9));
        md.append(String.format("| job state; read / created / updated / rejected | %s; %,d / %,d / %,d / %,d | | | | |%n", state, read, created, updated, rejected));
        if (rss != null) {
            md.append(String.format("| server JVM RSS: before the upload / peak during the import (VmRSS every 100 ms) / after | %,d / %,d / %,d MB | | | flat | |%n",
                    rss.first / 1024, rss.peak / 1024, rss.last / 1024));
            md.append(String.format("| server JVM VmHWM (peak since its start) at the end | %,d MB | | | | |%n", RssSampler.status(serverPid, "VmHWM") / 1024));
        }
        md.append(String.format("| driver JVM VmHWM (generator, COPY, HTTP) | %,d MB | | | | |%n", driverHwm / 1024));
        md.append(String.format("%nExpected counts: created %,d (rows − repeats − bad e-mails), updated %,d, rejected %,d.%n",
                gen.rows() - gen.duplicates() - gen.badEmails(), gen.duplicates(), gen.badEmails()));
        String out = md.toString();
        System.out.println(out);
        Report.write(o.str("out", null), out);
        System.exit(state.equals("done") && rejected == gen.badEmails() && created + updated + rejected == rows ? 0 : 1);
    }

    // --- the file --------------------------------------------------------------------------------------------------

    /** Writes the file unless one of the same size is there already (the generator is deterministic). */
    static Generated generate(Path csv, int rows) throws IOException {
        SplittableRandom r = new SplittableRandom(42);
        long duplicates = 0;
        long bad = 0;
        Files.createDirectories(csv.toAbsolutePath().getParent());
        Path tmp = csv.resolveSibling(csv.getFileName() + ".tmp");
        try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            w.write(HEADER);
            w.write('\n');
            LocalDate epoch = LocalDate.of(2015, 1, 1);
            int fresh = 0;
            for (int i = 0; i < rows; i++) {
                int who;
                String email;
                boolean repeat = fresh > 100 && r.nextInt(100) < 5;
                if (repeat) {
                    who = r.nextInt(fresh); // an earlier row's person, with a new plan and score
                    if (badEmail(who)) {
                        who--; // one that was imported
                    }
                    duplicates++;
                } else {
                    who = fresh++;
                }
                String first = ConsoleBench.FIRST[who % ConsoleBench.FIRST.length];
                String last = ConsoleBench.LAST[(who / ConsoleBench.FIRST.length) % ConsoleBench.LAST.length];
                if (badEmail(who)) {
                    email = first.toLowerCase(Locale.ROOT) + "." + who + ".example.com"; // no @: refused
                    bad++;
                } else {
                    email = first.toLowerCase(Locale.ROOT) + "." + last.toLowerCase(Locale.ROOT) + "." + who + "@example.com";
                }
                // a distinct mobile number per person: E.164 for half, the national form (06 12 34 56 78) for the others
                String digits = String.format("%08d", who);
                String phone = who % 2 == 0 ? "+336" + digits
                        : "06 " + digits.substring(0, 2) + " " + digits.substring(2, 4) + " " + digits.substring(4, 6) + " " + digits.substring(6);
                w.write(email);
                w.write(',');
                w.write(first);
                w.write(',');
                w.write(last);
                w.write(',');
                w.write(phone);
                w.write(',');
                w.write(PLANS[r.nextInt(PLANS.length)]);
                w.write(',');
                w.write(epoch.plusDays(who % 3650).toString());
                w.write(',');
                w.write(Integer.toString(r.nextInt(1000)));
                w.write('\n');
            }
        }
        Files.move(tmp, csv, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return new Generated(rows, duplicates, bad, Files.size(csv));
    }

    /** One person in a hundred has an e-mail address without {@code @}: that row is refused, and never repeated. */
    static boolean badEmail(int who) {
        return who % 100 == 37;
    }

    // --- the baseline ----------------------------------------------------------------------------------------------

    /** @return seconds the database took to load the file into a plain table */
    static double baseline(String url, String user, Path csv, int rows) throws Exception {
        String pw = System.getenv("BASELINE_PASSWORD");
        try (Connection c = DriverManager.getConnection(url, user, pw == null ? "" : pw); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS import_baseline");
            long t0;
            long n;
            if (url.startsWith("jdbc:postgresql:")) {
                s.execute("CREATE TABLE import_baseline (email VARCHAR(320), first_name VARCHAR(200), last_name VARCHAR(200), phone VARCHAR(32), "
                        + "plan VARCHAR(100), signup_date DATE, score NUMERIC)");
                CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
                t0 = System.nanoTime();
                try (Reader in = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
                    n = copy.copyIn("COPY import_baseline FROM STDIN (FORMAT csv, HEADER true)", in, 1 << 16);
                }
            } else {
                t0 = System.nanoTime();
                n = s.executeUpdate("CREATE TABLE import_baseline (email, first_name, last_name, phone, plan, signup_date, score) AS SELECT * FROM CSVREAD('"
                        + csv.toAbsolutePath().toString().replace("'", "''") + "')");
                if (n <= 0) {
                    try (var rs = s.executeQuery("SELECT COUNT(*) FROM import_baseline")) {
                        rs.next();
                        n = rs.getLong(1);
                    }
                }
            }
            if (!c.getAutoCommit()) {
                c.commit();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (n != rows) {
                throw new IllegalStateException("the baseline loaded " + n + " rows, not " + rows);
            }
            if (!url.startsWith("jdbc:postgresql:")) {
                s.execute("DROP TABLE import_baseline"); // PostgreSQL's is the floor's source, dropped there
            }
            return seconds;
        }
    }

    /** What the floor wrote and how long it took. */
    record Floor(long customers, double seconds) {
    }

    /**
     * The second baseline: the kernel's tables (its migrations) in the baseline schema, then {@code import-floor.sql}'s
     * INSERT ... SELECT statements from the COPY table, timed inside one transaction; drops the COPY table after.
     */
    static Floor floor(String url, String user, Path schemaDir) throws Exception {
        String pw = System.getenv("BASELINE_PASSWORD");
        String script;
        try (var in = ImportBench.class.getResourceAsStream("import-floor.sql")) {
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8).replace(":tenant", UUID.randomUUID().toString());
        }
        int timed = script.indexOf("-- timed");
        try (Connection c = DriverManager.getConnection(url, user, pw == null ? "" : pw); Statement s = c.createStatement()) {
            Schema.migrate(c, schemaDir);
            for (String sql : Schema.statements(script.substring(0, timed))) {
                s.execute(sql);
            }
            long customers;
            try (var rs = s.executeQuery("SELECT COUNT(*) FROM floor_src")) {
                rs.next();
                customers = rs.getLong(1);
            }
            s.execute("CHECKPOINT"); // the COPY's dirty pages are not the floor's to write
            c.setAutoCommit(false);
            long t0 = System.nanoTime();
            for (String sql : Schema.statements(script.substring(timed))) {
                s.execute(sql);
            }
            c.commit();
            double seconds = (System.nanoTime() - t0) / 1e9;
            c.setAutoCommit(true);
            s.execute("DROP TABLE import_baseline");
            return new Floor(customers, seconds);
        }
    }

    // --- memory ----------------------------------------------------------------------------------------------------

    /** Samples a process's VmRSS every 100 ms on a thread of its own: the first, the highest and the last reading, in kB. */
    static final class RssSampler {
        private final long pid;
        private final Thread thread;
        private volatile boolean running = true;
        volatile long first = -1;
        volatile long peak;
        volatile long last;

        RssSampler(long pid) {
            this.pid = pid;
            this.thread = new Thread(this::loop, "rss-sampler");
            this.thread.setDaemon(true);
        }

        void start() {
            first = status(pid, "VmRSS");
            peak = first;
            thread.start();
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join();
            last = status(pid, "VmRSS");
            peak = Math.max(peak, last);
        }

        private void loop() {
            while (running) {
                long kb = status(pid, "VmRSS");
                if (kb > peak) {
                    peak = kb;
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        /** @return a {@code kB} line of /proc/PID/status, or -1 */
        static long status(long pid, String name) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                    if (line.startsWith(name + ":")) {
                        return Long.parseLong(line.substring(name.length() + 1).replace("kB", "").trim());
                    }
                }
            } catch (IOException | NumberFormatException e) {
                return -1;
            }
            return -1;
        }
    }

    static void log(String format, Object... args) {
        System.out.printf("[import] " + format + "%n", args);
    }
}
