package io.rapport.core.customer;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import io.rapport.api.customer.AttributeType;
import io.rapport.api.customer.AttributeValue;
import io.rapport.core.json.Json;
import io.rapport.core.validation.FieldError;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

/**
 * Typed attributes in JSON and in storage. In JSON a value's type is inferred (string, number, boolean, array of
 * strings) or given explicitly as {@code {"type": "date", "value": "1990-05-01"}}. In storage every value is one
 * canonical string beside its type, so that search by attribute compares strings.
 */
public final class Attributes {

    /** Attribute names: letters, digits, underscore, dash and dot, starting with a letter. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,99}");
    static final int MAX_STRING = 2000;
    static final int MAX_LIST = 100;

    private Attributes() {
    }

    /**
     * @return the value, or null after adding what is wrong to {@code errors}; a JSON null returns null with no error
     *         (it means "remove")
     */
    public static AttributeValue fromJson(JsonValue v, String field, List<FieldError> errors) {
        switch (v.getValueType()) {
            case NULL:
                return null;
            case STRING:
                return string(((JsonString) v).getString(), field, errors);
            case NUMBER:
                return AttributeValue.of(((JsonNumber) v).bigDecimalValue());
            case TRUE:
                return AttributeValue.of(true);
            case FALSE:
                return AttributeValue.of(false);
            case ARRAY:
                return list(v, field, errors);
            case OBJECT:
                return explicit(v.asJsonObject(), field, errors);
            default:
                errors.add(new FieldError(field, "is not a supported attribute value"));
                return null;
        }
    }

    /** @return what is wrong with an attribute a source (an import) gives, or null when the kernel can store it */
    public static String problem(String name, AttributeValue v) {
        if (name == null || !NAME.matcher(name).matches()) {
            return "'" + name + "' is not an attribute name: letters, digits, '_', '-' and '.', starting with a letter, at most 100";
        }
        if (v.value() instanceof String s && s.length() > MAX_STRING) {
            return "is longer than " + MAX_STRING + " characters";
        }
        if (v.value() instanceof List<?> l && l.size() > MAX_LIST) {
            return "holds more than " + MAX_LIST + " items";
        }
        return null;
    }

    private static AttributeValue string(String s, String field, List<FieldError> errors) {
        if (s.length() > MAX_STRING) {
            errors.add(new FieldError(field, "is longer than " + MAX_STRING + " characters"));
            return null;
        }
        return AttributeValue.of(s);
    }

    private static AttributeValue list(JsonValue v, String field, List<FieldError> errors) {
        List<String> items = new ArrayList<>();
        int i = 0;
        for (JsonValue item : v.asJsonArray()) {
            if (item.getValueType() != JsonValue.ValueType.STRING) {
                errors.add(new FieldError(field + "/" + i, "list attributes hold strings only"));
                return null;
            }
            items.add(((JsonString) item).getString());
            i++;
        }
        if (items.size() > MAX_LIST) {
            errors.add(new FieldError(field, "holds more than " + MAX_LIST + " items"));
            return null;
        }
        return AttributeValue.of(items);
    }

    private static AttributeValue explicit(JsonObject o, String field, List<FieldError> errors) {
        String typeName = o.containsKey("type") && o.get("type").getValueType() == JsonValue.ValueType.STRING
                ? o.getString("type") : null;
        AttributeType type = null;
        if (typeName != null) {
            try {
                type = AttributeType.valueOf(typeName.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                type = null;
            }
        }
        if (type == null || !o.containsKey("value") || o.size() != 2) {
            errors.add(new FieldError(field, "an object attribute must be {\"type\": string|number|boolean|date|list, \"value\": ...}"));
            return null;
        }
        JsonValue value = o.get("value");
        if (type == AttributeType.DATE) {
            if (value.getValueType() != JsonValue.ValueType.STRING) {
                errors.add(new FieldError(field + "/value", "a date must be a string like 2024-12-31"));
                return null;
            }
            try {
                return AttributeValue.of(LocalDate.parse(((JsonString) value).getString()));
            } catch (DateTimeParseException e) {
                errors.add(new FieldError(field + "/value", "is not a date like 2024-12-31"));
                return null;
            }
        }
        int before = errors.size();
        AttributeValue inferred = fromJson(value, field + "/value", errors);
        if (errors.size() > before) {
            return null;
        }
        if (inferred == null || inferred.type() != type) {
            errors.add(new FieldError(field + "/value", "is not a " + typeName));
            return null;
        }
        return inferred;
    }

    public static JsonValue toJson(AttributeValue v) {
        return switch (v.type()) {
            case DATE -> Json.object().add("type", "date").add("value", v.value().toString()).build();
            default -> Json.toJson(v.value());
        };
    }

    /** @return the canonical string stored for {@code v} */
    public static String encode(AttributeValue v) {
        return switch (v.type()) {
            case STRING -> (String) v.value();
            case NUMBER -> ((BigDecimal) v.value()).stripTrailingZeros().toPlainString();
            case BOOLEAN, DATE -> v.value().toString();
            case LIST -> Json.write(Json.toJson(v.value()));
        };
    }

    public static AttributeValue decode(String type, String stored) {
        AttributeType t = AttributeType.valueOf(type);
        return switch (t) {
            case STRING -> AttributeValue.of(stored);
            case NUMBER -> AttributeValue.of(new BigDecimal(stored));
            case BOOLEAN -> AttributeValue.of(Boolean.parseBoolean(stored));
            case DATE -> AttributeValue.of(LocalDate.parse(stored));
            case LIST -> {
                List<String> items = new ArrayList<>();
                Json.readArray(stored).forEach(j -> items.add(((JsonString) j).getString()));
                yield AttributeValue.of(items);
            }
        };
    }
}
