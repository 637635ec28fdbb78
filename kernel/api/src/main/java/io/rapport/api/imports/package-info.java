/**
 * Imports: what a connector that brings customers and orders in from elsewhere (a CRM's export file, a CRM's
 * API) hands to the kernel. The connector reads and maps its source; the kernel checks and normalises each record,
 * deduplicates it against the tenant's customers by e-mail address, phone number and external id, writes it in
 * batches, and keeps the job's progress, so that a job survives a restart and a repeat updates instead of
 * duplicating.
 *
 * @since 0.1
 */
@Export
@Version("0.1.0")
package io.rapport.api.imports;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
