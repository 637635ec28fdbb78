package io.rapport.core.customer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import io.rapport.api.customer.Identifier;
import io.rapport.core.validation.FieldError;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

/**
 * Reads the identifiers of a customer from JSON: {@code email}, {@code phone}, {@code anonymousId} and
 * {@code externalIds} (an object from system name to id), each normalised.
 */
public final class IdentifierJson {

    public static final String EMAIL = "email";
    public static final String PHONE = "phone";
    public static final String ANONYMOUS_ID = "anonymousId";
    public static final String EXTERNAL_IDS = "externalIds";

    /** System names of external ids: lower-case letters, digits, dash and underscore. */
    public static final Pattern SYSTEM = Pattern.compile("[a-z][a-z0-9_-]{0,63}");
    static final int MAX_ID = 200;

    private IdentifierJson() {
    }

    /** Adds the identifiers found in {@code o} to {@code out}; errors name fields under {@code pointer}. */
    public static void read(JsonObject o, String pointer, String defaultRegion, List<Identifier> out, List<FieldError> errors) {
        String email = optString(o, EMAIL, pointer, errors);
        if (email != null) {
            Normalizer.email(email).ifPresentOrElse(e -> out.add(Identifier.email(e)),
                    () -> errors.add(new FieldError(pointer + "/" + EMAIL, "is not a valid email address")));
        }
        String phone = optString(o, PHONE, pointer, errors);
        if (phone != null) {
            Normalizer.phone(phone, defaultRegion).ifPresentOrElse(p -> out.add(Identifier.phone(p)),
                    () -> errors.add(new FieldError(pointer + "/" + PHONE,
                            "is not a valid phone number" + (defaultRegion == null ? " in international form (+<country code><number>)" : ""))));
        }
        String anonymous = optString(o, ANONYMOUS_ID, pointer, errors);
        if (anonymous != null) {
            if (anonymous.isBlank() || anonymous.length() > MAX_ID) {
                errors.add(new FieldError(pointer + "/" + ANONYMOUS_ID, "must be 1 to " + MAX_ID + " characters"));
            } else {
                out.add(Identifier.anonymous(anonymous));
            }
        }
        JsonValue ext = o.get(EXTERNAL_IDS);
        if (ext != null && ext.getValueType() != JsonValue.ValueType.NULL) {
            if (ext.getValueType() != JsonValue.ValueType.OBJECT) {
                errors.add(new FieldError(pointer + "/" + EXTERNAL_IDS, "must be an object from system name to id, like {\"shopify\": \"123\"}"));
            } else {
                for (Map.Entry<String, JsonValue> e : ext.asJsonObject().entrySet()) {
                    String field = pointer + "/" + EXTERNAL_IDS + "/" + e.getKey();
                    if (!SYSTEM.matcher(e.getKey()).matches()) {
                        errors.add(new FieldError(field, "system names are lower-case letters, digits, '-' and '_'"));
                    } else if (e.getValue().getValueType() != JsonValue.ValueType.STRING
                            || ((JsonString) e.getValue()).getString().isBlank()
                            || ((JsonString) e.getValue()).getString().length() > MAX_ID) {
                        errors.add(new FieldError(field, "must be a string of 1 to " + MAX_ID + " characters"));
                    } else {
                        out.add(Identifier.external(e.getKey(), ((JsonString) e.getValue()).getString()));
                    }
                }
            }
        }
    }

    /** @return the string at {@code key}, or null if absent or null; a non-string adds an error. */
    public static String optString(JsonObject o, String key, String pointer, List<FieldError> errors) {
        JsonValue v = o.get(key);
        if (v == null || v.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (v.getValueType() != JsonValue.ValueType.STRING) {
            errors.add(new FieldError(pointer + "/" + key, "must be a string"));
            return null;
        }
        return ((JsonString) v).getString();
    }

    public static List<Identifier> read(JsonObject o, String pointer, String defaultRegion, List<FieldError> errors) {
        List<Identifier> out = new ArrayList<>();
        read(o, pointer, defaultRegion, out, errors);
        return out;
    }
}
