package io.rapport.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * A segment's first build, the database's part of it, two ways, interleaved on the same data: the members streamed to
 * the client in id order and batch-inserted back (how the server built a new segment before), and one
 * {@code INSERT … SELECT} (how it does now). It runs on the schema a segment benchmark left ({@code --keep-db}),
 * into a scratch copy of {@code segment_member} with the same indexes, for "seen within {@code --days} days".
 */
public final class FirstBuildBench {

    static final Set<String> OPTIONS = Set.of("jdbc-url", "jdbc-user", "days", "rounds");
    static final String MEMBERS = "SELECT c.id FROM customer c WHERE c.tenant_id = ? AND c.merged_into IS NULL AND c.last_seen_at >= ?";
    /** As the server wrote the members of a build before: JDBC batches of this many rows. */
    static final int WRITE_BATCH = 5_000;

    private FirstBuildBench() {
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args, OPTIONS);
        int days = o.integer("days", 320);
        int rounds = o.integer("rounds", 5);
        try (Connection c = DriverManager.getConnection(o.str("jdbc-url", null), o.str("jdbc-user", "postgres"), System.getenv("BASELINE_PASSWORD"))) {
            UUID tenant;
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT tenant_id FROM customer GROUP BY tenant_id ORDER BY count(*) DESC LIMIT 1")) {
                rs.next();
                tenant = rs.getObject(1, UUID.class);
            }
            try (Statement st = c.createStatement()) {
                st.execute("DROP TABLE IF EXISTS first_build_member");
                st.execute("CREATE TABLE first_build_member (LIKE segment_member INCLUDING ALL)");
            }
            c.setAutoCommit(false);
            OffsetDateTime since = OffsetDateTime.now(ZoneOffset.UTC).minusDays(days);
            UUID segment = UUID.randomUUID();
            List<Double> streamed = new ArrayList<>();
            List<Double> inserted = new ArrayList<>();
            long rows = 0;
            for (int round = 0; round < rounds; round++) {
                for (boolean inDatabase : new boolean[] {false, true}) {
                    try (Statement st = c.createStatement()) {
                        st.execute("TRUNCATE first_build_member");
                    }
                    c.commit();
                    long t0 = System.nanoTime();
                    rows = inDatabase ? insertSelect(c, tenant, since, segment) : streamAndBatch(c, tenant, since, segment);
                    c.commit();
                    double s = (System.nanoTime() - t0) / 1e9;
                    (inDatabase ? inserted : streamed).add(s);
                    System.out.printf("[first-build] round %d, %s: %,d members in %.2f s%n", round, inDatabase ? "INSERT … SELECT" : "streamed and batch-inserted",
                            rows, s);
                }
            }
            try (Statement st = c.createStatement()) {
                st.execute("DROP TABLE first_build_member");
            }
            c.commit();
            double a = median(streamed);
            double b = median(inserted);
            System.out.printf("%n| a first build of %,d members, database part, median of %d | INSERT … SELECT | streamed and batch-inserted | ratio | cores |%n"
                    + "|---|---|---|---|---|%n| | %.2f s | %.2f s | %.2f× | %d |%n", rows, rounds, b, a, b / a, Runtime.getRuntime().availableProcessors());
        }
    }

    private static long streamAndBatch(Connection c, UUID tenant, OffsetDateTime since, UUID segment) throws SQLException {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        long n = 0;
        try (PreparedStatement want = c.prepareStatement(MEMBERS + " ORDER BY c.id");
             PreparedStatement ins = c.prepareStatement("INSERT INTO first_build_member (segment_id, customer_id, tenant_id, since) VALUES (?,?,?,?)")) {
            want.setObject(1, tenant);
            want.setObject(2, since);
            want.setFetchSize(10_000);
            int batch = 0;
            try (ResultSet rs = want.executeQuery()) {
                while (rs.next()) {
                    ins.setObject(1, segment);
                    ins.setObject(2, rs.getObject(1, UUID.class));
                    ins.setObject(3, tenant);
                    ins.setObject(4, now);
                    ins.addBatch();
                    n++;
                    if (++batch == WRITE_BATCH) {
                        ins.executeBatch();
                        batch = 0;
                    }
                }
            }
            if (batch > 0) {
                ins.executeBatch();
            }
        }
        return n;
    }

    private static long insertSelect(Connection c, UUID tenant, OffsetDateTime since, UUID segment) throws SQLException {
        try (PreparedStatement ins = c.prepareStatement("INSERT INTO first_build_member (segment_id, customer_id, tenant_id, since) SELECT ?, m.id, ?, ? FROM ("
                + MEMBERS + ") m")) {
            ins.setObject(1, segment);
            ins.setObject(2, tenant);
            ins.setObject(3, OffsetDateTime.now(ZoneOffset.UTC));
            ins.setObject(4, tenant);
            ins.setObject(5, since);
            return ins.executeUpdate();
        }
    }

    private static double median(List<Double> values) {
        List<Double> v = new ArrayList<>(values);
        Collections.sort(v);
        return v.get(v.size() / 2);
    }
}
