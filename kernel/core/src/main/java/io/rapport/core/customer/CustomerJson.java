package io.rapport.core.customer;

import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

import io.rapport.api.customer.AttributeValue;
import io.rapport.api.customer.Consent;
import io.rapport.api.customer.ConsentStatus;
import io.rapport.api.customer.Customer;
import io.rapport.api.customer.Identifier;
import io.rapport.core.json.Json;
import io.rapport.core.validation.FieldError;
import io.rapport.core.validation.InvalidInputException;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

/** The JSON form of profiles: reading create and merge-patch bodies, writing profiles. */
public final class CustomerJson {

    public static final String ID = "id";
    public static final String EMAIL = IdentifierJson.EMAIL;
    public static final String PHONE = IdentifierJson.PHONE;
    public static final String ANONYMOUS_ID = IdentifierJson.ANONYMOUS_ID;
    public static final String EXTERNAL_IDS = IdentifierJson.EXTERNAL_IDS;
    public static final String FIRST_NAME = "firstName";
    public static final String LAST_NAME = "lastName";
    public static final String LOCALE = "locale";
    public static final String TIME_ZONE = "timeZone";
    public static final String STAGE = "stage";
    public static final String ATTRIBUTES = "attributes";
    public static final String TAGS = "tags";
    public static final String CONSENTS = "consents";

    static final Set<String> WRITABLE = Set.of(EMAIL, PHONE, ANONYMOUS_ID, EXTERNAL_IDS, FIRST_NAME, LAST_NAME, LOCALE, TIME_ZONE, STAGE,
            ATTRIBUTES, TAGS, CONSENTS);
    static final Pattern TAG = Pattern.compile("[\\p{L}\\p{N}][\\p{L}\\p{N} _.:-]{0,99}");
    static final Pattern WORD = Pattern.compile("[a-z][a-z0-9_-]{0,39}");

    private CustomerJson() {
    }

