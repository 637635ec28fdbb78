package io.rapport.core.segment;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import io.rapport.core.db.Db;
import io.rapport.core.json.Json;
import io.rapport.core.segment.Condition.Op;
import io.rapport.core.segment.Condition.Value;

/**
 * Turns a {@link Condition} into one SQL query that selects the ids of a tenant's live profiles matching it, the
 * same on H2 and PostgreSQL but for reading a number from an event's JSON properties. Every value is a bound parameter;
 * names of columns come from {@link Condition.ProfileField}, never from the request. The one name from a request that
 * SQL holds as a name is an event property on H2 ({@link #number}), which {@link Conditions#PROPERTY} has checked.
 */
public final class SegmentSql {

    /** A query and its parameters, in order. */
    public record Query(String sql, List<Object> args) {
    }

    private final StringBuilder sql = new StringBuilder();
    private final List<Object> args = new ArrayList<>();
    private final Db.Dialect dialect;
    private final UUID tenantId;
    private final OffsetDateTime now;
    /** Counting events per customer through the timeline index: for a few customers, not the whole shop. */
    private final boolean perCustomer;

    private SegmentSql(Db.Dialect dialect, UUID tenantId, OffsetDateTime now, boolean perCustomer) {
        this.dialect = dialect;
        this.tenantId = tenantId;
        this.now = now;
        this.perCustomer = perCustomer;
    }

    /**
     * @param now the time relative conditions ("within the last 30 days") are measured from
     * @return {@code SELECT c.id FROM customer c WHERE …}: the tenant's live (not merged) profiles that match
     */
    public static Query members(Condition condition, Db.Dialect dialect, UUID tenantId, OffsetDateTime now) {
        SegmentSql s = new SegmentSql(dialect, tenantId, now, false);
        s.sql.append("SELECT c.id FROM customer c WHERE c.tenant_id = ? AND c.merged_into IS NULL AND (");
        s.args.add(tenantId);
        s.write(condition);
        s.sql.append(')');
        return new Query(s.sql.toString(), List.copyOf(s.args));
    }

    /**
     * Several conditions evaluated for a few customers in one pass, each customer looked up once:
     * {@code SELECT c.id, CASE WHEN <condition 1> THEN 1 ELSE 0 END, … FROM customer c WHERE … AND c.id IN (?, …)}.
     * Each condition is a predicate on the customer's row; event counts go through the timeline index per customer.
     * Merged profiles are not selected: they match nothing.
     *
     * @return rows of the customer's id, then 1 or 0 for each condition, in order
     */
    public static Query matches(List<Condition> conditions, Db.Dialect dialect, UUID tenantId, OffsetDateTime now, List<UUID> customers) {
        SegmentSql s = new SegmentSql(dialect, tenantId, now, true);
        s.sql.append("SELECT c.id");
        for (Condition condition : conditions) {
            s.sql.append(", CASE WHEN ");
            s.write(condition);
            s.sql.append(" THEN 1 ELSE 0 END");
        }
        Db.OneOf ids = Db.oneOf(dialect, "c.id", customers);
        s.sql.append(" FROM customer c WHERE c.tenant_id = ? AND c.merged_into IS NULL AND ").append(ids.sql());
        s.args.add(tenantId);
        s.args.addAll(ids.args());
        return new Query(s.sql.toString(), List.copyOf(s.args));
    }

    private void write(Condition c) {
        if (c instanceof Condition.All a) {
            group(a.conditions(), " AND ");
        } else if (c instanceof Condition.Any a) {
            group(a.conditions(), " OR ");
        } else if (c instanceof Condition.Not n) {
            sql.append("NOT (");
            write(n.condition());
            sql.append(')');
        } else if (c instanceof Condition.Tag t) {
            sql.append("EXISTS (SELECT 1 FROM customer_tag t WHERE t.customer_id = c.id AND t.tag = ?)");
            args.add(t.tag());
        } else if (c instanceof Condition.Consent k) {
            sql.append("EXISTS (SELECT 1 FROM consent k WHERE k.customer_id = c.id AND k.purpose = ? AND k.channel = ? AND k.status = ?)");
            args.add(k.purpose());
            args.add(k.channel());
            args.add(k.status());
        } else if (c instanceof Condition.EventCount e) {
            eventCount(e);
        } else if (c instanceof Condition.EventAggregate a) {
            eventAggregate(a);
        } else if (c instanceof Condition.Profile p) {
            profile(p);
        } else if (c instanceof Condition.Attribute a) {
            attribute(a);
        } else if (c instanceof Condition.RfmField r) {
            rfm(r);
        } else if (c instanceof Condition.Score sc) {
            score(sc);
        } else {
            throw new IllegalStateException("no SQL for " + c);
        }
    }

