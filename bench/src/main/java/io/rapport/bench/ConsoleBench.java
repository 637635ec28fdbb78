package io.rapport.bench;

import java.io.StringReader;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.function.Function;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * The console's reads against a PostgreSQL server holding {@code --customers} profiles (1,000,000 by default): the
 * calls of the customer search, of the profile page and of the plugins page, each in a closed loop, with the latency
 * seen by the driver on loopback (the server's time plus a loopback round trip). Baselines in the same run: the API's
 * cheapest authenticated call (GET /api/v1/me, no database) and plain JDBC running the one query each page cannot do
 * without.
 *
 * <p>The profiles are written straight into the server's schema with COPY (the API would take hours): names from a
 * list of common first and last names, an email for each, a phone for half, a plan attribute, tags, a consent for
 * half, and 100 timeline events for each of the {@code --profiles} customers whose page is opened.
 */
public final class ConsoleBench {

    static final Set<String> OPTIONS = Set.of("url", "jdbc-url", "jdbc-user", "customers", "profiles", "duration", "warmup", "threads", "out", "machine", "command", "db");
    static final String[] FIRST = ("Ada Adam Alan Alice Amelia Anna Arthur Ben Bella Carla Carlos Charlotte Chen Chloe Daniel David Diego Ella Emma "
            + "Ethan Eva Felix Fatima Grace Hana Hugo Ian Ines Isaac Jack James Jana Jean Julia Karim Kate Leo Lea Liam Lina Lucas Luca Maria "
            + "Marta Mateo Mia Mila Noah Nora Olga Omar Oscar Paul Pia Rosa Ruby Sam Sara Sofia Tom Uma Victor Yara Yusuf Zoe").split(" ");
    static final String[] LAST = ("Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson "
            + "Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young "
            + "Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Muller "
            + "Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Dubois Durand Lefebvre Moreau Laurent Simon Michel Rossi "
            + "Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Lovelace Hopper Turing Curie Noether Lamarr").split(" ");
    static final String[] PLANS = {"gold", "silver", "bronze"};

    /** One row of the table: ClosedLoop's result, whose failures are the errors. */
    record Stat(ClosedLoop.Result r) {
        String name() {
            return r.name();
        }

        long count() {
            return r.ops();
        }

        long errors() {
            return r.errors() + r.warmupErrors();
        }

        double ms(double pct) {
            return r.percentileMs(pct);
        }
    }

    /** The console benchmark does not sample CPU: no server pid. */
    static final CpuMeter NO_CPU = new CpuMeter(0, 100);

    private final Http http;
    private final String admin;
    private final String jdbcUrl;
    private final String jdbcUser;
    private UUID tenant;
    private final List<String> profileIds = new ArrayList<>();

    ConsoleBench(URI base, String admin, String jdbcUrl, String jdbcUser) {
        this.http = new Http(base);
        this.admin = admin;
        this.jdbcUrl = jdbcUrl;
        this.jdbcUser = jdbcUser;
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args, OPTIONS);
        PgRun run = PgRun.of(o, "console");
        Http.requireLoopback(URI.create(run.jdbc().substring("jdbc:".length())));
        ConsoleBench b = new ConsoleBench(run.base(), run.admin(), run.jdbc(), run.user());
        String md = b.run(o.integer("customers", 1_000_000), o.integer("profiles", 1000), o.number("duration", 20), o.number("warmup", 10),
                o.integer("threads", 2), o.str("machine", ""), o.str("command", ""), o.str("db", ""));
        System.out.println(md);
        Report.write(o.str("out", null), md);
        System.exit(0);
    }

    String run(int customers, int profiles, double duration, double warmup, int threads, String machine, String command, String db) throws Exception {
        tenant = Http.tenantOf(http, admin);
        long t0 = System.nanoTime();
        seed(customers, profiles);
        double seedS = (System.nanoTime() - t0) / 1e9;
        log("seeded %,d customers in %.0f s", customers, seedS);

        List<Stat> stats = new ArrayList<>();
        stats.add(measure("GET /api/v1/me (baseline: authenticated, no database)", threads, warmup, duration, r -> "/api/v1/me"));
        stats.add(measure("search: email", threads, warmup, duration, r -> "/api/v1/customers?limit=25&email=" + enc(email(r.nextInt(customers)))));
        stats.add(measure("search: phone", threads, warmup, duration, r -> "/api/v1/customers?limit=25&phone=" + enc(phone(2 * r.nextInt(customers / 2)))));
        stats.add(measure("search: name, 3 letters", threads, warmup, duration, r -> "/api/v1/customers?limit=25&name="
                + enc(FIRST[r.nextInt(FIRST.length)].substring(0, 3).toLowerCase(Locale.ROOT))));
        stats.add(measure("search: first and last name", threads, warmup, duration, r -> "/api/v1/customers?limit=25&name="
                + enc(FIRST[r.nextInt(FIRST.length)] + " " + LAST[r.nextInt(LAST.length)])));
        stats.add(measure("search: last name", threads, warmup, duration, r -> "/api/v1/customers?limit=25&name=" + enc(LAST[r.nextInt(LAST.length)])));
        stats.add(measure("search: tag (5 % of customers)", threads, warmup, duration, r -> "/api/v1/customers?limit=25&tag=vip"));
        stats.add(measure("search: attribute (a third)", threads, warmup, duration, r -> "/api/v1/customers?limit=25&attribute=plan:" + PLANS[r.nextInt(3)]));
        stats.add(measure("search: name, 1 letter", threads, warmup, duration, r -> "/api/v1/customers?limit=25&name="
                + enc(LAST[r.nextInt(LAST.length)].substring(0, 1))));
        stats.add(measure("search: first page of all customers", threads, warmup, duration, r -> "/api/v1/customers?limit=25"));
        Stat profile = measure("profile page: profile + timeline (50) + consent history (20)", threads, warmup, duration, null);
        stats.add(profile);
        stats.add(measure("plugins page: plugins + configurations", threads, warmup, duration, null));
        stats.add(measure("overview (counts every customer)", threads, warmup, duration, r -> "/api/v1/overview"));
        Stat jdbcSearch = jdbcBaseline("JDBC: the name-search query alone", threads, warmup, duration, false);
        Stat jdbcProfile = jdbcBaseline("JDBC: the profile row and its 50 newest events", threads, warmup, duration, true);
        stats.add(jdbcSearch);
        stats.add(jdbcProfile);

        StringBuilder md = new StringBuilder();
        md.append("## Console reads with ").append(String.format("%,d", customers)).append(" customers (").append(Instant.now()).append(")\n\n");
        md.append("```sh\n").append(command).append("\n```\n\n");
        md.append("- Machine: ").append(machine).append("\n- Database: ").append(db).append("\n");
        md.append(String.format("- %d client threads in a closed loop per row, %.0f s warm-up then %.0f s measured; latency at the driver on loopback.%n", threads, warmup, duration));
        md.append(String.format("- Seeding %,d customers (COPY: profiles, identifiers, attributes, tags, consents; 100 events for each of %,d) took %.0f s.%n%n",
                customers, profiles, seedS));
        Stat floor = stats.get(0);
        md.append("| call | requests | p50 ms | p95 ms | p99 ms | p95 ÷ GET /me p95 | errors | target (p95) |\n|---|---|---|---|---|---|---|---|\n");
        for (Stat s : stats) {
            String target = s.name().startsWith("search") || s.name().startsWith("profile") ? "≤ 300 ms" : s.name().startsWith("plugins") ? "≤ 200 ms" : "";
            if (!target.isEmpty()) {
                target += s.ms(95) <= (target.contains("300") ? 300 : 200) && s.errors() == 0 ? " — met" : " — **missed**";
            }
            md.append(String.format("| %s | %,d | %.2f | %.2f | %.2f | %.1f | %d | %s |%n", s.name(), s.count(), s.ms(50), s.ms(95), s.ms(99),
                    s.ms(95) / floor.ms(95), s.errors(), target));
        }
        md.append(String.format("%nThe profile page's p95 is %.1f× the JDBC reads it cannot do without (%.2f ms).%n", profile.ms(95) / jdbcProfile.ms(95), jdbcProfile.ms(95)));
        return md.toString();
    }

    // --- load ------------------------------------------------------------------------------------------------------

    Stat measure(String name, int threads, double warmup, double duration, Function<SplittableRandom, String> path) throws Exception {
        log("%s", name);
        Stat s = new Stat(ClosedLoop.run(name, threads, warmup, duration, Long.MAX_VALUE, t -> {
            SplittableRandom r = new SplittableRandom(1000 + t);
            return () -> (path != null ? http.get(path.apply(r), admin).status() == 200 : page(name, r)) ? 1 : 0;
        }, NO_CPU));
        log("  %,d requests, p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, %d errors", s.count(), s.ms(50), s.ms(95), s.ms(99), s.errors());
        return s;
    }

    /** A page of several calls, made one after the other as a slow browser would (the console makes them in parallel). */
    private boolean page(String name, SplittableRandom r) throws Exception {
        if (name.startsWith("plugins")) {
            return http.get("/api/v1/admin/plugins", admin).status() == 200 && http.get("/api/v1/admin/configurations", admin).status() == 200;
        }
        String id = profileIds.get(r.nextInt(profileIds.size()));
        return http.get("/api/v1/customers/" + id, admin).status() == 200
                && http.get("/api/v1/customers/" + id + "/timeline?limit=50", admin).status() == 200
                && http.get("/api/v1/customers/" + id + "/timeline?type=consent.changed&limit=20", admin).status() == 200;
    }

    Stat jdbcBaseline(String name, int threads, double warmup, double duration, boolean profile) throws Exception {
        log("%s", name);
        Stat s = new Stat(ClosedLoop.run(name, threads, warmup, duration, Long.MAX_VALUE, t -> new JdbcReads(new SplittableRandom(2000 + t), profile), NO_CPU));
        log("  %,d queries, p50 %.2f ms, p95 %.2f ms", s.count(), s.ms(50), s.ms(95));
        return s;
    }

    /** One thread's connection for the JDBC baseline, and its reads. */
    private final class JdbcReads implements ClosedLoop.Op {
        private final SplittableRandom r;
        private final boolean profile;
        private final Connection c;
        private final PreparedStatement search;
        private final PreparedStatement row;
        private final PreparedStatement events;

        JdbcReads(SplittableRandom r, boolean profile) throws Exception {
            this.r = r;
            this.profile = profile;
            this.c = DriverManager.getConnection(jdbcUrl, jdbcUser, System.getenv("BASELINE_PASSWORD"));
            this.search = c.prepareStatement("SELECT id, created_at FROM customer WHERE tenant_id = ? AND merged_into IS NULL "
                    + "AND name_key LIKE ? ORDER BY created_at, id LIMIT 26");
            this.row = c.prepareStatement("SELECT * FROM customer WHERE tenant_id = ? AND id = ?");
            this.events = c.prepareStatement("SELECT * FROM event WHERE tenant_id = ? AND customer_id = ? ORDER BY occurred_at DESC, id DESC LIMIT 51");
        }

        @Override
        public int run() throws Exception {
            if (profile) {
                UUID id = UUID.fromString(profileIds.get(r.nextInt(profileIds.size())));
                row.setObject(1, tenant);
                row.setObject(2, id);
                drain(row);
                events.setObject(1, tenant);
                events.setObject(2, id);
                drain(events);
            } else {
                search.setObject(1, tenant);
                search.setString(2, FIRST[r.nextInt(FIRST.length)].substring(0, 3).toLowerCase(Locale.ROOT) + "%");
                drain(search);
            }
            return 1;
        }

        @Override
        public void close() throws Exception {
            c.close(); // closes its statements
        }
    }

    private static void drain(PreparedStatement ps) throws Exception {
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                rs.getObject(1);
            }
        }
    }

    // --- data ------------------------------------------------------------------------------------------------------

    static String email(int i) {
        return "c" + i + "@bench.example.com";
    }

    static String phone(int i) {
        return String.format("+3361%07d", i);
    }

    static UUID customerId(int i) {
        return new UUID(0x0192_0000_0000_7000L | (i >>> 12), 0x8000_0000_0000_0000L | i); // v7-shaped, in creation order
    }

    /** Seeds {@code customers} profiles of {@code tenantId} (and 100 events for each of {@code profiles}), as {@link #run} does. */
    void seedFor(UUID tenantId, int customers, int profiles) throws Exception {
        this.tenant = tenantId;
        seed(customers, profiles);
    }

    private void seed(int customers, int profiles) throws Exception {
        try (Connection c = DriverManager.getConnection(jdbcUrl, jdbcUser, System.getenv("BASELINE_PASSWORD"))) {
            for (int i = 0; i < profiles; i++) {
                profileIds.add(customerId((int) ((long) i * customers / profiles)).toString());
            }
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM customer WHERE email LIKE '%@bench.example.com'")) {
                rs.next();
                if (rs.getLong(1) >= customers) {
                    log("%,d bench customers already there", rs.getLong(1));
                    return;
                }
            }
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            OffsetDateTime start = OffsetDateTime.of(2024, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);
            SplittableRandom r = new SplittableRandom(7);
            int chunk = 50_000;
            for (int from = 0; from < customers; from += chunk) {
                StringBuilder cu = new StringBuilder(), ids = new StringBuilder(), at = new StringBuilder(), tg = new StringBuilder(), co = new StringBuilder();
                for (int i = from; i < Math.min(customers, from + chunk); i++) {
                    UUID id = customerId(i);
                    String first = FIRST[r.nextInt(FIRST.length)];
                    String last = LAST[r.nextInt(LAST.length)];
                    String created = start.plusSeconds(i * 30L).toString();
                    boolean hasPhone = i % 2 == 0;
                    cu.append(id).append('\t').append(tenant).append('\t').append(email(i)).append('\t').append(hasPhone ? phone(i) : "\\N").append('\t')
                            .append(first).append('\t').append(last).append("\ten\tEurope/Paris\t").append(i % 7 == 0 ? "loyalty" : "awareness").append('\t')
                            .append(r.nextInt(5)).append('\t').append(r.nextInt(500)).append('\t').append(created).append('\t').append(created).append('\t')
                            .append(created).append('\t').append((first + " " + last).toLowerCase(Locale.ROOT)).append('\t').append(last.toLowerCase(Locale.ROOT)).append('\n');
                    ids.append(email(i)).append('\t').append(tenant).append("\temail\t\t").append(id).append('\t').append(created).append('\n');
                    if (hasPhone) {
                        ids.append(phone(i)).append('\t').append(tenant).append("\tphone\t\t").append(id).append('\t').append(created).append('\n');
                    }
                    at.append(tenant).append('\t').append(id).append("\tplan\tSTRING\t").append(PLANS[i % 3]).append('\n');
                    if (i % 20 == 0) {
                        tg.append(tenant).append('\t').append(id).append("\tvip\n");
                    }
                    if (i % 5 < 2) {
                        tg.append(tenant).append('\t').append(id).append("\tnewsletter\n");
                    }
                    if (i % 2 == 1) {
                        co.append(tenant).append('\t').append(id).append("\tmarketing\temail\tGRANTED\tsignup form\t").append(created).append('\n');
                    }
                }
                copy.copyIn("COPY customer (id, tenant_id, email, phone, first_name, last_name, locale, time_zone, stage, order_count, revenue, "
                        + "created_at, updated_at, last_seen_at, name_key, surname_key) FROM STDIN", new StringReader(cu.toString()));
                copy.copyIn("COPY customer_identifier (id_value, tenant_id, type, namespace, customer_id, created_at) FROM STDIN", new StringReader(ids.toString()));
                copy.copyIn("COPY customer_attribute (tenant_id, customer_id, name, type, attr_value) FROM STDIN", new StringReader(at.toString()));
                copy.copyIn("COPY customer_tag (tenant_id, customer_id, tag) FROM STDIN", new StringReader(tg.toString()));
                copy.copyIn("COPY consent (tenant_id, customer_id, purpose, channel, status, source, changed_at) FROM STDIN", new StringReader(co.toString()));
                if ((from / chunk) % 4 == 3) {
                    log("  %,d customers", from + chunk);
                }
            }
            StringBuilder ev = new StringBuilder();
            String[] types = {"page.viewed", "page.viewed", "product.viewed", "cart.updated", "order.completed", "message.sent", "email.opened", "consent.changed"};
            for (String pid : profileIds) {
                for (int k = 0; k < 100; k++) {
                    String type = types[k % types.length];
                    String when = start.plusDays(k).toString();
                    ev.append(new UUID(r.nextLong() & 0xffffffffffff0fffL | 0x7000L, r.nextLong() & 0x3fffffffffffffffL | 0x8000000000000000L)).append('\t')
                            .append(tenant).append('\t').append(pid).append('\t').append(type).append('\t').append(when).append('\t').append(when)
                            .append("\tkey:bench\t\\N\t\\N\t{\"url\": \"/products/").append(k).append("\", \"total\": ").append(k).append("}\n");
                }
            }
            copy.copyIn("COPY event (id, tenant_id, customer_id, type, occurred_at, received_at, source, idempotency_key, identity, properties) FROM STDIN",
                    new StringReader(ev.toString()));
            try (Statement st = c.createStatement()) {
                st.execute("ANALYZE");
            }
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static void log(String fmt, Object... args) {
        System.err.printf("[console-bench] " + fmt + "%n", args);
    }
}
