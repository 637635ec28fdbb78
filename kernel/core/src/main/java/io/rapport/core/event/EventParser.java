package io.rapport.core.event;

import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import io.rapport.api.customer.AttributeValue;
import io.rapport.api.customer.Identifier;
import io.rapport.api.event.EventTypes;
import io.rapport.api.event.NewEvent;
import io.rapport.core.customer.Attributes;
import io.rapport.core.customer.IdentifierJson;
import io.rapport.core.customer.Normalizer;
import io.rapport.core.json.Json;
import io.rapport.core.validation.FieldError;
import io.rapport.core.validation.InvalidInputException;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

/**
 * Reads events from the JSON of {@code POST /api/v1/events}: one event object, an array of them, or
 * {@code {"events": [...]}}. Each event is checked on its own so that a batch keeps its good events.
 */
public final class EventParser {

    public static final String TYPE = "type";
    public static final String CUSTOMER = "customer";
    public static final String VERIFIED = "verified";
    public static final String TIMESTAMP = "timestamp";
    public static final String PROPERTIES = "properties";
    public static final String TRAITS = "traits";
    public static final String IDEMPOTENCY_KEY = "idempotencyKey";
    public static final String EVENTS = "events";

    /** Traits that set profile fields rather than attributes. */
    public static final String TRAIT_FIRST_NAME = "firstName";
    public static final String TRAIT_LAST_NAME = "lastName";
    public static final String TRAIT_LOCALE = "locale";
    public static final String TRAIT_TIME_ZONE = "timeZone";

