/**
 * What channel plugins implement: {@link io.rapport.spi.channel.Channel}, registered as an OSGi service with
 * {@link io.rapport.spi.channel.Channel#TYPE} and found by the kernel through the whiteboard. The kernel checks
 * consent and suppression, renders the message and retries; a channel only delivers. A channel that takes what its
 * provider posts back (bounces, status callbacks, inbound texts) also implements
 * {@link io.rapport.spi.channel.InboundHandler} (since 0.3).
 *
 * @since 0.1
 */
@Export
@Version("0.4.0")
package io.rapport.spi.channel;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
