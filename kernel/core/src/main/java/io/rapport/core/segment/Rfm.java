package io.rapport.core.segment;

import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import io.rapport.api.event.EventTypes;
import io.rapport.core.db.Db;
import io.rapport.core.json.Json;

/**
 * RFM scores of a shop's customers: recency (days since the last order), frequency (orders) and monetary value (their
 * total) over a window, each scored 1 to 5 by quintile among the shop's customers with an order in the window (5 is
 * the most recent, most frequent, highest spending; equal values get equal scores), and the named group the recency
 * and the mean of frequency and monetary scores fall in ({@link #group}).
 */
public final class Rfm {

    /** The named groups, from the best customers to those lost. */
    public static final List<String> GROUPS = List.of("champions", "loyal", "potential_loyalists", "new_customers", "promising", "need_attention",
            "about_to_sleep", "cannot_lose_them", "at_risk", "hibernating", "lost");
    /** The window unless told otherwise: a year of orders. */
    public static final int DEFAULT_WINDOW_DAYS = 365;
    static final int WRITE_BATCH = 5_000;

    /** One customer's figures and scores. */
    public record Score(UUID customerId, int recencyDays, int frequency, BigDecimal monetary, int r, int f, int m, String group) {
    }

    /** A shop's last computation. */
    public record Run(int windowDays, long customers, OffsetDateTime computedAt) {
    }

    private final Db db;
    private final Clock clock;

