package io.rapport.connector.hubspot;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import io.rapport.api.customer.AttributeType;
import io.rapport.api.customer.AttributeValue;
import io.rapport.api.imports.ContactRecord;
import io.rapport.api.imports.Rejected;

/**
 * Turns a HubSpot contact into a {@link ContactRecord}: its id is the external id, {@code email}, {@code firstname},
 * {@code lastname}, {@code phone} (or else {@code mobilephone}) and {@code hs_language} (the locale) fill the fields,
 * and {@code lifecyclestage}, {@code hubspot_owner_id}, {@code createdate}, {@code lastmodifieddate} and the extra
 * properties an admin names become typed attributes. A contact with no id, e-mail address or phone number, or with a
 * value its type cannot hold, is {@link Rejected}.
 */
final class ContactMapper {

    /** HubSpot's contact properties this connector reads (internal names). */
    static final String EMAIL = "email";
    static final String FIRST_NAME = "firstname";
    static final String LAST_NAME = "lastname";
    static final String PHONE = "phone";
    static final String MOBILE_PHONE = "mobilephone";
    static final String LANGUAGE = "hs_language";
    static final String LIFECYCLE_STAGE = "lifecyclestage";
    static final String OWNER_ID = "hubspot_owner_id";
    static final String CREATED = "createdate";

    /** Attributes the connector sets. */
    static final String ATTRIBUTE_PREFIX = "hubspot_";
    static final String ATTR_LIFECYCLE_STAGE = "hubspot_lifecycle_stage";
    static final String ATTR_OWNER_ID = "hubspot_owner_id";
    static final String ATTR_CREATED = "hubspot_created";
    static final String ATTR_LAST_MODIFIED = "hubspot_last_modified";

