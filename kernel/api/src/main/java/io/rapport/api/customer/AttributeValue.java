package io.rapport.api.customer;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;
import java.util.Objects;

/**
 * A typed attribute value. Construct through the static factories, which fix the Java class per type.
 *
 * @param type  the attribute's type
 * @param value the value, of the class that {@link AttributeType} names; never null
 * @since 0.1
 */
public record AttributeValue(AttributeType type, Object value) {

    public AttributeValue {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(value, "value");
        Class<?> expected = switch (type) {
            case STRING -> String.class;
            case NUMBER -> BigDecimal.class;
            case BOOLEAN -> Boolean.class;
            case DATE -> LocalDate.class;
            case LIST -> List.class;
        };
        if (!expected.isInstance(value)) {
            throw new IllegalArgumentException("a " + type + " attribute needs a " + expected.getSimpleName());
        }
        if (type == AttributeType.LIST) {
            value = List.copyOf((List<?>) value);
        }
    }

    public static AttributeValue of(String s) {
        return new AttributeValue(AttributeType.STRING, s);
    }

    public static AttributeValue of(BigDecimal n) {
        return new AttributeValue(AttributeType.NUMBER, n);
    }

    public static AttributeValue of(boolean b) {
        return new AttributeValue(AttributeType.BOOLEAN, b);
    }

    public static AttributeValue of(LocalDate d) {
        return new AttributeValue(AttributeType.DATE, d);
    }

    public static AttributeValue of(List<String> list) {
        return new AttributeValue(AttributeType.LIST, list);
    }
}