    public Rfm(Db db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /**
     * The group of a recency score and the mean of the frequency and monetary scores (rounded half up):
     *
     * <pre>
     *           FM 1            FM 2            FM 3             FM 4            FM 5
     * R 5   new_customers   potential       potential        champions       champions
     * R 4   promising       potential       potential        champions       champions
     * R 3   about_to_sleep  about_to_sleep  need_attention   loyal           loyal
     * R 2   hibernating     hibernating     at_risk          at_risk         cannot_lose_them
     * R 1   lost            lost            at_risk          at_risk         cannot_lose_them
     * </pre>
     */
    public static String group(int r, int f, int m) {
        int fm = (f + m + 1) / 2;
        if (r >= 4) {
            return fm >= 4 ? "champions" : fm >= 2 ? "potential_loyalists" : r == 5 ? "new_customers" : "promising";
        }
        if (r == 3) {
            return fm >= 4 ? "loyal" : fm == 3 ? "need_attention" : "about_to_sleep";
        }
        if (fm == 5) {
            return "cannot_lose_them";
        }
        if (fm >= 3) {
            return "at_risk";
        }
        return r == 2 ? "hibernating" : "lost";
    }

    /**
     * Scores 1 to 5 by quintile: a value's score is 1 + its rank among the values (ascending, ties taking the lowest
     * rank) times 5 divided by their number. {@code higherIsBetter} false reverses the order (recency in days).
     */
    static int[] quintiles(double[] values, boolean higherIsBetter) {
        int n = values.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Comparator<Integer> byValue = Comparator.comparingDouble(i -> values[i]);
        Arrays.sort(order, higherIsBetter ? byValue : byValue.reversed());
        int[] score = new int[n];
        int rank = 0;
        for (int k = 0; k < n; k++) {
            if (k == 0 || values[order[k]] != values[order[k - 1]]) {
                rank = k;
            }
            score[order[k]] = 1 + (int) ((long) rank * 5 / n);
        }
        return score;
    }

    /** Computes the shop's scores now over the last {@code windowDays} days of orders and replaces the stored ones. */
    public Run compute(UUID tenantId, int windowDays) {
        if (windowDays < 1 || windowDays > 3650) {
            throw new io.rapport.core.validation.InvalidInputException("/windowDays", "is a number of days from 1 to 3650");
        }
        OffsetDateTime now = OffsetDateTime.now(clock);
        OffsetDateTime from = now.minusDays(windowDays);
        // per customer: the last order, how many, their total (read in customer order, summed as they stream by)
        Map<UUID, long[]> counts = new HashMap<>();
        Map<UUID, BigDecimal> totals = new HashMap<>();
        Map<UUID, OffsetDateTime> last = new HashMap<>();
        db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT customer_id, occurred_at, properties FROM event WHERE tenant_id = ? AND type = ? "
                    + "AND customer_id IS NOT NULL AND occurred_at >= ? AND occurred_at <= ?")) {
                ps.setObject(1, tenantId);
                ps.setString(2, EventTypes.ORDER_COMPLETED);
                ps.setObject(3, from);
                ps.setObject(4, now);
                ps.setFetchSize(10_000);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        UUID id = rs.getObject(1, UUID.class);
                        OffsetDateTime at = rs.getObject(2, OffsetDateTime.class);
                        counts.computeIfAbsent(id, x -> new long[1])[0]++;
                        last.merge(id, at, (a, b) -> a.isAfter(b) ? a : b);
                        totals.merge(id, total(rs.getString(3)), BigDecimal::add);
                    }
                }
            }
            return null;
        });
        // merged profiles: their events were moved to the survivor, so every id here is live or erased since
        List<UUID> ids = new ArrayList<>(counts.keySet());
        int n = ids.size();
        double[] recency = new double[n];
        double[] frequency = new double[n];
        double[] monetary = new double[n];
        for (int i = 0; i < n; i++) {
            UUID id = ids.get(i);
            recency[i] = Duration.between(last.get(id), now).toDays();
            frequency[i] = counts.get(id)[0];
            monetary[i] = totals.get(id).doubleValue();
        }
        int[] r = quintiles(recency, false);
        int[] f = quintiles(frequency, true);
        int[] m = quintiles(monetary, true);
        db.tx(c -> {
            Db.update(c, "DELETE FROM customer_rfm WHERE tenant_id = ?", tenantId);
            List<Object[]> rows = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                rows.add(new Object[] {ids.get(i), tenantId, (int) recency[i], (int) frequency[i], totals.get(ids.get(i)), r[i], f[i], m[i],
                        group(r[i], f[i], m[i]), now});
                if (rows.size() == WRITE_BATCH) {
                    insert(c, tenantId, rows);
                }
            }
            insert(c, tenantId, rows);
            Db.update(c, "DELETE FROM rfm_run WHERE tenant_id = ?", tenantId);
            Db.update(c, "INSERT INTO rfm_run (tenant_id, window_days, customers, computed_at) VALUES (?,?,?,?)", tenantId, windowDays, (long) n, now);
            return null;
        });
        return new Run(windowDays, n, now);
    }

    /** Inserts the rows of customers still there (one erased meanwhile is skipped) and clears the list. */
    private static void insert(java.sql.Connection c, UUID tenantId, List<Object[]> rows) throws java.sql.SQLException {
        if (rows.isEmpty()) {
            return;
        }
        Db.batch(c, "INSERT INTO customer_rfm (customer_id, tenant_id, recency_days, frequency, monetary, r, f, m, rfm_group, computed_at) "
                + "SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM customer WHERE id = ? AND tenant_id = ?", rows.stream().map(row -> {
                    Object[] x = Arrays.copyOf(row, row.length + 2);
                    x[row.length] = row[0];
                    x[row.length + 1] = tenantId;
                    return x;
                }).toList());
        rows.clear();
    }

    /** The shop's last computation, if any. */
    public Optional<Run> last(UUID tenantId) {
        return db.read(c -> Db.list(c, "SELECT window_days, customers, computed_at FROM rfm_run WHERE tenant_id = ?", List.of(tenantId),
                rs -> new Run(rs.getInt(1), rs.getLong(2), rs.getObject(3, OffsetDateTime.class))).stream().findFirst());
    }

    /** How many of the shop's customers are in each group, in {@link #GROUPS} order. */
    public Map<String, Long> groups(UUID tenantId) {
        Map<String, Long> out = new java.util.LinkedHashMap<>();
        GROUPS.forEach(g -> out.put(g, 0L));
        db.read(c -> Db.list(c, "SELECT rfm_group, COUNT(*) FROM customer_rfm WHERE tenant_id = ? GROUP BY rfm_group", List.of(tenantId),
                rs -> out.put(rs.getString(1), rs.getLong(2))));
        return out;
    }

    /** One customer's scores, if they ordered in the window. */
    public Optional<Score> score(UUID tenantId, UUID customerId) {
        return db.read(c -> Db.list(c, "SELECT customer_id, recency_days, frequency, monetary, r, f, m, rfm_group FROM customer_rfm "
                + "WHERE tenant_id = ? AND customer_id = ?", List.of(tenantId, customerId), rs -> new Score(rs.getObject(1, UUID.class), rs.getInt(2),
                rs.getInt(3), rs.getBigDecimal(4), rs.getInt(5), rs.getInt(6), rs.getInt(7), rs.getString(8))).stream().findFirst());
    }

    /** The order's total: its {@link EventTypes#PROPERTY_TOTAL} when it is a number, else 0. */
    static BigDecimal total(String properties) {
        if (properties == null) {
            return BigDecimal.ZERO;
        }
        Object t = Json.readMap(properties).get(EventTypes.PROPERTY_TOTAL);
        if (t instanceof BigDecimal b) {
            return b;
        }
        if (t instanceof Number x) {
            return new BigDecimal(x.toString());
        }
        return BigDecimal.ZERO;
    }
}