    /** HubSpot's separator of the values of a multiple-checkbox property. */
    static final String LIST_SEPARATOR = ";";
    static final Pattern PROPERTY_NAME = Pattern.compile("[a-z0-9_]{1,100}");
    static final Pattern DATE_ONLY = Pattern.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}");

    /** A property an admin asked for: its HubSpot name, the attribute it fills and the attribute's type. */
    record Extra(String property, String attribute, AttributeType type) {

        /** Reads {@code name} or {@code name:type}, type one of string, number, date, boolean, list (string if left out). */
        static Extra parse(String spec) {
            String s = spec == null ? "" : spec.strip();
            int colon = s.indexOf(':');
            String name = (colon < 0 ? s : s.substring(0, colon)).strip();
            String type = colon < 0 ? "string" : s.substring(colon + 1).strip().toLowerCase(Locale.ROOT);
            if (!PROPERTY_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("'" + spec + "' is not a HubSpot property: use its internal name (lower case letters, digits and _),"
                        + " optionally followed by :string, :number, :date, :boolean or :list");
            }
            AttributeType t = switch (type) {
                case "string", "" -> AttributeType.STRING;
                case "number" -> AttributeType.NUMBER;
                case "date" -> AttributeType.DATE;
                case "boolean", "bool" -> AttributeType.BOOLEAN;
                case "list" -> AttributeType.LIST;
                default -> throw new IllegalArgumentException("'" + spec + "': the type is string, number, date, boolean or list, not '" + type + "'");
            };
            return new Extra(name, name.startsWith(ATTRIBUTE_PREFIX) ? name : ATTRIBUTE_PREFIX + name, t);
        }
    }

    /** What one contact became: a record, or why it was refused. */
    record Mapped(ContactRecord record, Rejected rejected) {
    }

    private final List<Extra> extras;

    ContactMapper(List<Extra> extras) {
        this.extras = List.copyOf(extras);
    }

    /** @return the properties to ask HubSpot for */
    List<String> properties() {
        Set<String> p = new LinkedHashSet<>(Arrays.asList(HubSpotClient.PROPERTY_ID, EMAIL, FIRST_NAME, LAST_NAME, PHONE, MOBILE_PHONE, LANGUAGE,
                LIFECYCLE_STAGE, OWNER_ID, CREATED, HubSpotClient.PROPERTY_LAST_MODIFIED));
        extras.forEach(e -> p.add(e.property()));
        return List.copyOf(p);
    }

    Mapped map(long line, HubSpotClient.Contact contact) {
        Map<String, String> p = contact.properties();
        String id = contact.id() != null ? contact.id() : p.get(HubSpotClient.PROPERTY_ID);
        String email = p.get(EMAIL);
        String phone = p.get(PHONE) != null ? p.get(PHONE) : p.get(MOBILE_PHONE);
        if (id == null && email == null && phone == null) {
            return new Mapped(null, new Rejected(line, null, "the contact has no id, e-mail address or phone number"));
        }
        Map<String, AttributeValue> attributes = new LinkedHashMap<>();
        try {
            put(attributes, ATTR_LIFECYCLE_STAGE, AttributeType.STRING, LIFECYCLE_STAGE, p.get(LIFECYCLE_STAGE));
            put(attributes, ATTR_OWNER_ID, AttributeType.STRING, OWNER_ID, p.get(OWNER_ID));
            put(attributes, ATTR_CREATED, AttributeType.DATE, CREATED, p.get(CREATED));
            put(attributes, ATTR_LAST_MODIFIED, AttributeType.DATE, HubSpotClient.PROPERTY_LAST_MODIFIED, p.get(HubSpotClient.PROPERTY_LAST_MODIFIED));
            for (Extra e : extras) {
                put(attributes, e.attribute(), e.type(), e.property(), p.get(e.property()));
            }
        } catch (BadValue b) {
            return new Mapped(null, new Rejected(line, b.property, b.getMessage()));
        }
        ContactRecord record = new ContactRecord(line, id, email, phone, p.get(FIRST_NAME), p.get(LAST_NAME), locale(p.get(LANGUAGE)), null, attributes,
                null, null);
        return new Mapped(record, null);
    }

    /** {@code en-us} → {@code en-US}; null for a value that is no language tag. */
    static String locale(String language) {
        if (language == null) {
            return null;
        }
        String tag = Locale.forLanguageTag(language.replace('_', '-')).toLanguageTag();
        return "und".equals(tag) ? null : tag;
    }

    private static void put(Map<String, AttributeValue> attributes, String attribute, AttributeType type, String property, String value) throws BadValue {
        if (value == null) {
            return;
        }
        attributes.put(attribute, value(type, property, value));
    }

    static AttributeValue value(AttributeType type, String property, String value) throws BadValue {
        switch (type) {
            case STRING:
                return AttributeValue.of(value);
            case NUMBER:
                try {
                    return AttributeValue.of(new BigDecimal(value));
                } catch (NumberFormatException e) {
                    throw new BadValue(property, "'" + value + "' in " + property + " is not a number");
                }
            case BOOLEAN:
                if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
                    return AttributeValue.of(Boolean.parseBoolean(value.toLowerCase(Locale.ROOT)));
                }
                throw new BadValue(property, "'" + value + "' in " + property + " is neither true nor false");
            case DATE:
                try {
                    if (DATE_ONLY.matcher(value).matches()) {
                        return AttributeValue.of(LocalDate.parse(value));
                    }
                    return AttributeValue.of(LocalDate.ofInstant(Instant.ofEpochMilli(HubSpotClient.millis(value)), ZoneOffset.UTC));
                } catch (DateTimeParseException | IllegalArgumentException e) {
                    throw new BadValue(property, "'" + value + "' in " + property + " is not a date");
                }
            case LIST:
                List<String> items = new ArrayList<>();
                for (String item : value.split(LIST_SEPARATOR)) {
                    if (!item.isBlank()) {
                        items.add(item.strip());
                    }
                }
                return AttributeValue.of(items);
            default:
                throw new IllegalStateException("unknown type " + type);
        }
    }

    /** A value its attribute's type cannot hold. */
    static final class BadValue extends Exception {
        private static final long serialVersionUID = 1L;
        final String property;

        BadValue(String property, String message) {
            super(message);
            this.property = property;
        }
    }
}
