package io.rapport.api.customer;

/**
 * The types a customer attribute may have. The Java class of {@link AttributeValue#value()} follows the type.
 *
 * @since 0.1
 */
public enum AttributeType {
    /** A {@link String}. */
    STRING,
    /** A {@link java.math.BigDecimal}. */
    NUMBER,
    /** A {@link Boolean}. */
    BOOLEAN,
    /** A {@link java.time.LocalDate}. */
    DATE,
    /** An unmodifiable {@link java.util.List} of {@link String}. */
    LIST
}
