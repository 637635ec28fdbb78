package io.rapport.spi.channel;

import java.util.Map;
import java.util.Objects;
import java.util.UUID;

import io.rapport.api.customer.Customer;

/**
 * One rendered message for one customer, as the kernel hands it to a {@link Channel}.
 *
 * @param id       the kernel's message id; the same on every attempt, usable as an idempotency key
 * @param tenantId the tenant sending
 * @param customer the recipient's profile at the time of sending
 * @param channel  the channel type the message was sent on
 * @param purpose  why it is sent, such as {@link io.rapport.api.customer.Consent#PURPOSE_MARKETING}
 * @param subject  the rendered subject, or null for channels without one
 * @param text     the rendered plain-text body
 * @param html     the rendered HTML body, or null
 * @param data     the sender's extra values (JSON-like, as in {@link io.rapport.api.event.Event#properties()})
 * @param attempt  1 for the first attempt, then 2, 3, ...
 * @param unsubscribeUrl a signed URL that withdraws this purpose on this channel for this customer when POSTed to
 *                       (RFC 8058 one-click: an email channel puts it in {@code List-Unsubscribe}); null for a
 *                       transactional message
 * @param preferencesUrl a signed URL of the customer's preference centre page, where they see and change their
 *                       consents; a channel may add it to a message's footer
 * @since 0.1 ({@code unsubscribeUrl} and {@code preferencesUrl} since 0.2)
 */
public record OutboundMessage(
        UUID id,
        UUID tenantId,
        Customer customer,
        String channel,
        String purpose,
        String subject,
        String text,
        String html,
        Map<String, Object> data,
        int attempt,
        java.net.URI unsubscribeUrl,
        java.net.URI preferencesUrl) {

    public OutboundMessage {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(customer, "customer");
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(purpose, "purpose");
        data = data == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(data));
    }
}