    private void group(List<Condition> list, String op) {
        sql.append('(');
        for (int i = 0; i < list.size(); i++) {
            if (i > 0) {
                sql.append(op);
            }
            write(list.get(i));
        }
        sql.append(')');
    }

    /**
     * Over the whole shop, a count that must be at least 1 is a semi-join on the customers with enough events (a hash
     * join over the event table). A count that 0 satisfies ("no order within 30 days") is counted per customer through
     * the timeline index, since a customer without any event must match; so is every count among a few customers
     * ({@link #matches}), where grouping the whole event table would cost a full scan per segment.
     */
    private void eventCount(Condition.EventCount e) {
        String window = e.withinDays() == null ? "" : " AND e.occurred_at >= ?";
        if (!perCustomer && !e.op().holdsForZero(e.count())) {
            sql.append("c.id IN (SELECT e.customer_id FROM event e WHERE e.tenant_id = ? AND e.type = ? AND e.customer_id IS NOT NULL").append(window)
                    .append(" GROUP BY e.customer_id HAVING COUNT(*) ").append(e.op().sql()).append(" ?)");
            args.add(tenantId);
            args.add(e.type());
        } else {
            sql.append("(SELECT COUNT(*) FROM event e WHERE e.customer_id = c.id AND e.type = ?").append(window).append(") ")
                    .append(e.op().sql()).append(" ?");
            args.add(e.type());
        }
        if (e.withinDays() != null) {
            args.add(now.minusDays(e.withinDays()));
        }
        args.add(e.count());
    }

    /**
     * A sum or average of a property's numbers over a customer's events, as {@link #eventCount} counts them: over the
     * whole shop, a test that no number fails is a semi-join on the customers' grouped events; otherwise (and among a
     * few customers) a sub-query per customer through the timeline index. A sum over no number is 0; an average is null.
     */
    private void eventAggregate(Condition.EventAggregate a) {
        String window = a.withinDays() == null ? "" : " AND e.occurred_at >= ?";
        String fn = a.aggregate() == Condition.Aggregate.SUM ? "COALESCE(SUM(" + number(a.property()) + "), 0)" : "AVG(" + number(a.property()) + ")";
        boolean noneHolds = a.aggregate() == Condition.Aggregate.SUM && a.op().holdsForZero(a.value());
        if (!perCustomer && !noneHolds) {
            sql.append("c.id IN (SELECT e.customer_id FROM event e WHERE e.tenant_id = ? AND e.type = ? AND e.customer_id IS NOT NULL").append(window)
                    .append(" GROUP BY e.customer_id HAVING ").append(fn).append(' ').append(a.op().sql()).append(" ?)");
            args.add(tenantId);
            args.add(a.type());
            if (a.withinDays() != null) {
                args.add(now.minusDays(a.withinDays()));
            }
            numberArgs(a.property());
        } else {
            sql.append("(SELECT ").append(fn).append(" FROM event e WHERE e.customer_id = c.id AND e.type = ?").append(window).append(") ")
                    .append(a.op().sql()).append(" ?");
            numberArgs(a.property());
            args.add(a.type());
            if (a.withinDays() != null) {
                args.add(now.minusDays(a.withinDays()));
            }
        }
        args.add(a.value());
    }

    /** H2's JSON text of a number: an optional minus, digits, an optional fraction and exponent. */
    private static final String JSON_NUMBER = "'^-?[0-9]+(\\.[0-9]+)?([eE][+-]?[0-9]+)?$'";