    static final Set<String> FIELDS = Set.of(TYPE, CUSTOMER, TIMESTAMP, PROPERTIES, TRAITS, IDEMPOTENCY_KEY);
    static final Set<String> CUSTOMER_FIELDS = Set.of(IdentifierJson.EMAIL, IdentifierJson.PHONE, IdentifierJson.ANONYMOUS_ID,
            IdentifierJson.EXTERNAL_IDS, VERIFIED);
    /** Types only the kernel emits; a sender may not forge them. */
    static final Set<String> RESERVED_TYPES = Set.of(EventTypes.CUSTOMER_CREATED, EventTypes.CUSTOMER_MERGED, EventTypes.CONSENT_CHANGED);
    static final Pattern TYPE_PATTERN = Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z0-9_]+)+");
    static final int MAX_TYPE = 100;
    static final int MAX_KEY = 200;
    static final int MAX_PROPERTIES_CHARS = 32_768;
    static final int MAX_TRAITS = 100;
    /** Clocks disagree; an event may claim to be at most this far in the future. */
    static final java.time.Duration MAX_FUTURE = java.time.Duration.ofHours(24);

    /** One event of a request: parsed, or the reasons it was not. */
    public record Item(int index, NewEvent event, List<FieldError> errors) {
        public boolean ok() {
            return event != null;
        }
    }

    private final int maxBatch;
    private final Clock clock;

    public EventParser(int maxBatch, Clock clock) {
        this.maxBatch = maxBatch;
        this.clock = clock;
    }

    public int maxBatch() {
        return maxBatch;
    }

    /**
     * @param body           the request body, already parsed as JSON
     * @param defaultRegion  the tenant's region for phone numbers without a country code, or null
     * @throws InvalidInputException when the body as a whole is unusable (not an event, empty, too large)
     */
    public List<Item> parse(JsonValue body, String defaultRegion) {
        List<JsonValue> raw;
        String base;
        if (body.getValueType() == JsonValue.ValueType.ARRAY) {
            raw = body.asJsonArray();
            base = "";
        } else if (body.getValueType() == JsonValue.ValueType.OBJECT && body.asJsonObject().containsKey(EVENTS)) {
            JsonObject o = body.asJsonObject();
            if (o.size() != 1) {
                throw new InvalidInputException("/", "a batch is {\"events\": [...]} with no other fields");
            }
            if (o.get(EVENTS).getValueType() != JsonValue.ValueType.ARRAY) {
                throw new InvalidInputException("/" + EVENTS, "must be an array of events");
            }
            raw = o.getJsonArray(EVENTS);
            base = "/" + EVENTS;
        } else if (body.getValueType() == JsonValue.ValueType.OBJECT) {
            return List.of(parseOne(body.asJsonObject(), 0, "", defaultRegion));
        } else {
            throw new InvalidInputException("/", "must be an event object, an array of events, or {\"events\": [...]}");
        }
        if (raw.isEmpty()) {
            throw new InvalidInputException(base.isEmpty() ? "/" : base, "holds no events");
        }
        if (raw.size() > maxBatch) {
            throw new InvalidInputException(base.isEmpty() ? "/" : base,
                    "holds " + raw.size() + " events; a batch holds at most " + maxBatch);
        }
        List<Item> items = new ArrayList<>(raw.size());
        for (int i = 0; i < raw.size(); i++) {
            String pointer = base + "/" + i;
            JsonValue v = raw.get(i);
            if (v.getValueType() != JsonValue.ValueType.OBJECT) {
                items.add(new Item(i, null, List.of(new FieldError(pointer, "must be an event object"))));
            } else {
                items.add(parseOne(v.asJsonObject(), i, pointer, defaultRegion));
            }
        }
        return items;
    }

    Item parseOne(JsonObject o, int index, String pointer, String defaultRegion) {
        List<FieldError> errors = new ArrayList<>();
        for (String key : o.keySet()) {
            if (!FIELDS.contains(key)) {
                errors.add(new FieldError(pointer + "/" + key, "is not a field of an event (expected one of " + new java.util.TreeSet<>(FIELDS) + ")"));
            }
        }
        String type = IdentifierJson.optString(o, TYPE, pointer, errors);
        if (type == null) {
            if (!o.containsKey(TYPE) || o.isNull(TYPE)) {
                errors.add(new FieldError(pointer + "/" + TYPE, "is required, like \"order.completed\""));
            }
        } else if (type.length() > MAX_TYPE || !TYPE_PATTERN.matcher(type).matches()) {
            errors.add(new FieldError(pointer + "/" + TYPE, "must be lower-case dotted words like \"order.completed\", at most " + MAX_TYPE + " characters"));
        } else if (RESERVED_TYPES.contains(type)) {
            errors.add(new FieldError(pointer + "/" + TYPE, "\"" + type + "\" is emitted by the kernel only"));
        }

        List<Identifier> identifiers = new ArrayList<>();
        boolean verified = false;
        JsonValue customer = o.get(CUSTOMER);
        String cp = pointer + "/" + CUSTOMER;
        if (customer == null || customer.getValueType() != JsonValue.ValueType.OBJECT) {
            errors.add(new FieldError(cp, "is required: an object with at least one of email, phone, externalIds, anonymousId"));
        } else {
            JsonObject c = customer.asJsonObject();
            for (String key : c.keySet()) {
                if (!CUSTOMER_FIELDS.contains(key)) {
                    errors.add(new FieldError(cp + "/" + key, "is not an identifier (expected one of " + new java.util.TreeSet<>(CUSTOMER_FIELDS) + ")"));
                }
            }
            int before = errors.size();
            IdentifierJson.read(c, cp, defaultRegion, identifiers, errors);
            JsonValue v = c.get(VERIFIED);
            if (v != null && v.getValueType() != JsonValue.ValueType.NULL) {
                if (v != JsonValue.TRUE && v != JsonValue.FALSE) {
                    errors.add(new FieldError(cp + "/" + VERIFIED, "must be true or false"));
                }
                verified = v == JsonValue.TRUE;
            }
            if (identifiers.isEmpty() && errors.size() == before) {
                errors.add(new FieldError(cp, "needs at least one of email, phone, externalIds, anonymousId"));
            }
        }

        OffsetDateTime now = OffsetDateTime.now(clock);
        OffsetDateTime occurredAt = now;
        String ts = IdentifierJson.optString(o, TIMESTAMP, pointer, errors);
        if (ts != null) {
            try {
                occurredAt = OffsetDateTime.parse(ts);
                if (occurredAt.isAfter(now.plus(MAX_FUTURE))) {
                    errors.add(new FieldError(pointer + "/" + TIMESTAMP, "is more than 24 hours in the future"));
                }
            } catch (DateTimeParseException e) {
                errors.add(new FieldError(pointer + "/" + TIMESTAMP, "must be an ISO-8601 date-time with offset, like 2026-01-31T09:30:00Z"));
            }
        }

        Map<String, Object> properties = Map.of();
        JsonValue p = o.get(PROPERTIES);
        if (p != null && p.getValueType() != JsonValue.ValueType.NULL) {
            if (p.getValueType() != JsonValue.ValueType.OBJECT) {
                errors.add(new FieldError(pointer + "/" + PROPERTIES, "must be an object"));
            } else if (Json.write(p).length() > MAX_PROPERTIES_CHARS) {
                errors.add(new FieldError(pointer + "/" + PROPERTIES, "is larger than " + MAX_PROPERTIES_CHARS + " characters of JSON"));
            } else {
                properties = Json.toMap(p.asJsonObject());
                if (EventTypes.ORDER_COMPLETED.equals(type) && properties.containsKey(EventTypes.PROPERTY_TOTAL)
                        && !(properties.get(EventTypes.PROPERTY_TOTAL) instanceof java.math.BigDecimal)) {
                    errors.add(new FieldError(pointer + "/" + PROPERTIES + "/" + EventTypes.PROPERTY_TOTAL, "must be a number"));
                }
            }
        }

        Map<String, AttributeValue> traits = traits(o.get(TRAITS), pointer + "/" + TRAITS, errors);

        String key = IdentifierJson.optString(o, IDEMPOTENCY_KEY, pointer, errors);
        if (key != null && (key.isEmpty() || key.length() > MAX_KEY)) {
            errors.add(new FieldError(pointer + "/" + IDEMPOTENCY_KEY, "must be 1 to " + MAX_KEY + " characters"));
        }

        if (!errors.isEmpty()) {
            return new Item(index, null, List.copyOf(errors));
        }
        return new Item(index, new NewEvent(type, identifiers, verified, occurredAt, properties, traits, key), List.of());
    }

    /** Reads traits: attribute values by name, with the profile fields checked as the profile checks them. */
    public static Map<String, AttributeValue> traits(JsonValue t, String pointer, List<FieldError> errors) {
        if (t == null || t.getValueType() == JsonValue.ValueType.NULL) {
            return Map.of();
        }
        if (t.getValueType() != JsonValue.ValueType.OBJECT) {
            errors.add(new FieldError(pointer, "must be an object of attribute values"));
            return Map.of();
        }
        JsonObject o = t.asJsonObject();
        if (o.size() > MAX_TRAITS) {
            errors.add(new FieldError(pointer, "holds more than " + MAX_TRAITS + " traits"));
            return Map.of();
        }
        Map<String, AttributeValue> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonValue> e : o.entrySet()) {
            String field = pointer + "/" + e.getKey();
            if (!Attributes.NAME.matcher(e.getKey()).matches()) {
                errors.add(new FieldError(field, "attribute names start with a letter and hold letters, digits, '_', '-', '.'"));
                continue;
            }
            if (e.getValue().getValueType() == JsonValue.ValueType.NULL) {
                continue;
            }
            switch (e.getKey()) {
                case TRAIT_FIRST_NAME, TRAIT_LAST_NAME -> {
                    if (e.getValue().getValueType() != JsonValue.ValueType.STRING || ((JsonString) e.getValue()).getString().length() > 200) {
                        errors.add(new FieldError(field, "must be a string of at most 200 characters"));
                    } else {
                        out.put(e.getKey(), AttributeValue.of(((JsonString) e.getValue()).getString()));
                    }
                }
                case TRAIT_LOCALE -> profileString(e.getValue(), field, errors, Normalizer::locale, "is not a language tag like en-GB", out, e.getKey());
                case TRAIT_TIME_ZONE -> profileString(e.getValue(), field, errors, Normalizer::timeZone, "is not an IANA time zone like Europe/Paris", out, e.getKey());
                default -> {
                    AttributeValue v = Attributes.fromJson(e.getValue(), field, errors);
                    if (v != null) {
                        out.put(e.getKey(), v);
                    }
                }
            }
        }
        return out;
    }

    private static void profileString(JsonValue v, String field, List<FieldError> errors,
                                      java.util.function.Function<String, java.util.Optional<String>> normalise,
                                      String problem, Map<String, AttributeValue> out, String key) {
        if (v.getValueType() != JsonValue.ValueType.STRING) {
            errors.add(new FieldError(field, "must be a string"));
            return;
        }
        normalise.apply(((JsonString) v).getString()).ifPresentOrElse(s -> out.put(key, AttributeValue.of(s)),
                () -> errors.add(new FieldError(field, problem)));
    }
}
