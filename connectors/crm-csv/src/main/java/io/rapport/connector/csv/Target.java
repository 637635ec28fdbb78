package io.rapport.connector.csv;

import java.util.Locale;

import io.rapport.api.customer.AttributeType;

/**
 * Where a column's value goes: the right-hand side of a mapping. Written as a string so that a mapping is data:
 * <ul>
 * <li>contacts: {@code externalId}, {@code email}, {@code phone}, {@code firstName}, {@code lastName},
 * {@code locale}, {@code timeZone}, {@code tags} (a list cell split on {@code ,} or {@code ;});
 * {@code attribute:<name>} or {@code attribute:<name>:<STRING|NUMBER|BOOLEAN|DATE|LIST>} (no type: inferred from
 * the first rows); {@code consent:<purpose>:<channel>} (the cell is a status: granted/subscribed/yes/true or
 * withdrawn/unsubscribed/no/false), {@code consent:<purpose>:<channel>:optout} (the cell is an opt-out flag: true
 * means withdrawn, false means nothing), {@code consentDate:<purpose>:<channel>} (when that decision was made);</li>
 * <li>orders: {@code orderId}, {@code customerId} (the customer's external id), {@code email}, {@code orderDate},
 * {@code amount}, {@code currency}, {@code quantity}, {@code sku}, {@code itemName}, {@code price};</li>
 * <li>both: {@code ignore}.</li>
 * </ul>
 *
 * @param kind    what the target is
 * @param name    the attribute's normalised name, or the consent's purpose; null otherwise
 * @param channel the consent's channel; null otherwise
 * @param type    the attribute's type, or null to infer it
 * @param optOut  for a consent: the cell is an opt-out flag rather than a status
 */
public record Target(Kind kind, String name, String channel, AttributeType type, boolean optOut) {

    public static final String EXTERNAL_ID = "externalId";
    public static final String EMAIL = "email";
    public static final String PHONE = "phone";
    public static final String FIRST_NAME = "firstName";
    public static final String LAST_NAME = "lastName";
    public static final String LOCALE = "locale";
    public static final String TIME_ZONE = "timeZone";
    public static final String TAGS = "tags";
    public static final String IGNORE = "ignore";
    /** Prefix of an attribute target. */
    public static final String ATTRIBUTE = "attribute";
    /** Prefix of a consent target. */
    public static final String CONSENT = "consent";
    /** Prefix of a consent date target. */
    public static final String CONSENT_DATE = "consentDate";
    /** Suffix of a consent target whose cell is an opt-out flag. */
    public static final String OPTOUT = "optout";
    public static final String ORDER_ID = "orderId";
    public static final String CUSTOMER_ID = "customerId";
    public static final String ORDER_DATE = "orderDate";
    public static final String AMOUNT = "amount";
    public static final String CURRENCY = "currency";
    public static final String QUANTITY = "quantity";
    public static final String SKU = "sku";
    public static final String ITEM_NAME = "itemName";
    public static final String PRICE = "price";

    /** The targets a contacts mapping may use (the prefixed ones written as templates), for a wizard's choices. */
    public static final java.util.List<String> CONTACT_TARGETS = java.util.List.of(EXTERNAL_ID, EMAIL, PHONE, FIRST_NAME, LAST_NAME, LOCALE,
            TIME_ZONE, TAGS, ATTRIBUTE + ":<name>[:<type>]", CONSENT + ":<purpose>:<channel>[:" + OPTOUT + "]",
            CONSENT_DATE + ":<purpose>:<channel>", IGNORE);
    /** The targets an orders mapping may use. */
    public static final java.util.List<String> ORDER_TARGETS = java.util.List.of(ORDER_ID, CUSTOMER_ID, EMAIL, ORDER_DATE, AMOUNT, CURRENCY,
            QUANTITY, SKU, ITEM_NAME, PRICE, IGNORE);

    /** The longest attribute name. */
    public static final int MAX_ATTRIBUTE_NAME = 100;

    /** What a target is. */
    public enum Kind {
        EXTERNAL_ID, EMAIL, PHONE, FIRST_NAME, LAST_NAME, LOCALE, TIME_ZONE, TAGS, ATTRIBUTE, CONSENT, CONSENT_DATE, IGNORE,
        ORDER_ID, CUSTOMER_ID, ORDER_DATE, AMOUNT, CURRENCY, QUANTITY, SKU, ITEM_NAME, PRICE
    }

    public static final Target IGNORED = new Target(Kind.IGNORE, null, null, null, false);

    /** @return an attribute target; a null type is inferred */
    public static Target attribute(String name, AttributeType type) {
        return new Target(Kind.ATTRIBUTE, normaliseName(name), null, type, false);
    }

