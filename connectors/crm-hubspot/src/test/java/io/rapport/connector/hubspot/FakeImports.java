package io.rapport.connector.hubspot;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import io.rapport.api.imports.ContactRecord;
import io.rapport.api.imports.ImportService;
import io.rapport.api.imports.OrderRecord;
import io.rapport.api.imports.Rejected;

/**
 * An {@link ImportService} that keeps jobs in memory and records every call: jobs are claimed oldest first, batches
 * are kept with their line and cursor, a job can be cancelled as an admin would (at once, or after some batches).
 */
final class FakeImports implements ImportService {

    /** One {@link #contacts} call. */
    record Batch(UUID jobId, List<ContactRecord> records, List<Rejected> rejected, long lastLine, String cursor) {
    }

    private static final class Entry {
        final UUID id = UUID.randomUUID();
        final UUID tenant;
        final String kind;
        final String format;
        final String source;
        final String namespace;
        final Map<String, String> options;
        long linesDone;
        String cursor;
        State state = State.QUEUED;
        long read;
        long rejected;
        String failure;

        Entry(UUID tenant, String kind, String format, String source, String namespace, Map<String, String> options) {
            this.tenant = tenant;
            this.kind = kind;
            this.format = format;
            this.source = source;
            this.namespace = namespace;
            this.options = Map.copyOf(options);
        }

        Job job() {
            return new Job(id, tenant, kind, format, source, namespace, null, options, false, linesDone, cursor, state,
                    new Counts(read, read - rejected, 0, rejected), failure);
        }
    }

    private final Map<UUID, Entry> jobs = new LinkedHashMap<>();
    private final List<Batch> batches = new CopyOnWriteArrayList<>();
    private final List<String> calls = new CopyOnWriteArrayList<>();
    private int cancelAfterBatches = -1;

    @Override
    public synchronized Job create(UUID tenantId, String kind, String format, String source, String namespace, Path file, Map<String, String> options,
                                   boolean dryRun) {
        calls.add("create");
        Entry e = new Entry(tenantId, kind, format, source, namespace, options);
        jobs.put(e.id, e);
        return e.job();
    }

    @Override
    public synchronized Optional<Job> claim(String format) {
        calls.add("claim");
        for (Entry e : jobs.values()) {
            if (e.format.equals(format) && e.state == State.QUEUED) {
                e.state = State.RUNNING;
                return Optional.of(e.job());
            }
        }
        return Optional.empty();
    }

    @Override
    public synchronized Optional<Job> lastDone(UUID tenantId, String format) {
        calls.add("lastDone");
        Entry last = null;
        for (Entry e : jobs.values()) {
            if (e.tenant.equals(tenantId) && e.format.equals(format) && e.state == State.DONE) {
                last = e;
            }
        }
        return Optional.ofNullable(last).map(Entry::job);
    }

    @Override
    public synchronized Progress contacts(UUID jobId, List<ContactRecord> records, List<Rejected> rejected, long lastLine, String cursor) {
        calls.add("contacts");
        Entry e = jobs.get(jobId);
        if (e.state == State.CANCELLED) {
            return new Progress(e.job().counts(), true);
        }
        if (e.state != State.RUNNING) {
            throw new IllegalStateException("job " + jobId + " is " + e.state);
        }
        if (records.size() + rejected.size() > MAX_BATCH) {
            throw new IllegalArgumentException("more than " + MAX_BATCH + " records");
        }
        batches.add(new Batch(jobId, List.copyOf(records), List.copyOf(rejected), lastLine, cursor));
        e.read += records.size() + rejected.size();
        e.rejected += rejected.size();
        e.linesDone = lastLine;
        e.cursor = cursor;
        if (cancelAfterBatches >= 0 && batches(jobId).size() >= cancelAfterBatches) {
            e.state = State.CANCELLED;
        }
        return new Progress(e.job().counts(), e.state == State.CANCELLED);
    }

    @Override
    public Progress orders(UUID jobId, List<OrderRecord> records, List<Rejected> rejected, long lastLine, String cursor) {
        throw new UnsupportedOperationException("the HubSpot connector imports contacts only");
    }

    @Override
    public synchronized void finish(UUID jobId, String failure) {
        calls.add("finish");
        Entry e = jobs.get(jobId);
        if (e.state == State.CANCELLED) {
            return;
        }
        if (e.state != State.RUNNING) {
            throw new IllegalStateException("job " + jobId + " is " + e.state);
        }
        e.state = failure == null ? State.DONE : State.FAILED;
        e.failure = failure;
    }

    /** Cancels each job, as an admin would, once it has stored this many batches. */
    synchronized void cancelAfterBatches(int n) {
        this.cancelAfterBatches = n;
    }

    /** A job as if an earlier run had left it (queued, or running on a node that died, its lease out). */
    synchronized Job leftOver(UUID tenant, Map<String, String> options, long linesDone, String cursor) {
        Entry e = new Entry(tenant, KIND_CONTACTS, HubSpotSync.FORMAT, HubSpotSync.SOURCE, HubSpotSync.NAMESPACE, options);
        e.linesDone = linesDone;
        e.cursor = cursor;
        jobs.put(e.id, e);
        return e.job();
    }

    synchronized Job job(UUID id) {
        return jobs.get(id).job();
    }

    synchronized List<Job> jobs() {
        return jobs.values().stream().map(Entry::job).toList();
    }

    List<Batch> batches() {
        return List.copyOf(batches);
    }

    List<Batch> batches(UUID jobId) {
        return batches.stream().filter(b -> b.jobId().equals(jobId)).toList();
    }

    /** Every record of a job, in order. */
    List<ContactRecord> records(UUID jobId) {
        List<ContactRecord> out = new ArrayList<>();
        batches(jobId).forEach(b -> out.addAll(b.records()));
        return out;
    }

    List<Rejected> rejected(UUID jobId) {
        List<Rejected> out = new ArrayList<>();
        batches(jobId).forEach(b -> out.addAll(b.rejected()));
        return out;
    }

    List<String> calls() {
        return List.copyOf(calls);
    }
}