    /**
     * The number held by property {@code name} of {@code e.properties}, or null if it holds anything else (or nothing).
     * PostgreSQL reads it as jsonb, with the name bound ({@link #numberArgs}). H2 2.3 has no JSON_VALUE: a field
     * reference on the properties cast to JSON yields the member's JSON text, which is cast to a number when it has a
     * number's form: a DECFLOAT of 40 digits (of unbounded precision, H2's AVG takes seconds to divide; a DECIMAL would
     * overflow on 1e400). On H2 the name is a quoted identifier; {@link Conditions#PROPERTY} lets no quote through.
     */
    private String number(String name) {
        if (dialect == Db.Dialect.POSTGRESQL) {
            return "CASE WHEN jsonb_typeof(CAST(e.properties AS jsonb) -> CAST(? AS text)) = 'number' "
                    + "THEN CAST(CAST(e.properties AS jsonb) ->> CAST(? AS text) AS numeric) END";
        }
        if (!Conditions.PROPERTY.matcher(name).matches()) {
            throw new IllegalArgumentException("not a property name: " + name);
        }
        String member = "CAST((CAST(e.properties FORMAT JSON AS JSON)).\"" + name + "\" AS VARCHAR)";
        return "CASE WHEN REGEXP_LIKE(" + member + ", " + JSON_NUMBER + ") THEN CAST(" + member + " AS DECFLOAT(40)) END";
    }

    /** The parameters of {@link #number}, where it has any. */
    private void numberArgs(String name) {
        if (dialect == Db.Dialect.POSTGRESQL) {
            args.add(name);
            args.add(name);
        }
    }

    private void rfm(Condition.RfmField r) {
        String exists = "EXISTS (SELECT 1 FROM customer_rfm x WHERE x.customer_id = c.id";
        String col = "x." + r.measure().column;
        Value v = r.value();
        switch (r.op()) {
            case EXISTS -> sql.append(exists).append(')');
            case MISSING -> sql.append("NOT ").append(exists).append(')');
            case NE -> {
                sql.append("NOT ").append(exists).append(" AND ").append(col).append(" = ?)");
                args.add(v.number() != null ? v.number() : v.text());
            }
            case IN -> {
                sql.append(exists).append(" AND ").append(col).append(" IN (").append("?,".repeat(v.texts().size() - 1)).append("?))");
                args.addAll(v.texts());
            }
            default -> {
                sql.append(exists).append(" AND ").append(col).append(' ').append(r.op().sql()).append(" ?)");
                args.add(v.number() != null ? v.number() : v.text());
            }
        }
    }

    private void score(Condition.Score sc) {
        if (sc.topPercent() != null) {
            // the shop's highest scores: PERCENT_RANK is 0 for the highest and (rank - 1) / (n - 1) below it; ties share it
            sql.append("c.id IN (SELECT x.customer_id FROM (SELECT s.customer_id, PERCENT_RANK() OVER (ORDER BY s.score DESC) AS pr FROM customer_score s "
                    + "WHERE s.tenant_id = ? AND s.name = ?) x WHERE x.pr < ?)");
            args.add(tenantId);
            args.add(sc.name());
            args.add(java.math.BigDecimal.valueOf(sc.topPercent(), 2));
            return;
        }
        String exists = "EXISTS (SELECT 1 FROM customer_score s WHERE s.customer_id = c.id AND s.name = ?";
        args.add(sc.name());
        switch (sc.op()) {
            case EXISTS -> sql.append(exists).append(')');
            case MISSING -> sql.append("NOT ").append(exists).append(')');
            case NE -> {
                sql.append("NOT ").append(exists).append(" AND s.score = ?)");
                args.add(sc.value());
            }
            default -> {
                sql.append(exists).append(" AND s.score ").append(sc.op().sql()).append(" ?)");
                args.add(sc.value());
            }
        }
    }

    private void profile(Condition.Profile p) {
        String col = "c." + p.field().column;
        Value v = p.value();
        switch (p.op()) {
            case EXISTS -> sql.append(col).append(" IS NOT NULL");
            case MISSING -> sql.append(col).append(" IS NULL");
            case NE -> {
                // "is not X" includes profiles without the field
                sql.append('(').append(col).append(" IS NULL OR ").append(col).append(" <> ?)");
                args.add(scalar(v, p.field().kind == Condition.ProfileField.Kind.TIME));
            }
            case IN -> {
                sql.append(col).append(" IN (").append("?,".repeat(v.texts().size() - 1)).append("?)");
                args.addAll(v.texts());
            }
            case STARTS_WITH -> {
                sql.append(col).append(" LIKE ? ESCAPE '\\'");
                args.add(like(v.text()) + "%");
            }
            case CONTAINS -> {
                sql.append(col).append(" LIKE ? ESCAPE '\\'");
                args.add("%" + like(v.text()) + "%");
            }
            case WITHIN_LAST_DAYS -> {
                sql.append(col).append(" >= ?");
                args.add(now.minusDays(v.days()));
            }
            case OLDER_THAN_DAYS -> {
                sql.append(col).append(" < ?");
                args.add(now.minusDays(v.days()));
            }
            default -> {
                sql.append(col).append(' ').append(p.op().sql()).append(" ?");
                args.add(scalar(v, p.field().kind == Condition.ProfileField.Kind.TIME));
            }
        }
    }

