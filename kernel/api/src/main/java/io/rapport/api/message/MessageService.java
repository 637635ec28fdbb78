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

    /**
     * What a channel learnt about a message after sending it. Each becomes an event on the customer's timeline of the
     * type {@link #eventType(String) channel.name}, such as {@code email.delivered} or {@code sms.failed}.
     *
     * @since 0.2
     */
    enum Delivery {
        /** The recipient's server or handset accepted it. */
        DELIVERED("delivered"),
        /** A temporary bounce (mailbox full, handset off): nothing is suppressed. */
        SOFT_BOUNCED("bounced"),
        /** A permanent bounce (no such mailbox, number unknown): the kernel suppresses the customer on the channel. */
        HARD_BOUNCED("bounced"),
        /** The provider gave up on it for good without a bounce (an SMS that expired or was refused). */
        FAILED("failed"),
        /** The recipient reported it as spam (a feedback loop): the kernel suppresses the customer on the channel. */
        COMPLAINED("complained"),
        /** The recipient opened it; only the first open of a message becomes an event. */
        OPENED("opened"),
        /** The recipient followed a link in it; the first click on each link becomes an event. */
        CLICKED("clicked");

        private final String verb;

        Delivery(String verb) {
            this.verb = verb;
        }

        /** @return the event type for this update on a channel, such as {@code email.bounced} */
        public String eventType(String channel) {
            return channel + "." + verb;
        }
    }

    /** Event property of {@code *.bounced}: true for a hard bounce. */
    String PROPERTY_HARD = "hard";
    /** Event property of {@code *.clicked}: the link followed. */
    String PROPERTY_URL = "url";

    /**
     * A delivery update.
     *
     * @param delivery   what happened
     * @param detail     the provider's words (a DSN's diagnostic code, a receipt's error), or null
     * @param url        for {@link Delivery#CLICKED}: the link followed; otherwise null
     * @param occurredAt when it happened, as the provider says, or null for now
     * @since 0.2
     */
    record Update(Delivery delivery, String detail, String url, java.time.OffsetDateTime occurredAt) {
        public Update {
            Objects.requireNonNull(delivery, "delivery");
        }
    }

    /**
     * Where an update landed.
     *
     * @param tenantId   the message's tenant
     * @param messageId  the kernel's message id
     * @param customerId the recipient
     * @param recorded   false when the same update of this message was recorded before (nothing new was stored)
     * @since 0.2
     */
    record Reported(UUID tenantId, UUID messageId, UUID customerId, boolean recorded) {
    }

    /**
     * Records what a channel learnt about a message it sent, by the kernel's message id (which an email channel finds
     * in a bounce's returned headers). Repeats are recorded once; a hard bounce or a complaint suppresses the customer
     * on the message's channel in the same transaction.
     *
     * @return where it landed, or empty when no message has this id
     * @since 0.2
     */
    java.util.Optional<Reported> report(UUID messageId, Update update);

    /**
     * Records a delivery update by the id the provider gave when it accepted the message (an SMSC's message id in a
     * delivery receipt), as {@link #report(UUID, Update)} does.
     *
     * @param channel           the channel type the message was sent on
     * @param providerMessageId {@link io.rapport.spi.channel.SendResult#providerMessageId()} of the accepted attempt; providers
     *                          reuse their ids, so the newest message of the channel with this id is the one updated
     * @return where it landed, or empty when no message of this channel has this provider id
     * @since 0.2
     */
    java.util.Optional<Reported> reportByProvider(String channel, String providerMessageId, Update update);

    /**
     * As {@link #reportByProvider(String, String, Update)}, among one tenant's messages only: what a channel running
     * with a tenant's own settings (its own SMSC, whose ids another tenant's SMSC reuses) reports.
     *
     * @param tenantId the tenant whose messages the provider sent, or null for any tenant
     * @since 0.3
     */
    java.util.Optional<Reported> reportByProvider(UUID tenantId, String channel, String providerMessageId, Update update);
}
