package io.rapport.core.segment;

import java.math.BigDecimal;
import java.util.List;

/**
 * A segment's condition: a tree of data, never code. It is read from JSON by {@link Conditions#parse} (which names
 * what is wrong with a JSON pointer) and turned into SQL by {@link SegmentSql}; values are always bound as parameters.
 */
public sealed interface Condition {

    /** Whether the condition's truth changes with time alone ("no order for 30 days"), not only with data. */
    boolean timeDependent();

    /** Every condition holds. */
    record All(List<Condition> conditions) implements Condition {
        public All {
            conditions = List.copyOf(conditions);
        }

        @Override
        public boolean timeDependent() {
            return conditions.stream().anyMatch(Condition::timeDependent);
        }
    }

    /** At least one condition holds. */
    record Any(List<Condition> conditions) implements Condition {
        public Any {
            conditions = List.copyOf(conditions);
        }

        @Override
        public boolean timeDependent() {
            return conditions.stream().anyMatch(Condition::timeDependent);
        }
    }

    /** The condition does not hold. */
    record Not(Condition condition) implements Condition {
        @Override
        public boolean timeDependent() {
            return condition.timeDependent();
        }
    }

    /** A field of the profile compared with a value. */
    record Profile(ProfileField field, Op op, Value value) implements Condition {
        @Override
        public boolean timeDependent() {
            return op.relative();
        }
    }

    /** A typed attribute of the profile compared with a value. */
    record Attribute(String name, Op op, Value value) implements Condition {
        @Override
        public boolean timeDependent() {
            return op.relative();
        }
    }

    /** The profile has the tag. */
    record Tag(String tag) implements Condition {
        @Override
        public boolean timeDependent() {
            return false;
        }
    }

    /** The profile's latest decision on a purpose and channel has this status. */
    record Consent(String purpose, String channel, String status) implements Condition {
        @Override
        public boolean timeDependent() {
            return false;
        }
    }

    /**
     * How many events of a type the customer has, over the last {@code withinDays} days (or ever, when null),
     * compared with a count: "order.completed at least 2 times within 90 days"; "no order.completed within 30 days"
     * is a count {@link Op#EQ} 0.
     */
    record EventCount(String type, Op op, long count, Integer withinDays) implements Condition {
        @Override
        public boolean timeDependent() {
            return withinDays != null;
        }
    }

    /**
     * The sum or average of a numeric property over the customer's events of a type, over the last {@code withinDays}
     * days (or ever, when null), compared with a number: "order.completed totals summing to at least 100 within 90 days".
     * Only JSON numbers count: an event whose property is missing, null, a text (even "12"), a boolean, an object or an
     * array is left out. A sum over no number is 0; an average over no number has no value and matches no comparison.
     * The property is a top-level member of the event's properties, named literally (a dot is part of the name).
     */
    record EventAggregate(String type, Aggregate aggregate, String property, Op op, BigDecimal value, Integer withinDays) implements Condition {
        @Override
        public boolean timeDependent() {
            return withinDays != null;
        }
    }

    /** What an {@link EventAggregate} computes. */
    enum Aggregate {
        SUM("sum"), AVG("avg");

        final String json;

        Aggregate(String json) {
            this.json = json;
        }

        public String json() {
            return json;
        }
    }

    /** The customer's RFM figures or scores ({@link Rfm}): customers without an order in the window have none. */
    record RfmField(RfmMeasure measure, Op op, Value value) implements Condition {
        @Override
        public boolean timeDependent() {
            return false; // they change when the scores are recomputed, which rebuilds the segments that read them
        }
    }

    /**
     * A score a KPI module stored for the customer ({@code predicted_clv}, {@code p_alive}): compared with {@code op} and
     * {@code value}, or, with {@code topPercent}, among the shop's highest {@code topPercent} % of that score.
     */
    record Score(String name, Op op, java.math.BigDecimal value, Integer topPercent) implements Condition {
        @Override
        public boolean timeDependent() {
            return false; // they change when a KPI module writes them, which rebuilds the segments that read them
        }
    }

