package io.rapport.connector.hubspot;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

import io.rapport.api.imports.ContactRecord;
import io.rapport.api.imports.ImportService;
import io.rapport.api.imports.ImportService.Job;
import io.rapport.api.imports.Rejected;

/**
 * One tenant's sync of HubSpot contacts into Rapport, as import jobs of the format {@value #FORMAT}.
 *
 * <p>{@link #run} creates a job and reads HubSpot: everything the first time (no earlier job of this format ended
 * {@code DONE}), and afterwards the contacts changed since the cursor of the last finished job (a little earlier, by
 * {@link #OVERLAP}: HubSpot's search index lags behind changes). It hands the contacts to {@link ImportService#contacts}
 * in batches of at most {@value #BATCH} with their running position as the line and the cursor of the next sync:
 * the {@code lastmodifieddate} of the batch's last contact for a sync by change, and the time a full sync started for a
 * full one (a list is in id order, so only its start time says what the next sync must look after).
 *
 * <p>{@link #run} never throws: HubSpot refusing the token, HubSpot down, or the kernel refusing a batch finish the job
 * {@code FAILED} with the reason. A job an admin cancels stops at the next batch. An earlier job of this tenant that
 * is still queued, or whose node died while running it, is claimed and run (from its start, numbering after its last
 * stored line) before the new one; a job of another tenant that {@link ImportService#claim} hands over is left for its
 * lease to run out.
 */
public final class HubSpotSync {

    /** The format of this connector's jobs. */
    public static final String FORMAT = "hubspot";
    /** The namespace of the contacts' external ids: HubSpot's record ids. */
    public static final String NAMESPACE = "hubspot";
    /** What admins see as the jobs' source. */
    public static final String SOURCE = "HubSpot API";
    /** Job option: {@value #MODE_FULL} or {@value #MODE_INCREMENTAL}. */
    public static final String OPTION_MODE = "mode";
    public static final String MODE_FULL = "full";
    public static final String MODE_INCREMENTAL = "incremental";
    /** Job option of an incremental sync: the cursor it starts from (milliseconds since the epoch). */
    public static final String OPTION_SINCE = "since";
    /** Job option of a full sync: when it started (milliseconds since the epoch), its cursor. */
    public static final String OPTION_STARTED = "started";
    /** The most records (and rejections) handed to the kernel at once. */
    public static final int BATCH = 500;
    /** How far before the cursor a sync by change starts reading: changes show in HubSpot's search a little late. */
    public static final Duration OVERLAP = Duration.ofMinutes(2);
    /** The most jobs one run goes through (this tenant's left-over ones, then its own). */
    static final int MAX_JOBS_PER_RUN = 3;
    static final String STOPPED = "the HubSpot connector stopped during the sync (its settings changed, or the server is stopping)";

    private static final Logger LOG = Logger.getLogger(HubSpotSync.class.getName());

    /**
     * What a run did with its last job.
     *
     * @param jobId     the job, or null when none was run
     * @param lines     the line of its last record
     * @param cancelled an admin cancelled it
     * @param failure   why it failed, or null
     */
    public record Result(UUID jobId, long lines, boolean cancelled, String failure) {
    }

    private final UUID tenant;
    private final ImportService imports;
    private final HubSpotClient client;
    private final ContactMapper mapper;
    private final Clock clock;
    private final Duration overlap;
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile boolean stopped;
    private volatile Thread runner;
    /** True while the runner waits for HubSpot. */
    private boolean reading;

    HubSpotSync(UUID tenant, ImportService imports, HubSpotClient client, ContactMapper mapper, Clock clock, Duration overlap) {
        this.tenant = tenant;
        this.imports = imports;
        this.client = client;
        this.mapper = mapper;
        this.clock = clock;
        this.overlap = overlap;
    }

    UUID tenant() {
        return tenant;
    }

    /**
     * Stops a running sync at once if it is waiting for HubSpot, else after its current batch (its job fails with
     * {@value #STOPPED}), and refuses later runs. The kernel's calls are never interrupted.
     */
    void stop() {
        synchronized (this) {
            stopped = true;
            if (reading && runner != null) {
                runner.interrupt();
            }
        }
    }

    /** Reads the next page; only here may {@link #stop} interrupt the thread. */
    private List<HubSpotClient.Contact> next(HubSpotClient.Reader reader) throws HubSpotException, InterruptedException {
        synchronized (this) {
            if (stopped) {
                throw new InterruptedException();
            }
            reading = true;
        }
        try {
            return reader.next();
        } finally {
            synchronized (this) {
                reading = false;
                if (stopped) {
                    Thread.interrupted(); // ours: not to leak into the caller's thread
                }
            }
        }
    }

