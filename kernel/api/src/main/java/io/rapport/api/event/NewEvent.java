package io.rapport.api.event;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import io.rapport.api.customer.AttributeValue;
import io.rapport.api.customer.Identifier;

/**
 * An event to be stored: what a sender knows before the kernel resolves the customer.
 *
 * @param type           its type, such as {@link EventTypes#ORDER_COMPLETED}
 * @param identifiers    at least one identifier of the customer, normalised
 * @param verified       whether the sender proved the identifiers belong together (a login); if so, and
 *                       they belong to two profiles, the kernel merges them
 * @param occurredAt     when it happened
 * @param properties     JSON-like values as in {@link Event#properties()}
 * @param traits         profile attributes to set from this event, or empty
 * @param idempotencyKey the sender's key, or null
 * @since 0.1
 */
public record NewEvent(
        String type,
        List<Identifier> identifiers,
        boolean verified,
        OffsetDateTime occurredAt,
        Map<String, Object> properties,
        Map<String, AttributeValue> traits,
        String idempotencyKey) {

    public NewEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(occurredAt, "occurredAt");
        identifiers = List.copyOf(identifiers);
        if (identifiers.isEmpty()) {
            throw new IllegalArgumentException("an event needs at least one identifier");
        }
        properties = properties == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(properties));
        traits = traits == null ? Map.of() : Map.copyOf(traits);
    }
}
