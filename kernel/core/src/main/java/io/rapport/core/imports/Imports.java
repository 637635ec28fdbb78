package io.rapport.core.imports;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import io.rapport.api.customer.AttributeValue;
import io.rapport.api.customer.Consent;
import io.rapport.api.customer.Identifier;
import io.rapport.api.customer.IdentifierType;
import io.rapport.api.event.EventTypes;
import io.rapport.api.event.NewEvent;
import io.rapport.api.imports.ContactRecord;
import io.rapport.api.imports.ImportService;
import io.rapport.api.imports.OrderRecord;
import io.rapport.api.imports.Rejected;
import io.rapport.core.db.Ids;
import io.rapport.core.customer.Attributes;
import io.rapport.core.customer.CustomerChanges;
import io.rapport.core.customer.CustomerJson;
import io.rapport.core.customer.CustomerStore;
import io.rapport.core.customer.Normalizer;
import io.rapport.core.db.Db;
import io.rapport.core.event.EventStore;
import io.rapport.core.json.Json;
import io.rapport.core.security.AccessStore;
import io.rapport.core.validation.ConflictException;
import io.rapport.core.validation.InvalidInputException;
import io.rapport.core.validation.NotFoundException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Import jobs: the kernel's side of {@link ImportService}, and what the admin API does with jobs (upload, list,
 * cancel, the error report). Each batch a connector hands over is checked, deduplicated against the tenant's
 * customers and written with the job's progress in one transaction.
 */
public final class Imports implements ImportService {

