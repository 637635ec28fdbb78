package io.rapport.core.segment;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.rapport.api.customer.ConsentStatus;
import io.rapport.core.customer.Attributes;
import io.rapport.core.segment.Condition.Op;
import io.rapport.core.segment.Condition.ProfileField;
import io.rapport.core.segment.Condition.Value;
import io.rapport.core.validation.FieldError;
import io.rapport.core.validation.InvalidInputException;
import jakarta.json.JsonArray;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

/**
 * Reads a segment's condition from JSON, refusing anything it does not know with the JSON pointer of the problem.
 *
 * <pre>
 * {"all": [c, ...]}   {"any": [c, ...]}   {"not": c}
 * {"profile": "orderCount", "op": "gte", "value": 2}          fields: see {@link ProfileField}
 * {"attribute": "plan", "op": "in", "value": ["gold", "pro"]}
 * {"tag": "vip"}
 * {"consent": {"purpose": "marketing", "channel": "email", "status": "granted"}}   status defaults to granted
 * {"event": "order.completed", "count": {"op": "gte", "value": 2}, "withinDays": 90}
 * {"event": "order.completed", "sum": {"property": "total", "op": "gte", "value": 100}, "withinDays": 90}   also "avg"
 * {"rfm": "group", "op": "in", "value": ["champions", "loyal"]}   also r, f, m (1-5), recencyDays, frequency, monetary
 * {"score": "p_alive", "op": "lt", "value": 0.3}     {"score": "predicted_clv", "topPercent": 10}   scores KPI modules store
 * </pre>
 *
 * Operators: eq, ne, gt, gte, lt, lte (numbers, dates, texts), in (texts), startsWith and contains (texts; contains
 * also an item of a list attribute), exists, missing (no value), withinLastDays and olderThanDays (dates and times;
 * the value is a number of days).
 */
public final class Conditions {

