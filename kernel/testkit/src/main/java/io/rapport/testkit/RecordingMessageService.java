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

    /** One delivery update as the plugin reported it, and the message it named. */
    /** A delivery update as a channel reported it; {@code tenantId} is the tenant it was scoped to by provider id, or null. */
    public record Report(UUID messageId, String channel, String providerMessageId, Update update, UUID tenantId) {
    }

    private final List<Sent> sent = new ArrayList<>();
    private final List<Report> reports = new ArrayList<>();
    private final Map<String, UUID> providerIds = new ConcurrentHashMap<>();
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

    /** Tells the service which message a provider id stands for, as the kernel learns it from a send's result. */
    public void providerId(String channel, String providerMessageId, UUID messageId) {
        providerIds.put(channel + "/" + providerMessageId, messageId);
    }

    /** Answers every message this service sent, or any id, as found in tenant {@code 0-0} with customer {@code 0-0}; records the update. */
    @Override
    public synchronized java.util.Optional<Reported> report(UUID messageId, Update update) {
        reports.add(new Report(messageId, null, null, update, null));
        return java.util.Optional.of(reported(messageId));
    }

    /** Answers the messages named with {@link #providerId}; records the update either way. */
    @Override
    public java.util.Optional<Reported> reportByProvider(String channel, String providerMessageId, Update update) {
        return reportByProvider(null, channel, providerMessageId, update);
    }

    /** As {@link #reportByProvider(String, String, Update)}, recording the tenant; the tenant is not checked. */
    @Override
    public synchronized java.util.Optional<Reported> reportByProvider(UUID tenantId, String channel, String providerMessageId, Update update) {
        UUID id = providerIds.get(channel + "/" + providerMessageId);
        reports.add(new Report(id, channel, providerMessageId, update, tenantId));
        return java.util.Optional.ofNullable(id).map(this::reported);
    }

    private Reported reported(UUID messageId) {
        Sent s = sent.stream().filter(x -> x.receipt().messageId().equals(messageId)).findFirst().orElse(null);
        return new Reported(s == null ? new UUID(0, 0) : s.tenantId(), messageId, s == null ? new UUID(0, 0) : s.request().customerId(), true);
    }

    /** @return every delivery update so far, oldest first */
    public synchronized List<Report> reports() {
        return List.copyOf(reports);
    }
}
