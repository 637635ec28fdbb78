package io.rapport.api.event;

import java.time.OffsetDateTime;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * One stored event about one customer, as carried on the kernel's bus and shown on the timeline.
 *
 * @param id             the kernel's id for the event
 * @param tenantId       the tenant the event belongs to
 * @param customerId     the customer it was attached to
 * @param type           its type, such as {@link EventTypes#ORDER_COMPLETED}
 * @param occurredAt     when it happened, as the sender said
 * @param receivedAt     when the kernel stored it
 * @param source         who sent it: an API key's name, a plugin, the kernel
 * @param properties     JSON-like values: String, java.math.BigDecimal, Boolean, List, Map or null
 * @param idempotencyKey the sender's key, or null; the same key is stored once per tenant
 * @since 0.1
 */
public record Event(
        UUID id,
        UUID tenantId,
        UUID customerId,
        String type,
        OffsetDateTime occurredAt,
        OffsetDateTime receivedAt,
        String source,
        Map<String, Object> properties,
        String idempotencyKey) {

    public Event {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(occurredAt, "occurredAt");
        properties = properties == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(properties));
    }
}
