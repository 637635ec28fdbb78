package io.rapport.core.json;

import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.json.JsonArray;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.JsonWriter;
import jakarta.json.spi.JsonProvider;

/** Converts between JSON-P values and the plain Java values of {@link io.rapport.api.event.Event#properties()}. */
public final class Json {

    private static final JsonProvider PROVIDER = JsonProvider.provider();

    private Json() {
    }

    public static JsonProvider provider() {
        return PROVIDER;
    }

    public static Object toJava(JsonValue v) {
        return switch (v.getValueType()) {
            case STRING -> ((JsonString) v).getString();
            case NUMBER -> ((JsonNumber) v).bigDecimalValue();
            case TRUE -> Boolean.TRUE;
            case FALSE -> Boolean.FALSE;
            case NULL -> null;
            case ARRAY -> {
                List<Object> list = new ArrayList<>();
                for (JsonValue item : v.asJsonArray()) {
                    list.add(toJava(item));
                }
                yield Collections.unmodifiableList(list);
            }
            case OBJECT -> toMap(v.asJsonObject());
        };
    }

    public static Map<String, Object> toMap(JsonObject o) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (Map.Entry<String, JsonValue> e : o.entrySet()) {
            map.put(e.getKey(), toJava(e.getValue()));
        }
        return Collections.unmodifiableMap(map);
    }

    public static JsonValue toJson(Object v) {
        if (v == null) {
            return JsonValue.NULL;
        } else if (v instanceof JsonValue j) {
            return j;
        } else if (v instanceof String s) {
            return PROVIDER.createValue(s);
        } else if (v instanceof BigDecimal n) {
            return PROVIDER.createValue(n);
        } else if (v instanceof Integer || v instanceof Long || v instanceof Short) {
            return PROVIDER.createValue(((Number) v).longValue());
        } else if (v instanceof Number n) {
            return PROVIDER.createValue(new BigDecimal(n.toString()));
        } else if (v instanceof Boolean b) {
            return b ? JsonValue.TRUE : JsonValue.FALSE;
        } else if (v instanceof Map<?, ?> m) {
            JsonObjectBuilder b = PROVIDER.createObjectBuilder();
            m.forEach((k, val) -> b.add(String.valueOf(k), toJson(val)));
            return b.build();
        } else if (v instanceof Iterable<?> it) {
            JsonArrayBuilder b = PROVIDER.createArrayBuilder();
            it.forEach(item -> b.add(toJson(item)));
            return b.build();
        }
        return PROVIDER.createValue(v.toString());
    }

    public static String write(JsonValue v) {
        StringWriter out = new StringWriter();
        try (JsonWriter w = PROVIDER.createWriter(out)) {
            w.write(v);
        }
        return out.toString();
    }

    public static String writeMap(Map<String, ?> map) {
        return write(toJson(map));
    }

    public static JsonObject readObject(String text) {
        try (JsonReader r = PROVIDER.createReader(new StringReader(text))) {
            return r.readObject();
        }
    }

    public static JsonArray readArray(String text) {
        try (JsonReader r = PROVIDER.createReader(new StringReader(text))) {
            return r.readArray();
        }
    }

    public static Map<String, Object> readMap(String text) {
        return text == null || text.isEmpty() ? Map.of() : toMap(readObject(text));
    }


    public static JsonObjectBuilder object() {
        return PROVIDER.createObjectBuilder();
    }

    public static JsonArrayBuilder array() {
        return PROVIDER.createArrayBuilder();
    }

    /** @return {@code Json.createValue} for a string that may be null */
    public static JsonValue string(String s) {
        return s == null ? JsonValue.NULL : PROVIDER.createValue(s);
    }

}
