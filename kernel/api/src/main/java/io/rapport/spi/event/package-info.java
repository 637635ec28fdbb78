/**
 * What plugins implement to react to events: {@link io.rapport.spi.event.EventListener}, registered as an
 * OSGi service and found by the kernel through the whiteboard.
 *
 * @since 0.1
 */
@Export
@Version("0.1.0")
package io.rapport.spi.event;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
