package io.rapport.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import io.rapport.api.event.EventPublisher;
import io.rapport.api.event.NewEvent;

/** An {@link EventPublisher} that keeps what plugins publish, and honours idempotency keys as the kernel does. */
public final class RecordingEventPublisher implements EventPublisher {

    /** One published event; {@code customerId} is set for {@link #publishFor}, {@code event} for {@link #publish}. */
    public record Published(UUID tenantId, UUID customerId, String source, String type, Map<String, ?> properties, NewEvent event, UUID id) {
    }

    private final List<Published> published = new ArrayList<>();
    private final Map<String, UUID> keys = new ConcurrentHashMap<>();

    @Override
    public synchronized PublishOutcome publish(UUID tenantId, String source, NewEvent event) {
        return record(tenantId, event.idempotencyKey(), id -> new Published(tenantId, null, source, event.type(), event.properties(), event, id));
    }

    @Override
    public synchronized PublishOutcome publishFor(UUID tenantId, UUID customerId, String source, String type, Map<String, ?> properties,
                                                  String idempotencyKey) {
        return record(tenantId, idempotencyKey, id -> new Published(tenantId, customerId, source, type, properties == null ? Map.of() : Map.copyOf(properties),
                null, id));
    }

    private PublishOutcome record(UUID tenantId, String key, java.util.function.Function<UUID, Published> make) {
        if (key != null && keys.containsKey(tenantId + "/" + key)) {
            return new PublishOutcome(PublishOutcome.Status.DUPLICATE, keys.get(tenantId + "/" + key));
        }
        UUID id = UUID.randomUUID();
        if (key != null) {
            keys.put(tenantId + "/" + key, id);
        }
        published.add(make.apply(id));
        return new PublishOutcome(PublishOutcome.Status.STORED, id);
    }

    /** @return everything published so far, oldest first */
    public synchronized List<Published> published() {
        return List.copyOf(published);
    }

    /** @return what was published with this type */
    public synchronized List<Published> ofType(String type) {
        return published.stream().filter(p -> p.type().equals(type)).toList();
    }

    public synchronized void clear() {
        published.clear();
        keys.clear();
    }

}