    /** How long a claim holds a job without a batch; then another node (or this one, restarted) takes it over. */
    public static final Duration LEASE = Duration.ofSeconds(30);
    /** The event source of what an import records, followed by the job's source. */
    public static final String SOURCE_PREFIX = "import ";
    static final int MAX_OPTIONS = 50;
    static final int MAX_OPTION_VALUE = 20_000;
    static final int MAX_REASON = 1000;
    static final Pattern FORMAT = Pattern.compile("[a-z0-9][a-z0-9-]{0,39}");
    static final Pattern NAMESPACE = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,63}");
    static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");
    private static final Logger LOG = LoggerFactory.getLogger(Imports.class);

    /** A job as the admin API shows it. */
    public record View(Job job, String createdBy, OffsetDateTime createdAt, OffsetDateTime startedAt, OffsetDateTime finishedAt,
                       OffsetDateTime updatedAt) {
    }

    private final Db db;
    private final Clock clock;
    private final CustomerStore customers;
    private final EventStore events;
    private final AccessStore access;
    private final Path dir;
    /** Per dry-run job, the identifiers it would have created so far: a later row with one of them is an update. */
    private final Map<UUID, Map<String, UUID>> dryRuns = new ConcurrentHashMap<>();

    /** @param dir where uploads are stored until their job ends */
    public Imports(Db db, Clock clock, CustomerStore customers, EventStore events, AccessStore access, Path dir) {
        this.db = db;
        this.clock = clock;
        this.customers = customers;
        this.events = events;
        this.access = access;
        this.dir = dir;
    }

    // --- the admin's side --------------------------------------------------------------------------------

    /**
     * Stores an uploaded file (streamed to disk, never whole in memory) and queues its job.
     *
     * @param maxBytes the largest file taken; a larger one is refused and nothing is kept
     */
    public Job upload(UUID tenantId, String actor, String kind, String format, String source, String namespace, InputStream body, long maxBytes,
                      Map<String, String> options, boolean dryRun) {
        check(kind, format, source, namespace, options);
        UUID id = Ids.timeOrdered();
        Path file = dir.resolve(tenantId.toString()).resolve(id + ".upload");
        try {
            Files.createDirectories(file.getParent());
            long n;
            try (OutputStream out = Files.newOutputStream(file)) {
                n = copy(body, out, maxBytes);
            }
            if (n < 0) {
                Files.deleteIfExists(file);
                throw new InvalidInputException("/", "the file is larger than " + maxBytes + " bytes");
            }
            if (n == 0) {
                Files.deleteIfExists(file);
                throw new InvalidInputException("/", "the file is empty");
            }
        } catch (IOException e) {
            deleteQuietly(file);
            throw new UncheckedIOException("cannot store the upload: " + e.getMessage(), e);
        }
        try {
            return insert(id, tenantId, actor, kind, format, source, namespace, file, true, options, dryRun);
        } catch (RuntimeException e) {
            deleteQuietly(file);
            throw e;
        }
    }

    /** @return bytes copied, or -1 when there were more than {@code max} */
    private static long copy(InputStream in, OutputStream out, long max) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long n = 0;
        for (int r; (r = in.read(buf)) >= 0; ) {
            n += r;
            if (n > max) {
                return -1;
            }
            out.write(buf, 0, r);
        }
        return n;
    }

    /** @param format only jobs of this format (the last HubSpot syncs), or null for all */
    public List<View> list(UUID tenantId, String format, int limit) {
        String page = " ORDER BY created_at DESC, id DESC LIMIT " + Math.max(1, Math.min(200, limit));
        return db.read(c -> format == null ? Db.list(c, SELECT_JOB + " WHERE tenant_id = ?" + page, List.of(tenantId), Imports::view)
                : Db.list(c, SELECT_JOB + " WHERE tenant_id = ? AND format = ?" + page, List.of(tenantId, format), Imports::view));
    }

    public View get(UUID tenantId, UUID id) {
        return db.read(c -> find(c, tenantId, id)).orElseThrow(() -> new NotFoundException("no import job " + id));
    }

    /** Stops a queued or running job; what it wrote stays. */
    public View cancel(UUID tenantId, UUID id, String actor) {
        View v = db.tx(c -> {
            View now = find(c, tenantId, id).orElseThrow(() -> new NotFoundException("no import job " + id));
            State s = now.job().state();
            if (s != State.QUEUED && s != State.RUNNING) {
                throw new ConflictException("/", "the job is " + s.name().toLowerCase(java.util.Locale.ROOT) + " already");
            }
            OffsetDateTime t = OffsetDateTime.now(clock);
            Db.update(c, "UPDATE import_job SET state = ?, finished_at = ?, updated_at = ?, lease_until = NULL WHERE id = ?", State.CANCELLED.name(), t, t, id);
            return find(c, tenantId, id).orElseThrow();
        });
        access.audit(tenantId, actor, "import.cancelled", id.toString(), v.job().source());
        release(v.job());
        return v;
    }

    /**
     * Writes the error report as CSV ({@code line,field,reason}, oldest line first). A cell that a spreadsheet would
     * take for a formula is written as text.
     */
    public void writeErrors(UUID tenantId, UUID id, Writer out) throws IOException {
        get(tenantId, id);
        out.write("line,field,reason\r\n");
        long after = -1;
        while (true) {
            long from = after;
            List<Rejected> page = db.read(c -> Db.list(c, "SELECT line, field, reason FROM import_error WHERE job_id = ? AND line > ? ORDER BY line LIMIT 1000",
                    List.of(id, from), rs -> new Rejected(rs.getLong(1), rs.getString(2), rs.getString(3))));
            for (Rejected r : page) {
                out.write(r.line() + "," + Csv.cell(r.field()) + "," + Csv.cell(r.reason()) + "\r\n");
                after = r.line();
            }
            if (page.size() < 1000) {
                return;
            }
        }
    }

    // --- saved mappings ----------------------------------------------------------------------------------

    /** Options an admin saved under a name, to import the next file of the same kind the same way. */
    public record Mapping(String name, String kind, String format, Map<String, String> options, String updatedBy, OffsetDateTime updatedAt) {
    }

    static final Pattern MAPPING_NAME = Pattern.compile("[\\p{L}\\p{N} _.()-]{1,100}");

    public List<Mapping> mappings(UUID tenantId) {
        return db.read(c -> Db.list(c, "SELECT name, kind, format, options, updated_by, updated_at FROM import_mapping WHERE tenant_id = ? ORDER BY name",
                List.of(tenantId), Imports::mapping));
    }

    /** Creates or replaces a saved mapping. @return whether it was created */
    public boolean saveMapping(UUID tenantId, String actor, String name, String kind, String format, Map<String, String> options) {
        if (name == null || !MAPPING_NAME.matcher(name).matches()) {
            throw new InvalidInputException("/name", "a mapping's name has 1 to 100 letters, digits, spaces and . _ ( ) -");
        }
        check(kind, format, name, FORMAT_NAMESPACE, options);
        OffsetDateTime now = OffsetDateTime.now(clock);
        String json = Json.writeMap(new java.util.TreeMap<>(options));
        boolean created = db.tx(c -> {
            int n = Db.update(c, "UPDATE import_mapping SET kind = ?, format = ?, options = ?, updated_by = ?, updated_at = ? WHERE tenant_id = ? AND name = ?",
                    kind, format, json, truncate(actor, 200), now, tenantId, name);
            if (n == 0) {
                Db.update(c, "INSERT INTO import_mapping (tenant_id, name, kind, format, options, updated_by, updated_at) VALUES (?,?,?,?,?,?,?)",
                        tenantId, name, kind, format, json, truncate(actor, 200), now);
            }
            return n == 0;
        });
        access.audit(tenantId, actor, created ? "import.mapping.created" : "import.mapping.updated", name, kind + " " + format);
        return created;
    }

    public void deleteMapping(UUID tenantId, String actor, String name) {
        int n = db.tx(c -> Db.update(c, "DELETE FROM import_mapping WHERE tenant_id = ? AND name = ?", tenantId, name));
        if (n == 0) {
            throw new NotFoundException("no saved mapping " + name);
        }
        access.audit(tenantId, actor, "import.mapping.deleted", name, null);
    }

    /** A namespace that always passes the check: saved mappings have none of their own. */
    private static final String FORMAT_NAMESPACE = "mapping";

    private static Mapping mapping(ResultSet rs) throws SQLException {
        Map<String, String> options = new LinkedHashMap<>();
        Json.readMap(rs.getString(4)).forEach((k, v) -> options.put(k, String.valueOf(v)));
        return new Mapping(rs.getString(1), rs.getString(2), rs.getString(3), Map.copyOf(options), rs.getString(5), rs.getObject(6, OffsetDateTime.class));
    }

    // --- ImportService ------------------------------------------------------------------------------------

    @Override
    public Job create(UUID tenantId, String kind, String format, String source, String namespace, Path file, Map<String, String> options, boolean dryRun) {
        check(kind, format, source, namespace, options);
        if (access.tenant(tenantId).isEmpty()) {
            throw new IllegalArgumentException("no tenant " + tenantId);
        }
        return insert(Ids.timeOrdered(), tenantId, "connector:" + format, kind, format, source, namespace, file, false, options, dryRun);
    }

    @Override
    public Optional<Job> claim(String format) {
        OffsetDateTime now = OffsetDateTime.now(clock);
        List<UUID> candidates = db.read(c -> Db.list(c, "SELECT id FROM import_job WHERE format = ? AND (state = ? OR (state = ? AND lease_until < ?)) "
                + "ORDER BY created_at, id LIMIT 5", List.of(format, State.QUEUED.name(), State.RUNNING.name(), now), rs -> rs.getObject(1, UUID.class)));
        for (UUID id : candidates) {
            // whoever updates the row first holds the job: no row lock needed, on H2 or PostgreSQL
            Optional<Job> won = db.tx(c -> {
                int n = Db.update(c, "UPDATE import_job SET state = ?, lease_until = ?, started_at = COALESCE(started_at, ?), updated_at = ? "
                        + "WHERE id = ? AND (state = ? OR (state = ? AND lease_until < ?))", State.RUNNING.name(), now.plus(LEASE), now, now, id,
                        State.QUEUED.name(), State.RUNNING.name(), now);
                return n == 1 ? find(c, null, id).map(View::job) : Optional.<Job>empty();
            });
            if (won.isPresent()) {
                LOG.info("Import job {} ({}, {}) claimed, from line {}", id, won.get().source(), format, won.get().linesDone());
                return won;
            }
        }
        return Optional.empty();
    }

    @Override
    public Optional<Job> lastDone(UUID tenantId, String format) {
        return db.read(c -> Db.list(c, SELECT_JOB + " WHERE tenant_id = ? AND format = ? AND state = ? ORDER BY finished_at DESC, id DESC LIMIT 1",
                List.of(tenantId, format, State.DONE.name()), Imports::view)).stream().findFirst().map(View::job);
    }

    @Override
    public Progress contacts(UUID jobId, List<ContactRecord> records, List<Rejected> rejected, long lastLine, String cursor) {
        return batch(jobId, KIND_CONTACTS, records, rejected, lastLine, cursor, (c, job, out) -> writeContacts(c, job, records, out));
    }

    @Override
    public Progress orders(UUID jobId, List<OrderRecord> records, List<Rejected> rejected, long lastLine, String cursor) {
        return batch(jobId, KIND_ORDERS, records, rejected, lastLine, cursor, (c, job, out) -> writeOrders(c, job, records, out));
    }

    @Override
    public void finish(UUID jobId, String failure) {
        Job job = db.tx(c -> {
            Job j = find(c, null, jobId).map(View::job).orElseThrow(() -> new IllegalArgumentException("no import job " + jobId));
            if (j.state() == State.RUNNING || j.state() == State.QUEUED) {
                OffsetDateTime t = OffsetDateTime.now(clock);
                Db.update(c, "UPDATE import_job SET state = ?, failure = ?, finished_at = ?, updated_at = ?, lease_until = NULL WHERE id = ?",
                        (failure == null ? State.DONE : State.FAILED).name(), failure == null ? null : truncate(failure, 2000), t, t, jobId);
            }
            return find(c, null, jobId).map(View::job).orElseThrow();
        });
        LOG.info("Import job {} ({}) {}: read {}, created {}, updated {}, rejected {}{}", jobId, job.source(), job.state(), job.counts().read(),
                job.counts().created(), job.counts().updated(), job.counts().rejected(), failure == null ? "" : ": " + failure);
        release(job);
    }

    // --- batches -----------------------------------------------------------------------------------------

    /** What a batch counted. */
    private static final class Tally {
        long created;
        long updated;
        final List<Rejected> rejected = new ArrayList<>();
        /** Customers changed without an event of their own: their segments are re-evaluated once the batch commits. */
        final List<UUID> changed = new ArrayList<>();
        UUID tenantId;
    }

    private interface Writing {
        void write(Connection c, Job job, Tally out) throws SQLException;
    }

    private Progress batch(UUID jobId, String kind, List<?> records, List<Rejected> rejected, long lastLine, String cursor, Writing writing) {
        if (records.size() > MAX_BATCH) {
            throw new IllegalArgumentException("a batch has at most " + MAX_BATCH + " records, not " + records.size());
        }
        Tally[] tally = new Tally[1];
        Progress p = db.tx(c -> {
            Job job = lock(c, jobId);
            if (job.state() == State.CANCELLED) {
                return new Progress(job.counts(), true);
            }
            if (job.state() != State.RUNNING) {
                throw new IllegalStateException("import job " + jobId + " is " + job.state() + ", not running");
            }
            if (!job.kind().equals(kind)) {
                throw new IllegalArgumentException("import job " + jobId + " imports " + job.kind() + ", not " + kind);
            }
            if (lastLine <= job.linesDone() && (!records.isEmpty() || !rejected.isEmpty())) {
                // this batch was stored before (a connector that retried after a lost answer): nothing new
                return new Progress(job.counts(), false);
            }
            Tally t = tally[0] = new Tally();
            t.tenantId = job.tenantId();
            t.rejected.addAll(rejected);
            writing.write(c, job, t);
            storeErrors(c, jobId, t.rejected);
            OffsetDateTime now = OffsetDateTime.now(clock);
            long read = records.size() + rejected.size();
            Db.update(c, "UPDATE import_job SET rows_read = rows_read + ?, created_count = created_count + ?, updated_count = updated_count + ?, "
                    + "rejected_count = rejected_count + ?, lines_done = ?, cursor_value = ?, lease_until = ?, updated_at = ? WHERE id = ?",
                    read, t.created, t.updated, (long) t.rejected.size(), Math.max(lastLine, job.linesDone()), cursor, now.plus(LEASE), now, jobId);
            Counts before = job.counts();
            return new Progress(new Counts(before.read() + read, before.created() + t.created, before.updated() + t.updated,
                    before.rejected() + t.rejected.size()), false);
        });
        events.committed();
        if (tally[0] != null && !tally[0].changed.isEmpty()) {
            customers.changed(tally[0].tenantId, tally[0].changed);
        }
        analyzeIfGrown(p.counts().read() - records.size() - rejected.size(), p.counts().read());
        return p;
    }

    /** The first size of a job at which PostgreSQL's statistics are refreshed; then at 4, 16, 64... times it. */
    static final long ANALYZE_FIRST = 5_000;
    /** The tables an import grows. */
    static final String ANALYZE = "ANALYZE customer, customer_identifier, customer_attribute, customer_tag, consent, event, outbox";

    /**
     * Refreshes PostgreSQL's statistics of the tables a large import grows, when the job crosses 5,000, 20,000, 80,000...
     * records. Autovacuum does it too, but later (or never, where it is off): until then the planner takes the tables for
     * empty and picks plans that slow every batch down as they grow. ANALYZE samples a fixed number of rows, so each run
     * costs about the same.
     */
    private void analyzeIfGrown(long before, long after) {
        if (db.dialect() != Db.Dialect.POSTGRESQL) {
            return;
        }
        for (long t = ANALYZE_FIRST; t <= after; t *= 4) {
            if (before < t) {
                long t0 = System.nanoTime();
                db.tx(c -> {
                    try (java.sql.Statement st = c.createStatement()) {
                        st.execute(ANALYZE);
                    }
                    return null;
                });
                LOG.info("Statistics refreshed after {} imported records, in {} ms", t, (System.nanoTime() - t0) / 1_000_000);
                return;
            }
        }
    }

    private static void storeErrors(Connection c, UUID jobId, List<Rejected> rejected) throws SQLException {
        if (rejected.isEmpty()) {
            return;
        }
        Set<Long> lines = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO import_error (job_id, line, field, reason) VALUES (?,?,?,?)")) {
            for (Rejected r : rejected) {
                if (!lines.add(r.line())) {
                    continue; // one entry per record
                }
                ps.setObject(1, jobId);
                ps.setLong(2, r.line());
                ps.setString(3, r.field() == null ? null : truncate(r.field(), 200));
                ps.setString(4, truncate(r.reason(), MAX_REASON));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    // --- contacts ----------------------------------------------------------------------------------------

    /** A contact that passed the checks, with its identifiers as lookup keys. */
    private record Checked(ContactRecord record, String email, String phone, String locale, String timeZone, List<Identifier> identifiers) {
    }

    private void writeContacts(Connection c, Job job, List<ContactRecord> records, Tally out) throws SQLException {
        String region = job.options().getOrDefault(OPTION_REGION, access.region(job.tenantId()));
        List<Checked> ok = new ArrayList<>();
        for (ContactRecord r : records) {
            Checked k = check(r, job.namespace(), region, out.rejected);
            if (k != null) {
                ok.add(k);
            }
        }
        Map<String, UUID> owners = owners(c, job.tenantId(), ok);
        Map<String, UUID> seen = job.dryRun() ? dryRuns.computeIfAbsent(job.id(), x -> new ConcurrentHashMap<>()) : new HashMap<>();
        OffsetDateTime now = OffsetDateTime.now(clock);
        String actor = SOURCE_PREFIX + job.source();
        // new customers are written together (one JDBC batch per table), then the changes to those found (created earlier
        // in the job or before it): a fixed number of statements per batch
        List<CustomerStore.NewProfile> creates = new ArrayList<>();
        List<CustomerStore.Change> updates = new ArrayList<>();
        for (Checked k : ok) {
            Map<UUID, Identifier> found = new LinkedHashMap<>();
            for (Identifier id : k.identifiers()) {
                UUID owner = seen.getOrDefault(key(id), owners.get(key(id)));
                if (owner != null) {
                    found.putIfAbsent(owner, id);
                }
            }
            if (found.size() > 1) {
                List<String> which = new ArrayList<>();
                found.forEach((owner, id) -> which.add(owner + " by " + id.type().key()));
                out.rejected.add(new Rejected(k.record().line(), null, "matches two customers (" + String.join(", ", which)
                        + "): merge them first, or correct the record"));
                continue;
            }
            boolean create = found.isEmpty();
            UUID id = create ? Ids.timeOrdered() : found.keySet().iterator().next();
            if (!job.dryRun()) {
                CustomerChanges changes = changes(k, job.namespace(), job.source());
                if (create) {
                    creates.add(new CustomerStore.NewProfile(id, changes, k.record().tags()));
                } else {
                    updates.add(new CustomerStore.Change(id, changes, k.record().tags()));
                }
            }
            for (Identifier i : k.identifiers()) {
                seen.put(key(i), id);
            }
            // a repeat of a contact created earlier in the job counts as an update of it
            if (create) {
                out.created++;
            } else {
                out.updated++;
            }
        }
        customers.createAllIn(c, job.tenantId(), creates, actor, Map.of("by", actor, "importJob", job.id().toString()), now);
        customers.updateAllIn(c, job.tenantId(), updates, actor, now);
        updates.forEach(u -> out.changed.add(u.id()));
    }

    /**
     * What the kernel would refuse among a preview's contacts, before any look at the database (malformed e-mail
     * addresses, phone numbers it cannot read in the region, no identifier, bad names): a wizard shows them beside
     * the reader's refusals. Matches against existing customers are not checked.
     *
     * @param options the job's options (its {@link ImportService#OPTION_REGION})
     */
    public List<Rejected> refusals(UUID tenantId, List<ContactRecord> records, Map<String, String> options) {
        String region = options.getOrDefault(OPTION_REGION, access.region(tenantId));
        List<Rejected> out = new ArrayList<>();
        for (ContactRecord r : records) {
            check(r, FORMAT_NAMESPACE, region, out);
        }
        return out;
    }

    /** @return the checked record, or null after adding why it was refused */
    private static Checked check(ContactRecord r, String namespace, String region, List<Rejected> rejected) {
        String email = blank(r.email()) ? null : Normalizer.email(r.email()).orElse(null);
        if (!blank(r.email()) && email == null) {
            rejected.add(new Rejected(r.line(), CustomerJson.EMAIL, "'" + clip(r.email()) + "' is not an e-mail address"));
            return null;
        }
        String phone = blank(r.phone()) ? null : Normalizer.phone(r.phone(), region).orElse(null);
        if (!blank(r.phone()) && phone == null) {
            rejected.add(new Rejected(r.line(), CustomerJson.PHONE, "'" + clip(r.phone()) + "' is not a phone number"
                    + (region == null ? " in international form (+country code); choose the country of national numbers (option "
                    + OPTION_REGION + ") or set the shop's region" : " (national numbers are read as " + region + ")")));
            return null;
        }
        String external = blank(r.externalId()) ? null : r.externalId().strip();
        if (external != null && external.length() > 320) {
            rejected.add(new Rejected(r.line(), "externalId", "an external id has at most 320 characters"));
            return null;
        }
        if (email == null && phone == null && external == null) {
            rejected.add(new Rejected(r.line(), null, "no e-mail address, phone number or id: nothing to find the customer by"));
            return null;
        }
        String locale = blank(r.locale()) ? null : Normalizer.locale(r.locale()).orElse(null);
        if (!blank(r.locale()) && locale == null) {
            rejected.add(new Rejected(r.line(), CustomerJson.LOCALE, "'" + clip(r.locale()) + "' is not a language tag such as fr-FR"));
            return null;
        }
        String zone = blank(r.timeZone()) ? null : Normalizer.timeZone(r.timeZone()).orElse(null);
        if (!blank(r.timeZone()) && zone == null) {
            rejected.add(new Rejected(r.line(), CustomerJson.TIME_ZONE, "'" + clip(r.timeZone()) + "' is not a time zone such as Europe/Paris"));
            return null;
        }
        for (String[] f : new String[][] {{CustomerJson.FIRST_NAME, r.firstName()}, {CustomerJson.LAST_NAME, r.lastName()}}) {
            if (f[1] != null && f[1].length() > 200) {
                rejected.add(new Rejected(r.line(), f[0], "a name has at most 200 characters"));
                return null;
            }
        }
        for (Map.Entry<String, AttributeValue> a : r.attributes().entrySet()) {
            String problem = Attributes.problem(a.getKey(), a.getValue());
            if (problem != null) {
                rejected.add(new Rejected(r.line(), a.getKey(), problem));
                return null;
            }
        }
        for (String tag : r.tags()) {
            if (tag.isBlank() || tag.length() > 100) {
                rejected.add(new Rejected(r.line(), "tags", "a tag has 1 to 100 characters"));
                return null;
            }
        }
        List<Identifier> ids = new ArrayList<>();
        if (external != null) {
            ids.add(Identifier.external(namespace, external));
        }
        if (email != null) {
            ids.add(Identifier.email(email));
        }
        if (phone != null) {
            ids.add(Identifier.phone(phone));
        }
        return new Checked(r, email, phone, locale, zone, ids);
    }

    private static CustomerChanges changes(Checked k, String namespace, String source) {
        ContactRecord r = k.record();
        Map<String, Optional<String>> fields = new LinkedHashMap<>();
        putIf(fields, CustomerJson.EMAIL, k.email());
        putIf(fields, CustomerJson.PHONE, k.phone());
        putIf(fields, CustomerJson.FIRST_NAME, blank(r.firstName()) ? null : r.firstName().strip());
        putIf(fields, CustomerJson.LAST_NAME, blank(r.lastName()) ? null : r.lastName().strip());
        putIf(fields, CustomerJson.LOCALE, k.locale());
        putIf(fields, CustomerJson.TIME_ZONE, k.timeZone());
        Map<String, Optional<String>> external = new LinkedHashMap<>();
        k.identifiers().stream().filter(i -> i.type() == IdentifierType.EXTERNAL).findFirst()
                .ifPresent(i -> external.put(namespace, Optional.of(i.value())));
        Map<String, Optional<AttributeValue>> attributes = new LinkedHashMap<>();
        r.attributes().forEach((name, v) -> attributes.put(name, Optional.of(v)));
        List<Consent> consents = new ArrayList<>();
        for (Consent x : r.consents()) {
            consents.add(x.source() == null || x.source().isBlank() ? new Consent(x.purpose(), x.channel(), x.status(), SOURCE_PREFIX + source, x.changedAt()) : x);
        }
        return new CustomerChanges(fields, external, attributes, null, consents);
    }

    private static void putIf(Map<String, Optional<String>> fields, String key, String value) {
        if (value != null) {
            fields.put(key, Optional.of(value));
        }
    }

    /** Who (resolved through merges) holds each identifier of the batch now. */
    private static Map<String, UUID> owners(Connection c, UUID tenantId, List<Checked> batch) throws SQLException {
        List<Identifier> identifiers = new ArrayList<>();
        batch.forEach(k -> identifiers.addAll(k.identifiers()));
        Map<String, UUID> out = CustomerStore.holders(c, tenantId, identifiers);
        Map<UUID, UUID> live = CustomerStore.resolveAllMerged(c, tenantId, new HashSet<>(out.values()));
        out.replaceAll((k, id) -> live.get(id));
        return out;
    }

    private static String key(Identifier i) {
        return CustomerStore.identifierKey(i);
    }

    // --- orders ------------------------------------------------------------------------------------------

    private void writeOrders(Connection c, Job job, List<OrderRecord> records, Tally out) throws SQLException {
        List<NewEvent> batch = new ArrayList<>();
        for (OrderRecord r : records) {
            NewEvent e = order(r, job.namespace(), out.rejected);
            if (e != null) {
                batch.add(e);
            }
        }
        if (batch.isEmpty()) {
            return;
        }
        if (job.dryRun()) {
            Map<String, UUID> known = EventStore.existingKeys(c, job.tenantId(), batch);
            Set<String> keys = new HashSet<>(known.keySet());
            for (NewEvent e : batch) {
                if (keys.add(e.idempotencyKey())) {
                    out.created++;
                } else {
                    out.updated++;
                }
            }
            return;
        }
        for (EventStore.Appended a : events.appendIn(c, job.tenantId(), SOURCE_PREFIX + job.source(), batch)) {
            if (a.duplicate()) {
                out.updated++;
            } else {
                out.created++;
            }
        }
    }

    private static NewEvent order(OrderRecord r, String namespace, List<Rejected> rejected) {
        List<Identifier> ids = new ArrayList<>();
        if (!blank(r.customerExternalId())) {
            ids.add(Identifier.external(namespace, r.customerExternalId().strip()));
        }
        if (!blank(r.email())) {
            Optional<String> email = Normalizer.email(r.email());
            if (email.isEmpty()) {
                rejected.add(new Rejected(r.line(), CustomerJson.EMAIL, "'" + clip(r.email()) + "' is not an e-mail address"));
                return null;
            }
            ids.add(Identifier.email(email.get()));
        }
        if (ids.isEmpty()) {
            rejected.add(new Rejected(r.line(), null, "no customer id or e-mail address: whose order is it?"));
            return null;
        }
        if (r.amount().signum() < 0) {
            rejected.add(new Rejected(r.line(), "amount", "the amount " + r.amount().toPlainString() + " is negative: a refund is not an order"));
            return null;
        }
        if (r.currency() != null && !CURRENCY.matcher(r.currency()).matches()) {
            rejected.add(new Rejected(r.line(), "currency", "'" + clip(r.currency()) + "' is not an ISO 4217 currency code such as EUR"));
            return null;
        }
        Map<String, Object> props = new LinkedHashMap<>();
        props.put(EventTypes.PROPERTY_TOTAL, r.amount());
        if (r.currency() != null) {
            props.put("currency", r.currency());
        }
        if (!blank(r.orderId())) {
            props.put("orderId", r.orderId().strip());
        }
        int quantity = 0;
        List<Map<String, Object>> items = new ArrayList<>();
        for (OrderRecord.Item i : r.items()) {
            if (i.quantity() < 1) {
                rejected.add(new Rejected(r.line(), "quantity", "an item's quantity is at least 1, not " + i.quantity()));
                return null;
            }
            Map<String, Object> item = new LinkedHashMap<>();
            if (i.sku() != null) {
                item.put("sku", i.sku());
            }
            if (i.name() != null) {
                item.put("name", i.name());
            }
            item.put("quantity", i.quantity());
            if (i.price() != null) {
                item.put("price", i.price());
            }
            items.add(item);
            quantity += i.quantity();
        }
        if (!items.isEmpty()) {
            props.put("items", items);
            props.put("itemCount", quantity);
        }
        // the same order imported again (another file, the same file again) is recorded once
        String key = "import:" + namespace + ":" + (blank(r.orderId()) ? ids.get(0).value() + ":" + r.orderedAt().toInstant() + ":"
                + r.amount().stripTrailingZeros().toPlainString() + ":" + r.line() : "order:" + r.orderId().strip());
        return new NewEvent(EventTypes.ORDER_COMPLETED, ids, false, r.orderedAt(), props, Map.of(), truncate(key, 200));
    }

    // --- rows --------------------------------------------------------------------------------------------

    private static final String SELECT_JOB = "SELECT id, tenant_id, kind, format, source, namespace, file_path, options, dry_run, lines_done, cursor_value, "
            + "state, rows_read, created_count, updated_count, rejected_count, failure, created_by, created_at, started_at, finished_at, updated_at FROM import_job";

    private static View view(ResultSet rs) throws SQLException {
        String path = rs.getString(7);
        Map<String, String> options = new LinkedHashMap<>();
        Json.readMap(rs.getString(8)).forEach((k, v) -> options.put(k, String.valueOf(v)));
        Job job = new Job(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6),
                path == null ? null : Path.of(path), Map.copyOf(options), rs.getBoolean(9), rs.getLong(10), rs.getString(11), State.valueOf(rs.getString(12)),
                new Counts(rs.getLong(13), rs.getLong(14), rs.getLong(15), rs.getLong(16)), rs.getString(17));
        return new View(job, rs.getString(18), rs.getObject(19, OffsetDateTime.class), rs.getObject(20, OffsetDateTime.class),
                rs.getObject(21, OffsetDateTime.class), rs.getObject(22, OffsetDateTime.class));
    }

    /** @param tenantId the tenant the job must belong to, or null for any */
    private static Optional<View> find(Connection c, UUID tenantId, UUID id) throws SQLException {
        List<View> found = tenantId == null ? Db.list(c, SELECT_JOB + " WHERE id = ?", List.of(id), Imports::view)
                : Db.list(c, SELECT_JOB + " WHERE id = ? AND tenant_id = ?", List.of(id, tenantId), Imports::view);
        return found.stream().findFirst();
    }

    private static Job lock(Connection c, UUID id) throws SQLException {
        List<View> found = Db.list(c, SELECT_JOB + " WHERE id = ? FOR UPDATE", List.of(id), Imports::view);
        if (found.isEmpty()) {
            throw new IllegalArgumentException("no import job " + id);
        }
        return found.get(0).job();
    }

    private Job insert(UUID id, UUID tenantId, String actor, String kind, String format, String source, String namespace, Path file, boolean ownsFile,
                       Map<String, String> options, boolean dryRun) {
        OffsetDateTime now = OffsetDateTime.now(clock);
        db.tx(c -> Db.update(c, "INSERT INTO import_job (id, tenant_id, kind, format, source, namespace, file_path, owns_file, options, dry_run, state, "
                        + "created_by, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", id, tenantId, kind, format, source, namespace,
                file == null ? null : file.toAbsolutePath().toString(), ownsFile, Json.writeMap(new java.util.TreeMap<>(options)), dryRun, State.QUEUED.name(),
                truncate(actor, 200), now, now));
        access.audit(tenantId, actor, dryRun ? "import.dry-run" : "import.queued", id.toString(), kind + " from " + source + " (" + format + ")");
        return get(tenantId, id).job();
    }

    /** Forgets what a job held once it ends: a dry run's identifiers, an uploaded file. */
    private void release(Job job) {
        dryRuns.remove(job.id());
        if (job.state() == State.RUNNING || job.state() == State.QUEUED || job.file() == null) {
            return;
        }
        boolean owned = db.read(c -> Db.list(c, "SELECT owns_file FROM import_job WHERE id = ?", List.of(job.id()), rs -> rs.getBoolean(1)))
                .stream().findFirst().orElse(false);
        if (owned) {
            deleteQuietly(job.file());
        }
    }

    private static void check(String kind, String format, String source, String namespace, Map<String, String> options) {
        if (!KIND_CONTACTS.equals(kind) && !KIND_ORDERS.equals(kind)) {
            throw new InvalidInputException("/kind", "is " + KIND_CONTACTS + " or " + KIND_ORDERS);
        }
        if (format == null || !FORMAT.matcher(format).matches()) {
            throw new InvalidInputException("/format", "is a format name such as csv (lower-case letters, digits and '-')");
        }
        if (source == null || source.isBlank() || source.length() > 300) {
            throw new InvalidInputException("/source", "names the source in 1 to 300 characters, such as the file's name");
        }
        if (namespace == null || !NAMESPACE.matcher(namespace).matches()) {
            throw new InvalidInputException("/namespace", "is the namespace of the source's ids, such as hubspot (lower-case letters, digits, '_', '.', '-')");
        }
        if (options.size() > MAX_OPTIONS) {
            throw new InvalidInputException("/options", "at most " + MAX_OPTIONS + " options");
        }
        String region = options.get(OPTION_REGION);
        if (region != null && !com.google.i18n.phonenumbers.PhoneNumberUtil.getInstance().getSupportedRegions().contains(region)) {
            throw new InvalidInputException("/options/" + OPTION_REGION, "'" + region + "' is not a region code such as FR or US");
        }
        for (Map.Entry<String, String> e : options.entrySet()) {
            if (e.getKey().isBlank() || e.getKey().length() > 100 || e.getValue() == null || e.getValue().length() > MAX_OPTION_VALUE) {
                throw new InvalidInputException("/options/" + e.getKey(), "an option has a name of 1 to 100 characters and a value of at most "
                        + MAX_OPTION_VALUE + " characters");
            }
        }
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static String clip(String s) {
        String t = s.strip();
        return t.length() > 80 ? t.substring(0, 80) + "…" : t;
    }

    private static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warn("Cannot delete {}: {}", file, e.getMessage());
        }
    }
}
