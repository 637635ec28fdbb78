/**
 * Sending messages through the kernel: {@link io.rapport.api.message.MessageService}, registered by the kernel for
 * plugins (surveys, journeys). Consent and suppression are checked, templates rendered and retries handled by the
 * kernel, whoever asks.
 *
 * @since 0.1
 */
@Export
@Version("0.3.0")
package io.rapport.api.message;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