    /** Runs one sync; never throws. A run while another one is going returns at once. */
    public Result run() {
        if (stopped || !running.compareAndSet(false, true)) {
            return new Result(null, 0, false, null);
        }
        runner = Thread.currentThread();
        try {
            return runJobs();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "HubSpot sync of tenant " + tenant + " could not run", e);
            return new Result(null, 0, false, "the sync could not start: " + e.getMessage());
        } finally {
            runner = null;
            running.set(false);
        }
    }

    private Result runJobs() {
        Map<String, String> options = options(imports.lastDone(tenant, FORMAT));
        Job created = imports.create(tenant, ImportService.KIND_CONTACTS, FORMAT, SOURCE, NAMESPACE, null, options, false);
        Result result = new Result(null, 0, false, null);
        for (int i = 0; i < MAX_JOBS_PER_RUN && !stopped; i++) {
            Optional<Job> claimed = imports.claim(FORMAT);
            if (claimed.isEmpty()) {
                LOG.info("HubSpot sync of tenant " + tenant + ": job " + created.id() + " was claimed elsewhere");
                break;
            }
            Job job = claimed.get();
            if (!tenant.equals(job.tenantId())) {
                // another tenant's job (its connector is late, or gone): its lease runs out and it is claimed again
                LOG.info("HubSpot sync of tenant " + tenant + ": the oldest waiting job, " + job.id() + ", is another tenant's; job " + created.id()
                        + " runs next time");
                break;
            }
            result = execute(job);
            if (job.id().equals(created.id())) {
                break;
            }
        }
        return result;
    }

    /** A full sync without a cursor, else a sync of what changed since it. */
    private Map<String, String> options(Optional<Job> last) {
        String cursor = last.map(Job::cursor).orElse(null);
        Long since = parse(cursor);
        if (since == null) {
            return Map.of(OPTION_MODE, MODE_FULL, OPTION_STARTED, Long.toString(clock.millis()));
        }
        return Map.of(OPTION_MODE, MODE_INCREMENTAL, OPTION_SINCE, Long.toString(since));
    }

    private Result execute(Job job) {
        Map<String, String> options = job.options() == null ? Map.of() : job.options();
        boolean full = !MODE_INCREMENTAL.equals(options.get(OPTION_MODE));
        long line = job.linesDone();
        long cursor;
        HubSpotClient.Reader reader;
        if (full) {
            Long started = parse(options.get(OPTION_STARTED));
            cursor = started != null ? started : clock.millis();
            reader = client.all(mapper.properties());
        } else {
            Long since = parse(job.cursor());
            if (since == null) {
                since = parse(options.get(OPTION_SINCE));
            }
            cursor = since == null ? 0 : since;
            reader = client.modifiedSince(Math.max(0, cursor - overlap.toMillis()), mapper.properties());
        }
        List<ContactRecord> records = new ArrayList<>();
        List<Rejected> rejected = new ArrayList<>();
        boolean sent = false;
        try {
            List<HubSpotClient.Contact> page;
            while ((page = next(reader)) != null) {
                for (HubSpotClient.Contact c : page) {
                    line++;
                    ContactMapper.Mapped m = mapper.map(line, c);
                    if (m.record() != null) {
                        records.add(m.record());
                    } else {
                        rejected.add(m.rejected());
                    }
                    if (!full && c.lastModified() != null) {
                        cursor = Math.max(cursor, c.lastModified());
                    }
                    if (records.size() + rejected.size() >= BATCH) {
                        sent = true;
                        if (send(job, records, rejected, line, cursor).cancelled()) {
                            return cancelled(job, line);
                        }
                    }
                }
                if (stopped) {
                    return failed(job, line, STOPPED);
                }
            }
            if (!records.isEmpty() || !rejected.isEmpty() || !sent) {
                // also with nothing new: the job keeps the cursor for the next sync
                if (send(job, records, rejected, line, cursor).cancelled()) {
                    return cancelled(job, line);
                }
            }
            imports.finish(job.id(), null);
            LOG.info("HubSpot sync of tenant " + tenant + ": job " + job.id() + " done, " + (line - job.linesDone()) + " contacts read");
            return new Result(job.id(), line, false, null);
        } catch (HubSpotException e) {
            return failed(job, line, e.getMessage());
        } catch (InterruptedException e) {
            if (!stopped) {
                Thread.currentThread().interrupt(); // not ours: the caller's thread is being interrupted
            }
            return failed(job, line, STOPPED);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "HubSpot sync of tenant " + tenant + ": job " + job.id() + " failed", e);
            return failed(job, line, "the sync stopped on an error: " + e);
        }
    }

    private ImportService.Progress send(Job job, List<ContactRecord> records, List<Rejected> rejected, long line, long cursor) {
        ImportService.Progress p = imports.contacts(job.id(), List.copyOf(records), List.copyOf(rejected), line, Long.toString(cursor));
        records.clear();
        rejected.clear();
        return p;
    }

    private Result cancelled(Job job, long line) {
        finishQuietly(job, null);
        LOG.info("HubSpot sync of tenant " + tenant + ": job " + job.id() + " cancelled at line " + line);
        return new Result(job.id(), line, true, null);
    }

    private Result failed(Job job, long line, String failure) {
        LOG.warning("HubSpot sync of tenant " + tenant + ": job " + job.id() + " failed: " + failure);
        finishQuietly(job, failure);
        return new Result(job.id(), line, false, failure);
    }

    private void finishQuietly(Job job, String failure) {
        try {
            imports.finish(job.id(), failure);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "HubSpot sync of tenant " + tenant + ": job " + job.id() + " could not be finished", e);
        }
    }

    private static Long parse(String millis) {
        if (millis == null || millis.isBlank()) {
            return null;
        }
        try {
            return Long.parseLong(millis.strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
