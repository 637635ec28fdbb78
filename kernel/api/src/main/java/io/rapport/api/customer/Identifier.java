package io.rapport.api.customer;

import java.util.Objects;

/**
 * One identifier of a customer, already normalised (see {@link IdentifierType}).
 *
 * @param type      what kind of identifier this is
 * @param namespace the system of an {@link IdentifierType#EXTERNAL} id, otherwise the empty string
 * @param value     the normalised value
 * @since 0.1
 */
public record Identifier(IdentifierType type, String namespace, String value) {

    public Identifier {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(value, "value");
        namespace = namespace == null ? "" : namespace;
    }

    public static Identifier email(String normalisedEmail) {
        return new Identifier(IdentifierType.EMAIL, "", normalisedEmail);
    }

    public static Identifier phone(String e164) {
        return new Identifier(IdentifierType.PHONE, "", e164);
    }

    public static Identifier external(String system, String id) {
        return new Identifier(IdentifierType.EXTERNAL, system, id);
    }

    public static Identifier anonymous(String id) {
        return new Identifier(IdentifierType.ANONYMOUS, "", id);
    }

    /** Identifiers that prove who a person is rank before those that only track a device. */
    public boolean isKnown() {
        return type != IdentifierType.ANONYMOUS;
    }
}
