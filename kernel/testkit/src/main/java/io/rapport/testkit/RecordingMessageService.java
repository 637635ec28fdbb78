package io.rapport.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import io.rapport.api.message.MessageService;

/**
 * A {@link MessageService} that records what a plugin asks to send and answers {@link Status#SENT} (or what the test
 * chose with {@link #answer}); a repeated idempotency key answers the first receipt, as the kernel does.
 */
public final class RecordingMessageService implements MessageService {

    /** One request as the plugin made it. */
    public record Sent(UUID tenantId, String source, Request request, Receipt receipt) {
    }

    private final List<Sent> sent = new ArrayList<>();
    private final Map<String, Receipt> keys = new ConcurrentHashMap<>();
    private volatile Status status = Status.SENT;
    private volatile String reason;

    @Override
    public synchronized Receipt send(UUID tenantId, String source, Request request) {
        String key = request.idempotencyKey() == null ? null : tenantId + "/" + request.idempotencyKey();
        if (key != null && keys.containsKey(key)) {
            Receipt first = keys.get(key);
            return new Receipt(first.messageId(), first.status(), first.reason(), false);
        }
        Receipt r = new Receipt(UUID.randomUUID(), status, reason, true);
        if (key != null) {
            keys.put(key, r);
        }
        sent.add(new Sent(tenantId, source, request, r));
        return r;
    }

    /** Makes later sends answer this status and reason (null for none). */
    public void answer(Status newStatus, String newReason) {
        this.status = newStatus;
        this.reason = newReason;
    }

    /** @return every request so far, oldest first */
    public synchronized List<Sent> sent() {
        return List.copyOf(sent);
    }
}
