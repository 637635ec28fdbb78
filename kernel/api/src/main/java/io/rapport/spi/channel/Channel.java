package io.rapport.spi.channel;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Delivers rendered messages to customers over one medium (email, SMS, a webhook, ...). Register an
 * implementation as an OSGi service with the property {@link #TYPE}; the kernel picks the active channel of
 * the requested type. With several services of one type, the one with the highest service ranking wins.
 *
 * <p>Tenants: a service with the property {@link #TENANT} sends that tenant's messages only, and is preferred for
 * them; a service without it serves every tenant that has none of its own. A Declarative Services component with a
 * required configuration gets this for free: a tenant's admin saves the tenant's settings, the kernel stores them
 * as the factory configuration {@code <pid>~<tenant id>} with {@link #TENANT} set, and SCR activates one more
 * instance of the component with it, beside the server-wide one from the configuration {@code <pid>}.
 *
 * <p>Contract: the kernel has already checked consent, suppression and frequency rules and has rendered the
 * content; the channel only delivers. {@link #send} runs on a kernel pool thread and is cut off after the
 * kernel's send timeout, so it may block on I/O but must honour interruption or its own shorter timeouts.
 * {@link OutboundMessage#id()} is the same on every attempt of one message: pass it to the provider as an
 * idempotency key where the provider supports one. A thrown exception counts as {@link SendResult.Outcome#RETRY_LATER}.
 *
 * <p>What happens after the send (delivered, bounced, complained) comes back through
 * {@link io.rapport.api.message.MessageService#report} or
 * {@link io.rapport.api.message.MessageService#reportByProvider}; a channel that also implements
 * {@link InboundHandler} receives what its provider posts to the server.
 *
 * @since 0.1
 */
@ConsumerType
public interface Channel {

    /** Service property: the channel type this service sends on, such as {@code email} or {@code webhook}. */
    String TYPE = "rapport.channel.type";

    /**
     * Service (and configuration) property: the id of the tenant whose own settings this service sends with, as a
     * UUID string. Set by the kernel on a tenant's configuration; never taken from an admin's input.
     *
     * @since 0.4
     */
    String TENANT = "rapport.tenant";

    /**
     * Delivers one message.
     *
     * @param message the rendered message and its recipient
     * @return what happened; never null
     */
    SendResult send(OutboundMessage message);
}
