package io.rapport.spi.channel;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Delivers rendered messages to customers over one medium (email, SMS, a webhook, ...). Register an
 * implementation as an OSGi service with the property {@link #TYPE}; the kernel picks the active channel of
 * the requested type. With several services of one type, the one with the highest service ranking wins.
 *
 * <p>Contract: the kernel has already checked consent, suppression and frequency rules and has rendered the
 * content; the channel only delivers. {@link #send} runs on a kernel pool thread and is cut off after the
 * kernel's send timeout, so it may block on I/O but must honour interruption or its own shorter timeouts.
 * {@link OutboundMessage#id()} is the same on every attempt of one message: pass it to the provider as an
 * idempotency key where the provider supports one. A thrown exception counts as {@link SendResult.Outcome#RETRY_LATER}.
 *
 * <p>What happens after the send (delivered, bounced, opened, clicked, replied) comes back as events that the
 * channel publishes through {@link io.rapport.api.event.EventPublisher#publishFor}, with the types in
 * {@link io.rapport.api.event.EventTypes} and the message id in
 * {@link io.rapport.api.event.EventTypes#PROPERTY_MESSAGE_ID}.
 *
 * @since 0.1
 */
@ConsumerType
public interface Channel {

    /** Service property: the channel type this service sends on, such as {@code email} or {@code webhook}. */
    String TYPE = "rapport.channel.type";

    /**
     * Delivers one message.
     *
     * @param message the rendered message and its recipient
     * @return what happened; never null
     */
    SendResult send(OutboundMessage message);
}
