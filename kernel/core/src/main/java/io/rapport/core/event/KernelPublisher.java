package io.rapport.core.event;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.rapport.api.event.EventPublisher;
import io.rapport.api.event.NewEvent;
import io.rapport.core.customer.CustomerStore;
import io.rapport.core.db.Db;
import io.rapport.core.db.DataAccessException;

/** The {@link EventPublisher} the kernel registers for plugins: the same store as {@code POST /api/v1/events}. */
public final class KernelPublisher implements EventPublisher {

    private final Db db;
    private final EventStore events;

    public KernelPublisher(Db db, EventStore events) {
        this.db = db;
        this.events = events;
    }

    @Override
    public PublishOutcome publish(UUID tenantId, String source, NewEvent event) {
        EventStore.Appended a = events.append(tenantId, source, List.of(event)).get(0);
        return new PublishOutcome(a.duplicate() ? PublishOutcome.Status.DUPLICATE : PublishOutcome.Status.STORED, a.eventId());
    }

    @Override
    public PublishOutcome publishFor(UUID tenantId, UUID customerId, String source, String type, Map<String, ?> properties, String idempotencyKey) {
        PublishOutcome out;
        try {
            out = db.tx(c -> {
                if (idempotencyKey != null) {
                    UUID known = EventStore.idOfKey(c, tenantId, idempotencyKey);
                    if (known != null) {
                        return new PublishOutcome(PublishOutcome.Status.DUPLICATE, known);
                    }
                }
                UUID live = CustomerStore.resolveMerged(c, tenantId, customerId);
                if (live == null) {
                    throw new IllegalArgumentException("tenant " + tenantId + " has no customer " + customerId);
                }
                return new PublishOutcome(PublishOutcome.Status.STORED,
                        events.appendKernelEvent(c, tenantId, live, type, source, properties == null ? Map.of() : properties, idempotencyKey));
            });
        } catch (DataAccessException e) {
            if (idempotencyKey != null && e.getCause() instanceof java.sql.SQLException s && Db.isUniqueViolation(s)) {
                UUID known = db.read(c -> EventStore.idOfKey(c, tenantId, idempotencyKey));
                return new PublishOutcome(PublishOutcome.Status.DUPLICATE, known);
            }
            throw e;
        }
        if (out.status() == PublishOutcome.Status.STORED) {
            events.committed();
        }
        return out;
    }
}