    /** The deepest nesting of all/any/not. */
    public static final int MAX_DEPTH = 8;
    /** The most conditions in one tree. */
    public static final int MAX_NODES = 100;
    static final int MAX_DAYS = 3650;
    static final int MAX_TEXT = 2000;
    static final int MAX_IN = 100;
    /** An event property a sum or average reads: it becomes an SQL identifier on H2, so nothing else passes. */
    static final java.util.regex.Pattern PROPERTY = java.util.regex.Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]{0,99}");
    /** The largest number a sum or average is compared with, either way. */
    static final BigDecimal MAX_AGGREGATE = new BigDecimal("1e15");

    private static final Map<String, Op> OPS = Arrays.stream(Op.values()).collect(Collectors.toMap(Op::json, Function.identity()));
    private static final Map<String, ProfileField> FIELDS = Arrays.stream(ProfileField.values())
            .collect(Collectors.toMap(ProfileField::json, Function.identity()));
    private static final Set<String> KINDS = Set.of("all", "any", "not", "profile", "attribute", "tag", "consent", "event", "rfm", "score");
    private static final Map<String, Condition.RfmMeasure> RFM = Arrays.stream(Condition.RfmMeasure.values())
            .collect(Collectors.toMap(Condition.RfmMeasure::json, Function.identity()));

    private Conditions() {
    }

    /**
     * @param pointer the JSON pointer of {@code json} in the request, for error messages
     * @throws InvalidInputException naming every problem found
     */
    public static Condition parse(JsonValue json, String pointer) {
        List<FieldError> errors = new ArrayList<>();
        int[] nodes = {0};
        Condition c = read(json, pointer, 1, nodes, errors);
        if (!errors.isEmpty() || c == null) {
            throw new InvalidInputException(errors.isEmpty() ? List.of(new FieldError(pointer, "is not a condition")) : errors);
        }
        return c;
    }

    private static Condition read(JsonValue json, String at, int depth, int[] nodes, List<FieldError> errors) {
        if (++nodes[0] > MAX_NODES) {
            if (nodes[0] == MAX_NODES + 1) {
                errors.add(new FieldError(at, "a segment has at most " + MAX_NODES + " conditions"));
            }
            return null;
        }
        if (json == null || json.getValueType() != JsonValue.ValueType.OBJECT) {
            errors.add(new FieldError(at, "must be an object such as {\"tag\": \"vip\"} or {\"all\": [...]}"));
            return null;
        }
        JsonObject o = json.asJsonObject();
        List<String> kinds = o.keySet().stream().filter(KINDS::contains).toList();
        if (kinds.size() != 1) {
            errors.add(new FieldError(at, kinds.isEmpty() ? "names no condition: use one of " + String.join(", ", KINDS.stream().sorted().toList())
                    : "names " + kinds.size() + " conditions (" + String.join(", ", kinds) + "); wrap them in {\"all\": [...]}"));
            return null;
        }
        String kind = kinds.get(0);
        String p = at + "/" + kind;
        return switch (kind) {
            case "all", "any" -> {
                allowOnly(o, at, errors, kind);
                if (depth >= MAX_DEPTH) {
                    errors.add(new FieldError(p, "conditions nest at most " + MAX_DEPTH + " levels deep"));
                    yield null;
                }
                if (o.get(kind).getValueType() != JsonValue.ValueType.ARRAY || o.getJsonArray(kind).isEmpty()) {
                    errors.add(new FieldError(p, "must be a non-empty array of conditions"));
                    yield null;
                }
                List<Condition> list = new ArrayList<>();
                JsonArray a = o.getJsonArray(kind);
                for (int i = 0; i < a.size(); i++) {
                    list.add(read(a.get(i), p + "/" + i, depth + 1, nodes, errors));
                }
                yield list.contains(null) ? null : kind.equals("all") ? new Condition.All(list) : new Condition.Any(list);
            }
            case "not" -> {
                allowOnly(o, at, errors, kind);
                if (depth >= MAX_DEPTH) {
                    errors.add(new FieldError(p, "conditions nest at most " + MAX_DEPTH + " levels deep"));
                    yield null;
                }
                Condition inner = read(o.get("not"), p, depth + 1, nodes, errors);
                yield inner == null ? null : new Condition.Not(inner);
            }
            case "tag" -> {
                allowOnly(o, at, errors, kind);
                String tag = text(o.get("tag"), p, errors);
                if (tag != null && (tag.isBlank() || tag.length() > 100)) {
                    errors.add(new FieldError(p, "a tag has 1 to 100 characters"));
                    yield null;
                }
                yield tag == null ? null : new Condition.Tag(tag);
            }
            case "consent" -> consent(o, at, p, errors);
            case "event" -> event(o, at, p, errors);
            case "profile" -> profile(o, at, p, errors);
            case "attribute" -> attribute(o, at, p, errors);
            case "rfm" -> rfm(o, at, p, errors);
            case "score" -> score(o, at, p, errors);
            default -> throw new IllegalStateException(kind);
        };
    }

    private static Condition consent(JsonObject o, String at, String p, List<FieldError> errors) {
        allowOnly(o, at, errors, "consent");
        if (o.get("consent").getValueType() != JsonValue.ValueType.OBJECT) {
            errors.add(new FieldError(p, "must be an object such as {\"purpose\": \"marketing\", \"channel\": \"email\"}"));
            return null;
        }
        JsonObject c = o.getJsonObject("consent");
        allowOnly(c, p, errors, "purpose", "channel", "status");
        String purpose = text(c.get("purpose"), p + "/purpose", errors);
        String channel = text(c.get("channel"), p + "/channel", errors);
        String status = c.containsKey("status") ? text(c.get("status"), p + "/status", errors) : "granted";
        ConsentStatus s = null;
        if (status != null) {
            try {
                s = ConsentStatus.valueOf(status.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                errors.add(new FieldError(p + "/status", "is one of " + Arrays.stream(ConsentStatus.values())
                        .map(x -> x.name().toLowerCase(java.util.Locale.ROOT)).collect(Collectors.joining(", "))));
            }
        }
        return purpose == null || channel == null || s == null ? null : new Condition.Consent(purpose, channel, s.name());
    }

    private static Condition event(JsonObject o, String at, String p, List<FieldError> errors) {
        allowOnly(o, at, errors, "event", "count", "sum", "avg", "withinDays");
        String type = text(o.get("event"), p, errors);
        if (type != null && !type.matches("[a-z][a-z0-9_]*(\\.[a-z0-9_]+)+")) {
            errors.add(new FieldError(p, "is an event type such as order.completed"));
            type = null;
        }
        List<String> measures = o.keySet().stream().filter(k -> k.equals("count") || k.equals("sum") || k.equals("avg")).toList();
        if (measures.size() > 1) {
            errors.add(new FieldError(at, "measures one of count, sum or avg, not " + String.join(" and ", measures)));
            return null;
        }
        Integer within = o.containsKey("withinDays") ? days(o.get("withinDays"), at + "/withinDays", errors) : null;
        boolean windowOk = !o.containsKey("withinDays") || within != null;
        if (o.containsKey("sum") || o.containsKey("avg")) {
            Condition.Aggregate fn = o.containsKey("sum") ? Condition.Aggregate.SUM : Condition.Aggregate.AVG;
            Condition.EventAggregate a = aggregate(o.get(fn.json()), at + "/" + fn.json(), fn, type, within, errors);
            return a == null || type == null || !windowOk ? null : a;
        }
        Op op = Op.GTE;
        long count = 1;
        if (o.containsKey("count")) {
            String cp = at + "/count";
            if (o.get("count").getValueType() != JsonValue.ValueType.OBJECT) {
                errors.add(new FieldError(cp, "must be an object such as {\"op\": \"gte\", \"value\": 2}"));
                return null;
            }
            JsonObject c = o.getJsonObject("count");
            allowOnly(c, cp, errors, "op", "value");
            op = op(c.get("op"), cp + "/op", errors);
            if (op != null && !(op.comparison() || op == Op.EQ || op == Op.NE)) {
                errors.add(new FieldError(cp + "/op", "compares a count: eq, ne, gt, gte, lt or lte"));
                op = null;
            }
            BigDecimal n = number(c.get("value"), cp + "/value", errors);
            if (n != null && (n.signum() < 0 || n.stripTrailingZeros().scale() > 0 || n.compareTo(BigDecimal.valueOf(1_000_000)) > 0)) {
                errors.add(new FieldError(cp + "/value", "is a whole number from 0 to 1000000"));
                n = null;
            }
            if (op == null || n == null) {
                return null;
            }
            count = n.longValue();
        }
        if (type == null || !windowOk) {
            return null;
        }
        return new Condition.EventCount(type, op, count, within);
    }

    /** {@code {"property": "total", "op": "gte", "value": 100}} under "sum" or "avg" (at {@code ap}). */
    private static Condition.EventAggregate aggregate(JsonValue json, String ap, Condition.Aggregate fn, String type, Integer within,
                                                      List<FieldError> errors) {
        if (json.getValueType() != JsonValue.ValueType.OBJECT) {
            errors.add(new FieldError(ap, "must be an object such as {\"property\": \"total\", \"op\": \"gte\", \"value\": 100}"));
            return null;
        }
        JsonObject a = json.asJsonObject();
        allowOnly(a, ap, errors, "property", "op", "value");
        String property = text(a.get("property"), ap + "/property", errors);
        if (property != null && !PROPERTY.matcher(property).matches()) {
            errors.add(new FieldError(ap + "/property", "is an event property's name: a letter or _, then up to 99 letters, digits, _ . or -"));
            property = null;
        }
        Op op = op(a.get("op"), ap + "/op", errors);
        if (op != null && !(op.comparison() || op == Op.EQ || op == Op.NE)) {
            errors.add(new FieldError(ap + "/op", "compares a " + (fn == Condition.Aggregate.SUM ? "sum" : "average") + ": eq, ne, gt, gte, lt or lte"));
            op = null;
        }
        BigDecimal n = number(a.get("value"), ap + "/value", errors);
        if (n != null && n.abs().compareTo(MAX_AGGREGATE) > 0) {
            errors.add(new FieldError(ap + "/value", "is a number from -1e15 to 1e15"));
            n = null;
        }
        if (property == null || op == null || n == null || type == null) {
            return null;
        }
        return new Condition.EventAggregate(type, fn, property, op, n, within);
    }

    private static Condition profile(JsonObject o, String at, String p, List<FieldError> errors) {
        allowOnly(o, at, errors, "profile", "op", "value");
        String name = text(o.get("profile"), p, errors);
        ProfileField f = name == null ? null : FIELDS.get(name);
        if (name != null && f == null) {
            errors.add(new FieldError(p, "is not a profile field: use one of " + String.join(", ", FIELDS.keySet().stream().sorted().toList())
                    + ", or an attribute"));
        }
        Op op = op(o.get("op"), at + "/op", errors);
        if (f == null || op == null) {
            return null;
        }
        Value v = value(o, at, op, errors);
        if (v == null) {
            return null;
        }
        String problem = switch (f.kind) {
            case TEXT -> v.number() != null || v.bool() != null || v.date() != null || op.relative() ? "compares texts" : null;
            case NUMBER -> op.relative() || op == Op.IN || op == Op.STARTS_WITH || op == Op.CONTAINS || (v.text() != null) || v.bool() != null
                    || v.date() != null ? "compares numbers" : null;
            case TIME -> op == Op.IN || op == Op.STARTS_WITH || op == Op.CONTAINS || v.text() != null || v.number() != null && !op.relative()
                    || v.bool() != null ? "compares dates (yyyy-mm-dd) or a number of days with withinLastDays and olderThanDays" : null;
        };
        if (problem != null) {
            errors.add(new FieldError(at, f.json + " " + problem + "; " + op.json + " with this value does not apply"));
            return null;
        }
        return new Condition.Profile(f, op, v);
    }

    private static Condition rfm(JsonObject o, String at, String p, List<FieldError> errors) {
        allowOnly(o, at, errors, "rfm", "op", "value");
        String name = text(o.get("rfm"), p, errors);
        Condition.RfmMeasure measure = name == null ? null : RFM.get(name);
        if (name != null && measure == null) {
            errors.add(new FieldError(p, "is one of " + String.join(", ", RFM.keySet().stream().sorted().toList())));
        }
        Op op = op(o.get("op"), at + "/op", errors);
        if (measure == null || op == null) {
            return null;
        }
        Value v = value(o, at, op, errors);
        if (v == null) {
            return null;
        }
        if (measure == Condition.RfmMeasure.GROUP) {
            List<String> groups = v.texts() != null ? v.texts() : v.text() != null ? List.of(v.text()) : List.of();
            if (!(op == Op.EQ || op == Op.NE || op == Op.IN || op == Op.EXISTS || op == Op.MISSING)) {
                errors.add(new FieldError(at + "/op", "a group is compared with eq, ne, in, exists or missing"));
                return null;
            }
            for (String g : groups) {
                if (!Rfm.GROUPS.contains(g)) {
                    errors.add(new FieldError(at + "/value", "'" + g + "' is not a group: use one of " + String.join(", ", Rfm.GROUPS)));
                    return null;
                }
            }
            if ((op == Op.EQ || op == Op.NE || op == Op.IN) && groups.isEmpty()) {
                errors.add(new FieldError(at + "/value", "names a group such as champions"));
                return null;
            }
        } else if (!(op.comparison() || op == Op.EQ || op == Op.NE || op == Op.EXISTS || op == Op.MISSING) || (v.number() == null
                && op != Op.EXISTS && op != Op.MISSING)) {
            errors.add(new FieldError(at, name + " compares numbers with eq, ne, gt, gte, lt or lte"));
            return null;
        }
        return new Condition.RfmField(measure, op, v);
    }

    private static Condition score(JsonObject o, String at, String p, List<FieldError> errors) {
        allowOnly(o, at, errors, "score", "op", "value", "topPercent");
        String name = text(o.get("score"), p, errors);
        if (name != null && !name.matches("[a-z][a-z0-9_]{0,62}")) {
            errors.add(new FieldError(p, "is a score's name: lower-case words joined by _, such as predicted_clv"));
            return null;
        }
        if (o.containsKey("topPercent")) {
            if (o.containsKey("op") || o.containsKey("value")) {
                errors.add(new FieldError(at + "/topPercent", "stands alone: give topPercent, or op and value"));
                return null;
            }
            JsonValue t = o.get("topPercent");
            if (t.getValueType() != JsonValue.ValueType.NUMBER || !((jakarta.json.JsonNumber) t).isIntegral()
                    || ((jakarta.json.JsonNumber) t).intValue() < 1 || ((jakarta.json.JsonNumber) t).intValue() > 99) {
                errors.add(new FieldError(at + "/topPercent", "is a whole percentage from 1 to 99"));
                return null;
            }
            return name == null ? null : new Condition.Score(name, null, null, ((jakarta.json.JsonNumber) t).intValue());
        }
        Op op = op(o.get("op"), at + "/op", errors);
        if (name == null || op == null) {
            return null;
        }
        if (op == Op.EXISTS || op == Op.MISSING) {
            allowOnly(o, at, errors, "score", "op");
            return new Condition.Score(name, op, null, null);
        }
        if (!(op.comparison() || op == Op.EQ || op == Op.NE)) {
            errors.add(new FieldError(at + "/op", "a score is compared with eq, ne, gt, gte, lt, lte, exists or missing, or use topPercent"));
            return null;
        }
        BigDecimal v = number(o.get("value"), at + "/value", errors);
        return v == null ? null : new Condition.Score(name, op, v, null);
    }

    private static Condition attribute(JsonObject o, String at, String p, List<FieldError> errors) {
        allowOnly(o, at, errors, "attribute", "op", "value");
        String name = text(o.get("attribute"), p, errors);
        if (name != null && !Attributes.NAME.matcher(name).matches()) {
            errors.add(new FieldError(p, "is not an attribute name (a letter, then letters, digits, _ . or -)"));
            name = null;
        }
        Op op = op(o.get("op"), at + "/op", errors);
        if (name == null || op == null) {
            return null;
        }
        Value v = value(o, at, op, errors);
        if (v == null) {
            return null;
        }
        if (v.bool() != null && op != Op.EQ && op != Op.NE) {
            errors.add(new FieldError(at + "/op", "a true or false value is compared with eq or ne"));
            return null;
        }
        return new Condition.Attribute(name, op, v);
    }

    /** The value an operator needs: none, a list of texts, a number of days, or one text, number, boolean or date. */
    private static Value value(JsonObject o, String at, Op op, List<FieldError> errors) {
        String vp = at + "/value";
        JsonValue v = o.get("value");
        switch (op) {
            case EXISTS, MISSING -> {
                if (v != null) {
                    errors.add(new FieldError(vp, op.json + " takes no value"));
                    return null;
                }
                return Value.none();
            }
            case WITHIN_LAST_DAYS, OLDER_THAN_DAYS -> {
                Integer d = days(v, vp, errors);
                return d == null ? null : new Value(null, null, null, null, null, d);
            }
            case IN -> {
                if (v == null || v.getValueType() != JsonValue.ValueType.ARRAY || v.asJsonArray().isEmpty() || v.asJsonArray().size() > MAX_IN) {
                    errors.add(new FieldError(vp, "in takes an array of 1 to " + MAX_IN + " texts"));
                    return null;
                }
                List<String> texts = new ArrayList<>();
                for (int i = 0; i < v.asJsonArray().size(); i++) {
                    String t = text(v.asJsonArray().get(i), vp + "/" + i, errors);
                    if (t == null) {
                        return null;
                    }
                    texts.add(t);
                }
                return new Value(null, null, null, null, texts, null);
            }
            default -> {
                if (v == null) {
                    errors.add(new FieldError(vp, "is required by " + op.json));
                    return null;
                }
                switch (v.getValueType()) {
                    case NUMBER:
                        if (op == Op.STARTS_WITH || op == Op.CONTAINS) {
                            errors.add(new FieldError(vp, op.json + " takes a text"));
                            return null;
                        }
                        return new Value(null, ((JsonNumber) v).bigDecimalValue(), null, null, null, null);
                    case TRUE:
                    case FALSE:
                        return new Value(null, null, v == JsonValue.TRUE, null, null, null);
                    case STRING: {
                        String s = ((JsonString) v).getString();
                        if (s.length() > MAX_TEXT) {
                            errors.add(new FieldError(vp, "has at most " + MAX_TEXT + " characters"));
                            return null;
                        }
                        if (op.comparison() && s.matches("\\d{4}-\\d{2}-\\d{2}")) {
                            try {
                                return new Value(null, null, null, LocalDate.parse(s), null, null);
                            } catch (DateTimeParseException e) {
                                errors.add(new FieldError(vp, "'" + s + "' is not a date"));
                                return null;
                            }
                        }
                        return new Value(s, null, null, null, null, null);
                    }
                    default:
                        errors.add(new FieldError(vp, "is a text, a number, true or false, or a date (yyyy-mm-dd)"));
                        return null;
                }
            }
        }
    }

    private static Op op(JsonValue v, String at, List<FieldError> errors) {
        String s = text(v, at, errors);
        if (s == null) {
            return null;
        }
        Op op = OPS.get(s);
        if (op == null) {
            errors.add(new FieldError(at, "'" + s + "' is not an operator: use one of " + String.join(", ", OPS.keySet().stream().sorted().toList())));
        }
        return op;
    }

    private static Integer days(JsonValue v, String at, List<FieldError> errors) {
        BigDecimal n = number(v, at, errors);
        if (n == null) {
            return null;
        }
        if (n.stripTrailingZeros().scale() > 0 || n.compareTo(BigDecimal.ONE) < 0 || n.compareTo(BigDecimal.valueOf(MAX_DAYS)) > 0) {
            errors.add(new FieldError(at, "is a whole number of days from 1 to " + MAX_DAYS));
            return null;
        }
        return n.intValue();
    }

    private static BigDecimal number(JsonValue v, String at, List<FieldError> errors) {
        if (v == null || v.getValueType() != JsonValue.ValueType.NUMBER) {
            errors.add(new FieldError(at, v == null ? "is required" : "must be a number"));
            return null;
        }
        return ((JsonNumber) v).bigDecimalValue();
    }

    private static String text(JsonValue v, String at, List<FieldError> errors) {
        if (v == null || v.getValueType() != JsonValue.ValueType.STRING) {
            errors.add(new FieldError(at, v == null ? "is required" : "must be a text"));
            return null;
        }
        String s = ((JsonString) v).getString();
        if (s.isEmpty() || s.length() > MAX_TEXT) {
            errors.add(new FieldError(at, "has 1 to " + MAX_TEXT + " characters"));
            return null;
        }
        return s;
    }

    private static void allowOnly(JsonObject o, String at, List<FieldError> errors, String... allowed) {
        Set<String> ok = Set.of(allowed);
        for (String k : o.keySet()) {
            if (!ok.contains(k)) {
                errors.add(new FieldError(at + "/" + k, "is not a member here (allowed: " + String.join(", ", allowed) + ")"));
            }
        }
    }
}