    /** What an {@link RfmField} reads, with its column. */
    enum RfmMeasure {
        GROUP("group", "rfm_group"), R("r", "r"), F("f", "f"), M("m", "m"), RECENCY_DAYS("recencyDays", "recency_days"),
        FREQUENCY("frequency", "frequency"), MONETARY("monetary", "monetary");

        final String json;
        final String column;

        RfmMeasure(String json, String column) {
            this.json = json;
            this.column = column;
        }

        public String json() {
            return json;
        }
    }

    /** The operators; which apply to which value is checked by {@link Conditions}. */
    enum Op {
        EQ("eq"), NE("ne"), GT("gt"), GTE("gte"), LT("lt"), LTE("lte"), IN("in"), STARTS_WITH("startsWith"), CONTAINS("contains"),
        EXISTS("exists"), MISSING("missing"),
        /** A date or time within the last N days (the value), today included. */
        WITHIN_LAST_DAYS("withinLastDays"),
        /** A date or time more than N days (the value) ago. */
        OLDER_THAN_DAYS("olderThanDays");

        final String json;

        Op(String json) {
            this.json = json;
        }

        public String json() {
            return json;
        }

        boolean relative() {
            return this == WITHIN_LAST_DAYS || this == OLDER_THAN_DAYS;
        }

        boolean comparison() {
            return this == GT || this == GTE || this == LT || this == LTE;
        }

        /** @return the SQL operator of a comparison, equality or inequality */
        String sql() {
            return switch (this) {
                case EQ -> "=";
                case NE -> "<>";
                case GT -> ">";
                case GTE -> ">=";
                case LT -> "<";
                case LTE -> "<=";
                default -> throw new IllegalStateException(this + " is not a comparison");
            };
        }

        /** @return whether 0 satisfies "0 op n" */
        boolean holdsForZero(BigDecimal n) {
            int cmp = -n.signum();
            return switch (this) {
                case EQ -> cmp == 0;
                case NE -> cmp != 0;
                case GT -> cmp > 0;
                case GTE -> cmp >= 0;
                case LT -> cmp < 0;
                case LTE -> cmp <= 0;
                default -> throw new IllegalStateException(this + " is not a comparison");
            };
        }

        /** @return whether a count of 0 satisfies "count op n" */
        boolean holdsForZero(long n) {
            return switch (this) {
                case EQ -> n == 0;
                case NE -> n != 0;
                case GT -> 0 > n;
                case GTE -> 0 >= n;
                case LT -> 0 < n;
                case LTE -> 0 <= n;
                default -> throw new IllegalStateException(this + " is not a comparison");
            };
        }
    }

    /** A value to compare with: one of text, number, boolean or date (ISO yyyy-mm-dd), or a list of texts for IN; null for EXISTS and MISSING. */
    record Value(String text, BigDecimal number, Boolean bool, java.time.LocalDate date, List<String> texts, Integer days) {
        static Value none() {
            return new Value(null, null, null, null, null, null);
        }
    }

    /** The profile fields a segment may test, with their columns and kinds. */
    enum ProfileField {
        EMAIL("email", "email", Kind.TEXT), PHONE("phone", "phone", Kind.TEXT), FIRST_NAME("firstName", "first_name", Kind.TEXT),
        LAST_NAME("lastName", "last_name", Kind.TEXT), LOCALE("locale", "locale", Kind.TEXT), TIME_ZONE("timeZone", "time_zone", Kind.TEXT),
        STAGE("stage", "stage", Kind.TEXT), ORDER_COUNT("orderCount", "order_count", Kind.NUMBER), REVENUE("revenue", "revenue", Kind.NUMBER),
        CREATED_AT("createdAt", "created_at", Kind.TIME), LAST_SEEN_AT("lastSeenAt", "last_seen_at", Kind.TIME);

        final String json;
        final String column;
        final Kind kind;

        ProfileField(String json, String column, Kind kind) {
            this.json = json;
            this.column = column;
            this.kind = kind;
        }

        public String json() {
            return json;
        }

        enum Kind { TEXT, NUMBER, TIME }
    }
}
