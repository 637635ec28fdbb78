package io.rapport.api.imports;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Import jobs and what they write. Registered by the kernel in the plugin host's service registry; used by
 * connectors. A job is created by an admin's upload (the kernel stores the file) or by a connector (a file dropped
 * in a watched folder, a scheduled API sync); a connector that reads the job's format {@link #claim claims} it, reads
 * its source, and hands the records to {@link #contacts} or {@link #orders} in batches. Each batch is written with
 * the job's progress in one transaction: after a crash or a restart, the job is claimed again (its lease runs out)
 * and resumes after {@link Job#linesDone()}, with no record lost or written twice.
 *
 * @since 0.1
 */
@ProviderType
public interface ImportService {

    /** {@link Job#kind()}: customers. */
    String KIND_CONTACTS = "contacts";
    /** {@link Job#kind()}: orders, recorded as {@code order.completed} events. */
    String KIND_ORDERS = "orders";
    /**
     * Component property of a connector that takes a tenant's own account (an API sync): its name, as
     * {@code /api/v1/connectors/{name}/settings} names it. A tenant's admin saves its own settings there; the kernel
     * stores them as the factory configuration {@code <pid>~<tenant id>} with {@code rapport.tenant} set, as for
     * channels. A connector that reads the server's files must not declare it.
     */
    String CONNECTOR = "rapport.connector";
    /**
     * Option of a job that the kernel reads itself: the region (ISO 3166, such as {@code FR}) in which the job's
     * national phone numbers are read. Without it, the tenant's default region; without that, numbers need their
     * country code.
     */
    String OPTION_REGION = "region";
    /** The most records one call of {@link #contacts} or {@link #orders} takes. */
    int MAX_BATCH = 5_000;

    /** Where a job is. */
    enum State {
        /** Waiting for a connector of its format to claim it. */
        QUEUED,
        /** Claimed by a connector, which holds its lease. */
        RUNNING,
        /** Every record read; the counts are final. */
        DONE,
        /** Stopped by an admin; what was written before stays. */
        CANCELLED,
        /** Stopped by an error that is not one record's (an unreadable file); {@link Job#failure()} says which. */
        FAILED
    }

    /**
     * An import job as its connector sees it.
     *
     * @param source    where the records come from, as the admin sees it: the uploaded file's name, "HubSpot API"
     * @param namespace the namespace of the records' external ids, such as {@code hubspot}
     * @param file      the stored file to read, or null for a source that is not a file
     * @param options   the format's options as the admin chose them (delimiter, encoding, preset, mapping, ...)
     * @param dryRun    true: count what would be created, updated and rejected, write nothing
     * @param linesDone the line of the last record already stored: resume after it
     * @param cursor    what the connector stored with its last batch (an API sync's last-modified time), or null
     */
    record Job(UUID id, UUID tenantId, String kind, String format, String source, String namespace, Path file, Map<String, String> options,
               boolean dryRun, long linesDone, String cursor, State state, Counts counts, String failure) {
    }

    /**
     * A job's counts.
     *
     * @param read     records read (including rejected ones)
     * @param created  customers created (contacts) or orders recorded (orders)
     * @param updated  customers that existed and were changed (contacts) or orders recorded before (orders)
     * @param rejected records refused, each in the error report
     */
    record Counts(long read, long created, long updated, long rejected) {
    }

    /**
     * What a batch did.
     *
     * @param counts    the job's counts with this batch
     * @param cancelled true when an admin cancelled the job: stop reading, and call {@link #finish}
     */
    record Progress(Counts counts, boolean cancelled) {
    }

    /**
     * Creates a job for a file a connector found (a watched folder); an admin's upload goes through the admin API.
     *
     * @param file a file the kernel may read until the job ends; the kernel does not delete it
     * @return the job, {@link State#QUEUED}
     */
    Job create(UUID tenantId, String kind, String format, String source, String namespace, Path file, Map<String, String> options, boolean dryRun);

    /**
     * Claims the oldest job of this format that is queued, or running with an expired lease (its node died), and
     * leases it to the caller for a minute; each batch renews the lease.
     *
     * @return the job, {@link State#RUNNING}, or empty when none is waiting
     */
    Optional<Job> claim(String format);

    /**
     * @return the tenant's most recent job of this format that ended {@link State#DONE}: where an incremental sync
     *         starts (its {@link Job#cursor()})
     */
    Optional<Job> lastDone(UUID tenantId, String format);

    /**
     * Writes a batch of contacts (or, for a dry run, counts what it would do) and records the job's progress, in one
     * transaction. A contact whose identifiers find a customer updates it: fields it names replace theirs,
     * attributes it names are set, tags are added, consents are recorded when they differ; a contact whose
     * identifiers find two different customers is rejected rather than merging them.
     *
     * @param records   the batch in source order, at most {@link #MAX_BATCH}
     * @param rejected  records the connector itself refused (a value its column cannot hold); they count as read
     * @param lastLine  the line of the last record of this batch, read or rejected: where a resume starts
     * @param cursor    stored with the batch and handed back in {@link Job#cursor()} (an API's last-modified time), or null
     * @throws IllegalStateException if the job is not running (it ended, or was never claimed)
     */
    Progress contacts(UUID jobId, List<ContactRecord> records, List<Rejected> rejected, long lastLine, String cursor);

    /** As {@link #contacts}, for orders: each becomes one {@code order.completed} event, once per order. */
    Progress orders(UUID jobId, List<OrderRecord> records, List<Rejected> rejected, long lastLine, String cursor);

    /**
     * Ends a job: {@link State#DONE} when {@code failure} is null, {@link State#FAILED} otherwise; a cancelled job
     * stays {@link State#CANCELLED}.
     */
    void finish(UUID jobId, String failure);
}
