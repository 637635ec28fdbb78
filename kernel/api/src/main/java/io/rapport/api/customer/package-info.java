/**
 * The shared customer model: profiles, their identifiers, typed attributes and consents, and the
 * kernel service that reads and changes them. Every value here is immutable and belongs to one tenant.
 *
 * @since 0.1
 */
@Export
@Version("0.2.0")
package io.rapport.api.customer;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