    /** @return the value to bind: a date compared with a time means the start of that day, UTC */
    private static Object scalar(Value v, boolean time) {
        if (v.date() != null) {
            return time ? v.date().atStartOfDay().atOffset(ZoneOffset.UTC) : v.date().toString();
        }
        if (v.number() != null) {
            return v.number();
        }
        if (v.bool() != null) {
            return v.bool().toString();
        }
        return v.text();
    }

    /**
     * Attributes are stored as canonical text beside their type (see {@code Attributes.encode}): numbers are compared as
     * numbers among NUMBER values, dates as their ISO text among DATE values, other values as text.
     */
    private void attribute(Condition.Attribute a) {
        Value v = a.value();
        String exists = "EXISTS (SELECT 1 FROM customer_attribute a WHERE a.customer_id = c.id AND a.name = ?";
        switch (a.op()) {
            case EXISTS -> {
                sql.append(exists).append(')');
                args.add(a.name());
            }
            case MISSING -> {
                sql.append("NOT ").append(exists).append(')');
                args.add(a.name());
            }
            case NE -> {
                // "is not X" includes profiles without the attribute
                sql.append("NOT ").append(exists).append(" AND ");
                typed(a.name(), Op.EQ, v);
                sql.append(')');
            }
            default -> {
                sql.append(exists).append(" AND ");
                typed(a.name(), a.op(), v);
                sql.append(')');
            }
        }
    }

    /** The test on {@code a.type} and {@code a.attr_value} for one operator and value (the name is bound first). */
    private void typed(String name, Op op, Value v) {
        args.add(name);
        switch (op) {
            case IN -> {
                sql.append("a.type = 'STRING' AND a.attr_value IN (").append("?,".repeat(v.texts().size() - 1)).append("?)");
                args.addAll(v.texts());
            }
            case STARTS_WITH -> {
                sql.append("a.type = 'STRING' AND a.attr_value LIKE ? ESCAPE '\\'");
                args.add(like(v.text()) + "%");
            }
            case CONTAINS -> {
                // a text containing it, or a list (stored as a JSON array of strings) holding it as an item
                sql.append("((a.type = 'STRING' AND a.attr_value LIKE ? ESCAPE '\\') OR (a.type = 'LIST' AND a.attr_value LIKE ? ESCAPE '\\'))");
                args.add("%" + like(v.text()) + "%");
                args.add("%" + like(Json.write(jakarta.json.Json.createValue(v.text()))) + "%");
            }
            case WITHIN_LAST_DAYS -> {
                sql.append("a.type = 'DATE' AND a.attr_value >= ?");
                args.add(LocalDate.ofInstant(now.toInstant(), ZoneOffset.UTC).minusDays(v.days()).toString());
            }
            case OLDER_THAN_DAYS -> {
                sql.append("a.type = 'DATE' AND a.attr_value < ?");
                args.add(LocalDate.ofInstant(now.toInstant(), ZoneOffset.UTC).minusDays(v.days()).toString());
            }
            default -> {
                if (v.number() != null) {
                    // CASE keeps the cast away from texts whatever order the database evaluates the conjunction in
                    sql.append("a.type = 'NUMBER' AND CASE WHEN a.type = 'NUMBER' THEN CAST(a.attr_value AS DECIMAL(38, 10)) END ")
                            .append(op.sql()).append(" ?");
                    args.add(v.number());
                } else if (v.date() != null) {
                    sql.append("a.type = 'DATE' AND a.attr_value ").append(op.sql()).append(" ?");
                    args.add(v.date().toString());
                } else if (v.bool() != null) {
                    sql.append("a.type = 'BOOLEAN' AND a.attr_value ").append(op.sql()).append(" ?");
                    args.add(v.bool().toString());
                } else {
                    sql.append("a.type = 'STRING' AND a.attr_value ").append(op.sql()).append(" ?");
                    args.add(v.text());
                }
            }
        }
    }

    /** Escapes LIKE's wildcards (with {@code \}) in a text to find literally. */
    static String like(String s) {
        return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }
}
