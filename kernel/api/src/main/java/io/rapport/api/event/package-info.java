/**
 * Events about customers: what the kernel stores on the timeline and carries on its bus, and the
 * service through which plugins publish events of their own (delivery updates, survey answers).
 *
 * @since 0.1 (0.2: segment events)
 */
@Export
@Version("0.3.0")
package io.rapport.api.event;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
