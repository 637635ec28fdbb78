package io.rapport.testkit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import io.rapport.api.imports.ContactRecord;
import io.rapport.api.imports.ImportService;
import io.rapport.api.imports.OrderRecord;
import io.rapport.api.imports.Rejected;

/**
 * An {@link ImportService} that keeps jobs in memory and records every batch a connector hands over: each record
 * counts as created. Tests queue a job with {@link #create}, let the connector claim and read it, and look at what
 * arrived. Thread-safe.
 */
public final class RecordingImportService implements ImportService {

    /** One batch as a connector handed it over. */
    public record Batch(UUID jobId, List<ContactRecord> contacts, List<OrderRecord> orders, List<Rejected> rejected, long lastLine, String cursor) {
    }

    private final Map<UUID, Job> jobs = new LinkedHashMap<>();
    private final List<Batch> batches = new ArrayList<>();

    @Override
    public synchronized Job create(UUID tenantId, String kind, String format, String source, String namespace, Path file, Map<String, String> options,
                                   boolean dryRun) {
        Job job = new Job(UUID.randomUUID(), tenantId, kind, format, source, namespace, file, Map.copyOf(options), dryRun, 0, null, State.QUEUED,
                new Counts(0, 0, 0, 0), null);
        jobs.put(job.id(), job);
        notifyAll();
        return job;
    }

    @Override
    public synchronized Optional<Job> claim(String format) {
        for (Job j : jobs.values()) {
            if (j.format().equals(format) && j.state() == State.QUEUED) {
                return Optional.of(put(with(j, State.RUNNING, j.counts(), j.linesDone(), j.cursor(), null)));
            }
        }
        return Optional.empty();
    }

    @Override
    public synchronized Optional<Job> lastDone(UUID tenantId, String format) {
        Job last = null;
        for (Job j : jobs.values()) {
            if (j.tenantId().equals(tenantId) && j.format().equals(format) && j.state() == State.DONE) {
                last = j;
            }
        }
        return Optional.ofNullable(last);
    }

    @Override
    public synchronized Progress contacts(UUID jobId, List<ContactRecord> records, List<Rejected> rejected, long lastLine, String cursor) {
        return batch(new Batch(jobId, List.copyOf(records), List.of(), List.copyOf(rejected), lastLine, cursor), records.size());
    }

    @Override
    public synchronized Progress orders(UUID jobId, List<OrderRecord> records, List<Rejected> rejected, long lastLine, String cursor) {
        return batch(new Batch(jobId, List.of(), List.copyOf(records), List.copyOf(rejected), lastLine, cursor), records.size());
    }

    private Progress batch(Batch b, int records) {
        Job j = job(b.jobId());
        if (j.state() == State.CANCELLED) {
            return new Progress(j.counts(), true);
        }
        if (j.state() != State.RUNNING) {
            throw new IllegalStateException("import job " + j.id() + " is " + j.state() + ", not running");
        }
        batches.add(b);
        Counts c = new Counts(j.counts().read() + records + b.rejected().size(), j.counts().created() + records, j.counts().updated(),
                j.counts().rejected() + b.rejected().size());
        put(with(j, State.RUNNING, c, Math.max(j.linesDone(), b.lastLine()), b.cursor(), null));
        return new Progress(c, false);
    }

    @Override
    public synchronized void finish(UUID jobId, String failure) {
        Job j = job(jobId);
        if (j.state() == State.RUNNING || j.state() == State.QUEUED) {
            put(with(j, failure == null ? State.DONE : State.FAILED, j.counts(), j.linesDone(), j.cursor(), failure));
        }
    }

    /** Cancels a job, as an admin would. */
    public synchronized void cancel(UUID jobId) {
        Job j = job(jobId);
        put(with(j, State.CANCELLED, j.counts(), j.linesDone(), j.cursor(), null));
    }

    /** @return the job as it is now */
    public synchronized Job job(UUID jobId) {
        Job j = jobs.get(jobId);
        if (j == null) {
            throw new IllegalArgumentException("no import job " + jobId);
        }
        return j;
    }

    /** @return every job, oldest first */
    public synchronized List<Job> jobs() {
        return List.copyOf(jobs.values());
    }

    /** @return the batches of a job, in the order they came */
    public synchronized List<Batch> batches(UUID jobId) {
        return batches.stream().filter(b -> b.jobId().equals(jobId)).toList();
    }

    /** @return every contact the job's batches carried */
    public synchronized List<ContactRecord> contacts(UUID jobId) {
        return batches(jobId).stream().flatMap(b -> b.contacts().stream()).toList();
    }

    /** @return every order the job's batches carried */
    public synchronized List<OrderRecord> orders(UUID jobId) {
        return batches(jobId).stream().flatMap(b -> b.orders().stream()).toList();
    }

    /** @return every record the connector itself refused in the job */
    public synchronized List<Rejected> rejected(UUID jobId) {
        return batches(jobId).stream().flatMap(b -> b.rejected().stream()).toList();
    }

    private Job put(Job j) {
        jobs.put(j.id(), j);
        notifyAll();
        return j;
    }

    private static Job with(Job j, State state, Counts counts, long linesDone, String cursor, String failure) {
        return new Job(j.id(), j.tenantId(), j.kind(), j.format(), j.source(), j.namespace(), j.file(), j.options(), j.dryRun(), linesDone, cursor, state,
                counts, failure);
    }
}
