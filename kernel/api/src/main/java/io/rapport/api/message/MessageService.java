package io.rapport.api.message;

import java.util.Map;
import java.util.Objects;
import java.util.UUID;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Sends a message to one customer exactly as {@code POST /api/v1/messages} does: the kernel checks suppression and
 * consent (for every purpose but transactional), renders the Mustache templates over {@code customer}, {@code data}
 * and {@code message}, stores the message, makes the first attempt on the active channel of the type, and retries
 * later attempts itself. Registered by the kernel as a service; thread-safe; blocks for at most the send timeout.
 *
 * @since 0.1
 */
@ProviderType
public interface MessageService {

    /**
     * A message to send.
     *
     * @param customerId     the recipient
     * @param channel        the channel type, such as {@code email}
     * @param purpose        why, such as {@link io.rapport.api.customer.Consent#PURPOSE_MARKETING}
     * @param subject        a Mustache template, or null
     * @param text           a Mustache template for the plain-text body
     * @param html           a Mustache template for the HTML body (values are escaped), or null
     * @param data           values for the templates, under {@code data}
     * @param idempotencyKey a key under which the kernel sends at most once per tenant, or null
     */
    record Request(UUID customerId, String channel, String purpose, String subject, String text, String html, Map<String, Object> data,
                   String idempotencyKey) {
        public Request {
            Objects.requireNonNull(customerId, "customerId");
            Objects.requireNonNull(channel, "channel");
            Objects.requireNonNull(purpose, "purpose");
            Objects.requireNonNull(text, "text");
            data = data == null ? Map.of() : Map.copyOf(data);
        }
    }

    /** Where a message stands. */
    enum Status {
        /** The channel accepted it. */
        SENT,
        /** An attempt is running. */
        SENDING,
        /** It failed for now; the kernel tries again later. */
        RETRY,
        /** It will not be sent: no consent, suppressed, no active channel, or refused by the channel. */
        REJECTED,
        /** Every attempt failed. */
        DEAD
    }

    /**
     * What became of a request.
     *
     * @param messageId the kernel's id of the message (of the earlier one, for a repeated idempotency key)
     * @param status    where it stands after the first attempt
     * @param reason    why it was rejected or will be retried, or null
     * @param created   false when the idempotency key had been used: nothing new was sent
     */
    record Receipt(UUID messageId, Status status, String reason, boolean created) {
    }

    /**
     * @param tenantId the tenant sending
     * @param source   who asks, such as the plugin's symbolic name (recorded on the message)
     * @throws IllegalArgumentException if the customer does not exist or a template is broken
     */
    Receipt send(UUID tenantId, String source, Request request);
}