    /**
     * Reads a target.
     *
     * @param column the column it is for, named in the error
     * @throws IllegalArgumentException naming the value and the column when it is not a target
     */
    public static Target parse(String value, String column) {
        if (value == null || value.isBlank()) {
            throw bad(value, column, "it is empty");
        }
        String v = value.trim();
        String[] parts = v.split(":", -1);
        String head = parts[0];
        switch (head) {
            case ATTRIBUTE -> {
                if (parts.length < 2 || parts.length > 3 || parts[1].isBlank()) {
                    throw bad(value, column, "write attribute:<name> or attribute:<name>:<type>");
                }
                AttributeType type = null;
                if (parts.length == 3) {
                    try {
                        type = AttributeType.valueOf(parts[2].trim().toUpperCase(Locale.ROOT));
                    } catch (IllegalArgumentException e) {
                        throw bad(value, column, "'" + parts[2] + "' is not STRING, NUMBER, BOOLEAN, DATE or LIST");
                    }
                }
                String name = normaliseName(parts[1]);
                if (name.isEmpty()) {
                    throw bad(value, column, "the attribute name has no letter or digit");
                }
                return new Target(Kind.ATTRIBUTE, name, null, type, false);
            }
            case CONSENT, CONSENT_DATE -> {
                boolean date = head.equals(CONSENT_DATE);
                boolean optOut = !date && parts.length == 4 && parts[3].trim().equalsIgnoreCase(OPTOUT);
                if (parts.length != 3 && !optOut || parts[1].isBlank() || parts[2].isBlank()) {
                    throw bad(value, column, "write " + head + ":<purpose>:<channel>" + (date ? "" : " or consent:<purpose>:<channel>:optout"));
                }
                return new Target(date ? Kind.CONSENT_DATE : Kind.CONSENT, parts[1].trim().toLowerCase(Locale.ROOT),
                        parts[2].trim().toLowerCase(Locale.ROOT), null, optOut);
            }
            default -> {
                if (parts.length != 1) {
                    throw bad(value, column, "only attribute:, consent: and consentDate: targets take parts");
                }
                Kind kind = switch (head) {
                    case EXTERNAL_ID -> Kind.EXTERNAL_ID;
                    case EMAIL -> Kind.EMAIL;
                    case PHONE -> Kind.PHONE;
                    case FIRST_NAME -> Kind.FIRST_NAME;
                    case LAST_NAME -> Kind.LAST_NAME;
                    case LOCALE -> Kind.LOCALE;
                    case TIME_ZONE -> Kind.TIME_ZONE;
                    case TAGS -> Kind.TAGS;
                    case IGNORE -> Kind.IGNORE;
                    case ORDER_ID -> Kind.ORDER_ID;
                    case CUSTOMER_ID -> Kind.CUSTOMER_ID;
                    case ORDER_DATE -> Kind.ORDER_DATE;
                    case AMOUNT -> Kind.AMOUNT;
                    case CURRENCY -> Kind.CURRENCY;
                    case QUANTITY -> Kind.QUANTITY;
                    case SKU -> Kind.SKU;
                    case ITEM_NAME -> Kind.ITEM_NAME;
                    case PRICE -> Kind.PRICE;
                    default -> throw bad(value, column, "it is not a target");
                };
                return new Target(kind, null, null, null, false);
            }
        }
    }

    /**
     * @return the name as an attribute name: lower case, letters, digits and underscores only (other characters
     *         become underscores, accents are dropped), no leading, trailing or doubled underscore, at most
     *         {@value #MAX_ATTRIBUTE_NAME} characters
     */
    public static String normaliseName(String name) {
        String s = java.text.Normalizer.normalize(name.trim(), java.text.Normalizer.Form.NFD).replaceAll("\\p{M}+", "");
        s = s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_").replaceAll("^_+|_+$", "");
        if (s.length() > MAX_ATTRIBUTE_NAME) {
            s = s.substring(0, MAX_ATTRIBUTE_NAME).replaceAll("_+$", "");
        }
        return s;
    }

    /** @return the target as it is written in a mapping */
    @Override
    public String toString() {
        return switch (kind) {
            case ATTRIBUTE -> ATTRIBUTE + ":" + name + (type == null ? "" : ":" + type);
            case CONSENT -> CONSENT + ":" + name + ":" + channel + (optOut ? ":" + OPTOUT : "");
            case CONSENT_DATE -> CONSENT_DATE + ":" + name + ":" + channel;
            case EXTERNAL_ID -> EXTERNAL_ID;
            case EMAIL -> EMAIL;
            case PHONE -> PHONE;
            case FIRST_NAME -> FIRST_NAME;
            case LAST_NAME -> LAST_NAME;
            case LOCALE -> LOCALE;
            case TIME_ZONE -> TIME_ZONE;
            case TAGS -> TAGS;
            case IGNORE -> IGNORE;
            case ORDER_ID -> ORDER_ID;
            case CUSTOMER_ID -> CUSTOMER_ID;
            case ORDER_DATE -> ORDER_DATE;
            case AMOUNT -> AMOUNT;
            case CURRENCY -> CURRENCY;
            case QUANTITY -> QUANTITY;
            case SKU -> SKU;
            case ITEM_NAME -> ITEM_NAME;
            case PRICE -> PRICE;
        };
    }

    private static IllegalArgumentException bad(String value, String column, String why) {
        return new IllegalArgumentException("'" + value + "' is not a target for column '" + column + "': " + why);
    }
}