    /**
     * Reads a create body or a merge patch.
     *
     * @throws InvalidInputException listing every bad field
     */
    public static CustomerChanges changes(JsonValue body, String defaultRegion, StageRules stages, Clock clock) {
        if (body.getValueType() != JsonValue.ValueType.OBJECT) {
            throw new InvalidInputException("/", "must be a JSON object");
        }
        JsonObject o = body.asJsonObject();
        List<FieldError> errors = new ArrayList<>();
        Map<String, Optional<String>> fields = new LinkedHashMap<>();
        for (String key : o.keySet()) {
            if (!WRITABLE.contains(key)) {
                errors.add(new FieldError("/" + key, "is not a writable field of a customer (expected one of " + new java.util.TreeSet<>(WRITABLE) + ")"));
            }
        }
        field(o, EMAIL, fields, errors, Normalizer::email, "is not a valid email address");
        field(o, PHONE, fields, errors, raw -> Normalizer.phone(raw, defaultRegion),
                "is not a valid phone number" + (defaultRegion == null ? " in international form (+<country code><number>)" : ""));
        field(o, ANONYMOUS_ID, fields, errors, s -> s.isBlank() || s.length() > 200 ? Optional.empty() : Optional.of(s), "must be 1 to 200 characters");
        field(o, FIRST_NAME, fields, errors, s -> s.length() > 200 ? Optional.empty() : Optional.of(s), "must be at most 200 characters");
        field(o, LAST_NAME, fields, errors, s -> s.length() > 200 ? Optional.empty() : Optional.of(s), "must be at most 200 characters");
        field(o, LOCALE, fields, errors, Normalizer::locale, "is not a language tag like en-GB");
        field(o, TIME_ZONE, fields, errors, Normalizer::timeZone, "is not an IANA time zone like Europe/Paris");
        field(o, STAGE, fields, errors, s -> stages.isStage(s) ? Optional.of(s) : Optional.empty(), "must be one of " + stages.stages());

        Map<String, Optional<String>> external = new LinkedHashMap<>();
        JsonValue ext = o.get(EXTERNAL_IDS);
        if (ext != null) {
            if (ext.getValueType() != JsonValue.ValueType.OBJECT) {
                errors.add(new FieldError("/" + EXTERNAL_IDS, "must be an object from system name to id (null removes one)"));
            } else {
                for (Map.Entry<String, JsonValue> e : ext.asJsonObject().entrySet()) {
                    String f = "/" + EXTERNAL_IDS + "/" + e.getKey();
                    if (!IdentifierJson.SYSTEM.matcher(e.getKey()).matches()) {
                        errors.add(new FieldError(f, "system names are lower-case letters, digits, '-' and '_'"));
                    } else if (e.getValue().getValueType() == JsonValue.ValueType.NULL) {
                        external.put(e.getKey(), Optional.empty());
                    } else if (e.getValue().getValueType() != JsonValue.ValueType.STRING || ((JsonString) e.getValue()).getString().isBlank()
                            || ((JsonString) e.getValue()).getString().length() > IdentifierJson.MAX_ID) {
                        errors.add(new FieldError(f, "must be a string of 1 to " + IdentifierJson.MAX_ID + " characters, or null to remove it"));
                    } else {
                        external.put(e.getKey(), Optional.of(((JsonString) e.getValue()).getString()));
                    }
                }
            }
        }

        Map<String, Optional<AttributeValue>> attributes = new LinkedHashMap<>();
        JsonValue attrs = o.get(ATTRIBUTES);
        if (attrs != null) {
            if (attrs.getValueType() != JsonValue.ValueType.OBJECT) {
                errors.add(new FieldError("/" + ATTRIBUTES, "must be an object from attribute name to value (null removes one)"));
            } else {
                for (Map.Entry<String, JsonValue> e : attrs.asJsonObject().entrySet()) {
                    String f = "/" + ATTRIBUTES + "/" + e.getKey();
                    if (!Attributes.NAME.matcher(e.getKey()).matches()) {
                        errors.add(new FieldError(f, "attribute names start with a letter and hold letters, digits, '_', '-', '.'"));
                        continue;
                    }
                    int before = errors.size();
                    AttributeValue v = Attributes.fromJson(e.getValue(), f, errors);
                    if (errors.size() == before) {
                        attributes.put(e.getKey(), Optional.ofNullable(v));
                    }
                }
            }
        }

        Set<String> tags = null;
        JsonValue t = o.get(TAGS);
        if (t != null) {
            if (t.getValueType() != JsonValue.ValueType.ARRAY) {
                errors.add(new FieldError("/" + TAGS, "must be an array of strings"));
            } else {
                tags = new LinkedHashSet<>();
                int i = 0;
                for (JsonValue item : t.asJsonArray()) {
                    if (item.getValueType() != JsonValue.ValueType.STRING || !TAG.matcher(((JsonString) item).getString()).matches()) {
                        errors.add(new FieldError("/" + TAGS + "/" + i, "a tag is 1 to 100 letters, digits, spaces or _.:- and starts with a letter or digit"));
                    } else {
                        tags.add(((JsonString) item).getString());
                    }
                    i++;
                }
            }
        }

        List<Consent> consents = new ArrayList<>();
        JsonValue cs = o.get(CONSENTS);
        if (cs != null) {
            if (cs.getValueType() != JsonValue.ValueType.ARRAY) {
                errors.add(new FieldError("/" + CONSENTS, "must be an array of {purpose, channel, status, source}"));
            } else {
                int i = 0;
                for (JsonValue item : cs.asJsonArray()) {
                    Consent c = consent(item, "/" + CONSENTS + "/" + i, clock, errors);
                    if (c != null) {
                        consents.add(c);
                    }
                    i++;
                }
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        return new CustomerChanges(fields, external, attributes, tags, consents);
    }

    /** Reads one consent decision: {@code {purpose, channel, status, source?, changedAt?}}. */
    public static Consent consent(JsonValue item, String pointer, Clock clock, List<FieldError> errors) {
        if (item.getValueType() != JsonValue.ValueType.OBJECT) {
            errors.add(new FieldError(pointer, "must be an object {purpose, channel, status, source}"));
            return null;
        }
        JsonObject o = item.asJsonObject();
        int before = errors.size();
        String purpose = IdentifierJson.optString(o, "purpose", pointer, errors);
        String channel = IdentifierJson.optString(o, "channel", pointer, errors);
        String status = IdentifierJson.optString(o, "status", pointer, errors);
        String source = IdentifierJson.optString(o, "source", pointer, errors);
        String at = IdentifierJson.optString(o, "changedAt", pointer, errors);
        for (String key : o.keySet()) {
            if (!Set.of("purpose", "channel", "status", "source", "changedAt").contains(key)) {
                errors.add(new FieldError(pointer + "/" + key, "is not a field of a consent (purpose, channel, status, source, changedAt)"));
            }
        }
        if (purpose == null || !WORD.matcher(purpose).matches()) {
            errors.add(new FieldError(pointer + "/purpose", "is required: a lower-case word such as marketing, transactional or surveys"));
        }
        if (channel == null || !WORD.matcher(channel).matches()) {
            errors.add(new FieldError(pointer + "/channel", "is required: a channel type such as email or sms"));
        }
        ConsentStatus st = null;
        if (status != null) {
            try {
                st = ConsentStatus.valueOf(status.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                st = null;
            }
        }
        if (st == null) {
            errors.add(new FieldError(pointer + "/status", "is required: granted or withdrawn"));
        }
        if (source != null && source.length() > 200) {
            errors.add(new FieldError(pointer + "/source", "must be at most 200 characters"));
        }
        OffsetDateTime changedAt = OffsetDateTime.now(clock);
        if (at != null) {
            try {
                changedAt = OffsetDateTime.parse(at);
            } catch (DateTimeParseException e) {
                errors.add(new FieldError(pointer + "/changedAt", "must be an ISO-8601 date-time with offset"));
            }
        }
        return errors.size() > before ? null : new Consent(purpose, channel, st, source, changedAt);
    }

    private static void field(JsonObject o, String key, Map<String, Optional<String>> fields, List<FieldError> errors,
                              Function<String, Optional<String>> normalise, String problem) {
        if (!o.containsKey(key)) {
            return;
        }
        JsonValue v = o.get(key);
        if (v.getValueType() == JsonValue.ValueType.NULL) {
            fields.put(key, Optional.empty());
        } else if (v.getValueType() != JsonValue.ValueType.STRING) {
            errors.add(new FieldError("/" + key, "must be a string or null"));
        } else {
            Optional<String> n = normalise.apply(((JsonString) v).getString());
            if (n.isEmpty()) {
                errors.add(new FieldError("/" + key, problem));
            } else {
                fields.put(key, n);
            }
        }
    }

    public static JsonObject toJson(Customer c) {
        JsonObjectBuilder b = Json.object().add(ID, c.id().toString());
        b.add(EMAIL, Json.string(c.email()));
        b.add(PHONE, Json.string(c.phone()));
        b.add(FIRST_NAME, Json.string(c.firstName()));
        b.add(LAST_NAME, Json.string(c.lastName()));
        b.add(LOCALE, Json.string(c.locale()));
        b.add(TIME_ZONE, Json.string(c.timeZone()));
        b.add(STAGE, Json.string(c.stage()));
        JsonObjectBuilder ext = Json.object();
        JsonArrayBuilder ids = Json.array();
        for (Identifier id : c.identifiers()) {
            if (id.type() == io.rapport.api.customer.IdentifierType.EXTERNAL) {
                ext.add(id.namespace(), id.value());
            }
            JsonObjectBuilder ib = Json.object().add("type", id.type().key()).add("value", id.value());
            if (!id.namespace().isEmpty()) {
                ib.add("system", id.namespace());
            }
            ids.add(ib);
        }
        b.add(EXTERNAL_IDS, ext);
        b.add("identifiers", ids);
        JsonObjectBuilder attrs = Json.object();
        c.attributes().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> attrs.add(e.getKey(), Attributes.toJson(e.getValue())));
        b.add(ATTRIBUTES, attrs);
        JsonArrayBuilder tags = Json.array();
        c.tags().stream().sorted().forEach(tags::add);
        b.add(TAGS, tags);
        JsonArrayBuilder consents = Json.array();
        for (Consent k : c.consents()) {
            JsonObjectBuilder kb = Json.object().add("purpose", k.purpose()).add("channel", k.channel())
                    .add("status", k.status().name().toLowerCase(Locale.ROOT)).add("source", Json.string(k.source()))
                    .add("changedAt", k.changedAt().toString());
            consents.add(kb);
        }
        b.add(CONSENTS, consents);
        b.add("orderCount", c.orderCount());
        b.add("revenue", c.revenue());
        b.add("createdAt", c.createdAt().toString());
        b.add("updatedAt", c.updatedAt().toString());
        b.add("lastSeenAt", c.lastSeenAt() == null ? JsonValue.NULL : Json.string(c.lastSeenAt().toString()));
        return b.build();
    }
}
