package io.rapport.api.event;

import java.util.UUID;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Stores events from inside the server (plugins, connectors) exactly as {@code POST /api/v1/events} does:
 * in one transaction with an outbox row, then onto the bus. Registered by the kernel as a service.
 *
 * @since 0.1
 */
@ProviderType
public interface EventPublisher {

    /**
     * Stores one event. Returns once the event is durable; listeners see it later, on the bus.
     *
     * @param tenantId the tenant
     * @param source   who publishes, such as the plugin's symbolic name
     * @param event    the event
     * @return the outcome; a repeated idempotency key answers {@link PublishOutcome#DUPLICATE}
     */
    PublishOutcome publish(UUID tenantId, String source, NewEvent event);

    /**
     * Stores one event about a customer whose kernel id the caller already knows, such as a channel's
     * delivery update for a message.
     *
     * @param tenantId       the tenant
     * @param customerId     the customer (a merged id is followed to the surviving profile)
     * @param source         who publishes
     * @param type           the event type
     * @param properties     JSON-like values as in {@link Event#properties()}
     * @param idempotencyKey a key that makes a repeat a {@link PublishOutcome.Status#DUPLICATE}, or null
     * @return the outcome
     * @throws IllegalArgumentException if the tenant has no such customer
     */
    PublishOutcome publishFor(UUID tenantId, UUID customerId, String source, String type, java.util.Map<String, ?> properties,
                              String idempotencyKey);

    /**
     * What became of an event handed to the publisher.
     *
     * @param status  stored, or a duplicate of one stored before
     * @param eventId the id of the stored event (the earlier one for a duplicate)
     */
    record PublishOutcome(Status status, UUID eventId) {
        /** Whether the event was new. */
        public enum Status {
            /** Stored now; it will reach the bus. */
            STORED,
            /** An event with the same idempotency key was stored before; nothing was stored now. */
            DUPLICATE
        }
    }
}
