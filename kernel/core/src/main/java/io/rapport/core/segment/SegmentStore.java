package io.rapport.core.segment;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import io.rapport.api.event.EventTypes;
import io.rapport.core.db.Db;
import io.rapport.core.db.Ids;
import io.rapport.core.event.EventStore;
import io.rapport.core.json.Json;
import io.rapport.core.validation.ConflictException;
import io.rapport.core.validation.InvalidInputException;
import io.rapport.core.validation.NotFoundException;
import jakarta.json.JsonObject;

/**
 * Segments of a tenant: their definitions, who is in them, and the {@code segment.entered} / {@code segment.exited}
 * events when that changes. A rebuild compares the members stored with those the condition selects now, both read in
 * id order, and writes the difference in batches with its events.
 */
public final class SegmentStore {

    /** The most segments a tenant may have. */
    public static final int MAX_SEGMENTS = 500;
    static final int WRITE_BATCH = 5_000;
    static final int FETCH = 10_000;

    /** A segment as stored. */
    public record Segment(UUID id, UUID tenantId, String name, String description, JsonObject definition, boolean timeDependent, int version,
                          long members, OffsetDateTime rebuiltAt, OffsetDateTime createdAt, OffsetDateTime updatedAt) {
    }

    /** What a rebuild changed. */
    public record Rebuild(long members, long entered, long exited) {
    }

    /** What an incremental evaluation changed in one segment. */
    public record Moves(long entered, long exited) {
    }

    /** How many profiles a condition selects now, and the first few. */
    public record Preview(long count, List<UUID> sample) {
    }

    private final Db db;
    private final Clock clock;
    private final EventStore events;
    private final Rfm rfm;
    /** Membership rows inserted or deleted since start (rolled-back ones included): when to tidy the table up. */
    private final java.util.concurrent.atomic.AtomicLong memberRowsWritten = new java.util.concurrent.atomic.AtomicLong();
    /** Of those, the rows that builds, rebuilds and deletions of segments committed: when to tidy it up at once. */
    private final java.util.concurrent.atomic.AtomicLong bulkRowsWritten = new java.util.concurrent.atomic.AtomicLong();

    public SegmentStore(Db db, Clock clock, EventStore events) {
        this.db = db;
        this.clock = clock;
        this.events = events;
        this.rfm = new Rfm(db, clock);
    }

    /** The shop's RFM scores, which segments can read. */
    public Rfm rfm() {
        return rfm;
    }

    /**
     * Recomputes the shop's RFM scores over {@code windowDays} and rebuilds the segments that read them.
     */
    public Rfm.Run computeRfm(UUID tenantId, int windowDays) {
        Rfm.Run run = rfm.compute(tenantId, windowDays);
        for (Segment s : list(tenantId)) {
            if (SegmentEvaluator.References.of(condition(s.definition())).rfm()) {
                rebuild(tenantId, s.id());
            }
        }
        return run;
    }

    /** After a KPI module wrote the scores of this name: the segments that read them are rebuilt. @return how many */
    public int scoresWritten(UUID tenantId, String name) {
        int n = 0;
        for (Segment s : list(tenantId)) {
            if (readsScore(condition(s.definition()), name)) {
                rebuild(tenantId, s.id());
                n++;
            }
        }
        return n;
    }

    static boolean readsScore(Condition c, String name) {
        if (c instanceof Condition.All a) {
            return a.conditions().stream().anyMatch(x -> readsScore(x, name));
        }
        if (c instanceof Condition.Any a) {
            return a.conditions().stream().anyMatch(x -> readsScore(x, name));
        }
        if (c instanceof Condition.Not n) {
            return readsScore(n.condition(), name);
        }
        return c instanceof Condition.Score s && s.name().equals(name);
    }

    /** Before a segment that reads RFM scores is first built: scores for the shop, if it never had them. */
    private void ensureRfm(UUID tenantId, Condition condition) {
        if (SegmentEvaluator.References.of(condition).rfm() && rfm.last(tenantId).isEmpty()) {
            rfm.compute(tenantId, Rfm.DEFAULT_WINDOW_DAYS);
        }
    }

    /**
     * Creates a segment and computes its members.
     *
     * @param definition {@code {"condition": {...}}}, read by {@link Conditions#parse}
     * @throws InvalidInputException naming what is wrong with the name or the condition
     * @throws ConflictException if the tenant has a segment of that name
     */
    public Segment create(UUID tenantId, String name, String description, JsonObject definition) {
        Condition condition = check(name, description, definition);
        UUID id = Ids.timeOrdered();
        db.tx(c -> {
            if (count(c, tenantId) >= MAX_SEGMENTS) {
                throw new ConflictException("/name", "a shop has at most " + MAX_SEGMENTS + " segments");
            }
            requireFreeName(c, tenantId, name, null);
            OffsetDateTime now = OffsetDateTime.now(clock);
            Db.update(c, "INSERT INTO segment (id, tenant_id, name, description, definition, time_dependent, version, created_at, updated_at) "
                    + "VALUES (?,?,?,?,?,?,?,?,?)", id, tenantId, name, description, Json.write(definition), condition.timeDependent(), 1, now, now);
            List<Object[]> stripes = new ArrayList<>();
            for (int stripe = 0; stripe < STRIPES; stripe++) {
                stripes.add(new Object[] {id, stripe});
            }
            Db.batch(c, "INSERT INTO segment_count (segment_id, stripe, members) VALUES (?, ?, 0)", stripes);
            return null;
        });
        ensureRfm(tenantId, condition);
        rebuild(tenantId, id);
        return find(tenantId, id).orElseThrow();
    }

    /** Changes a segment's name, description and condition (a new version) and recomputes its members. */
    public Segment update(UUID tenantId, UUID id, String name, String description, JsonObject definition) {
        Condition condition = check(name, description, definition);
        db.tx(c -> {
            Segment s = lock(c, tenantId, id);
            requireFreeName(c, tenantId, name, id);
            boolean changed = !s.definition().equals(definition);
            Db.update(c, "UPDATE segment SET name = ?, description = ?, definition = ?, time_dependent = ?, version = ?, updated_at = ? WHERE id = ?",
                    name, description, Json.write(definition), condition.timeDependent(), changed ? s.version() + 1 : s.version(),
                    OffsetDateTime.now(clock), id);
            return null;
        });
        compiled.remove(id);
        names.remove(id);
        ensureRfm(tenantId, condition);
        rebuild(tenantId, id);
        return find(tenantId, id).orElseThrow();
    }

    /** Deletes a segment; its members exit it (with their events). */
    public void delete(UUID tenantId, UUID id) {
        int removed = db.tx(c -> {
            Segment s = lock(c, tenantId, id);
            List<EventStore.KernelEvent> exits = new ArrayList<>();
            List<UUID> members = Db.list(c, "SELECT customer_id FROM segment_member WHERE segment_id = ? ORDER BY customer_id", List.of(id),
                    rs -> rs.getObject(1, UUID.class));
            for (UUID m : members) {
                exits.add(event(Target.of(s), m, EventTypes.SEGMENT_EXITED));
            }
            for (List<EventStore.KernelEvent> chunk : Db.chunks(exits, WRITE_BATCH)) {
                events.appendKernelEvents(c, chunk);
            }
            int deleted = Db.update(c, "DELETE FROM segment_member WHERE segment_id = ?", id);
            memberRowsWritten.addAndGet(deleted);
            Db.update(c, "DELETE FROM segment_count WHERE segment_id = ?", id);
            Db.update(c, "DELETE FROM segment WHERE id = ?", id);
            return deleted;
        });
        bulkRowsWritten.addAndGet(removed);
        compiled.remove(id);
        names.remove(id);
        events.committed();
    }

    public Optional<Segment> find(UUID tenantId, UUID id) {
        return db.read(c -> Db.list(c, SELECT + " WHERE tenant_id = ? AND id = ?", List.of(tenantId, id), SegmentStore::segment).stream().findFirst());
    }

    /** The tenant's segments by name. */
    public List<Segment> list(UUID tenantId) {
        return db.read(c -> Db.list(c, SELECT + " WHERE tenant_id = ? ORDER BY name", List.of(tenantId), SegmentStore::segment));
    }

    /** A page of members in id order, after {@code after} (null for the first page). */
    public List<UUID> members(UUID tenantId, UUID id, UUID after, int limit) {
        return db.read(c -> {
            requireSegment(c, tenantId, id);
            return Db.list(c, "SELECT customer_id FROM segment_member WHERE segment_id = ? AND tenant_id = ?"
                    + (after == null ? "" : " AND customer_id > ?") + " ORDER BY customer_id LIMIT ?",
                    after == null ? List.of(id, tenantId, limit) : List.of(id, tenantId, after, limit), rs -> rs.getObject(1, UUID.class));
        });
    }

    /** How many profiles {@code definition} selects now, and up to {@code sample} of them, without saving anything. */
    public Preview preview(UUID tenantId, JsonObject definition, int sample) {
        Condition condition = condition(definition);
        ensureRfm(tenantId, condition);
        SegmentSql.Query q = SegmentSql.members(condition, db.dialect(), tenantId, OffsetDateTime.now(clock));
        return db.read(c -> {
            long count = Db.list(c, "SELECT COUNT(*) FROM (" + q.sql() + ") m", q.args(), rs -> rs.getLong(1)).get(0);
            List<Object> args = new ArrayList<>(q.args());
            args.add(sample);
            List<UUID> ids = Db.list(c, q.sql() + " ORDER BY c.id LIMIT ?", args, rs -> rs.getObject(1, UUID.class));
            return new Preview(count, ids);
        });
    }

    /**
     * Recomputes a segment's members now: those the condition selects and the segment lacks enter it, those it holds
     * and the condition no longer selects exit it, each with its event. One transaction; the segment's row is locked
     * so that two rebuilds of one segment follow each other.
     */
    public Rebuild rebuild(UUID tenantId, UUID id) {
        Rebuild r = db.tx(c -> {
            Segment s = lock(c, tenantId, id);
            Condition condition = condition(s.definition());
            OffsetDateTime now = OffsetDateTime.now(clock);
            SegmentSql.Query q = SegmentSql.members(condition, db.dialect(), tenantId, now);
            if (s.rebuiltAt() == null && Db.list(c, "SELECT 1 FROM segment_member WHERE segment_id = ? FETCH FIRST 1 ROWS ONLY", List.of(id),
                    rs -> 1).isEmpty()) {
                return firstBuild(c, s, q, now);
            }
            // a segment's first members are where it starts, not moves: no event for each (journeys start from segments that exist)
            Diff diff = new Diff(c, Target.of(s), now, s.rebuiltAt() == null);
            try (PreparedStatement want = c.prepareStatement(q.sql() + " ORDER BY c.id");
                 PreparedStatement have = c.prepareStatement("SELECT customer_id FROM segment_member WHERE segment_id = ? ORDER BY customer_id")) {
                for (int i = 0; i < q.args().size(); i++) {
                    want.setObject(i + 1, q.args().get(i));
                }
                want.setFetchSize(FETCH);
                have.setObject(1, id);
                have.setFetchSize(FETCH);
                try (ResultSet w = want.executeQuery(); ResultSet h = have.executeQuery()) {
                    // both in id order: a merge of the two lists; the database's UUID order is the one compared here
                    Ascending wanted = new Ascending();
                    Ascending held = new Ascending();
                    UUID a = wanted.check(next(w));
                    UUID b = held.check(next(h));
                    while (a != null || b != null) {
                        int cmp = a == null ? 1 : b == null ? -1 : ORDER.compare(a, b);
                        if (cmp < 0) {
                            diff.enter(a);
                            a = wanted.check(next(w));
                        } else if (cmp > 0) {
                            diff.exit(b);
                            b = held.check(next(h));
                        } else {
                            diff.stay();
                            a = wanted.check(next(w));
                            b = held.check(next(h));
                        }
                    }
                }
            }
            diff.flush();
            rebuilt(c, id, diff.members, now);
            return new Rebuild(diff.members, diff.entered, diff.exited);
        });
        bulkRowsWritten.addAndGet(r.entered() + r.exited());
        events.committed();
        return r;
    }

    /**
     * A new segment's first members, with nothing to compare them with: selected and inserted by the database in one
     * statement, none of them read into the server. Where they start is not a move: no event for each (journeys start
     * from segments that exist). Used only while the segment has no member row (the evaluator may add some between its
     * creation and this build; the merge then takes them into account).
     */
    private Rebuild firstBuild(Connection c, Segment s, SegmentSql.Query q, OffsetDateTime now) throws SQLException {
        List<Object> args = new ArrayList<>(List.of(s.id(), s.tenantId(), now));
        args.addAll(q.args());
        long members = Db.update(c, "INSERT INTO segment_member (segment_id, customer_id, tenant_id, since) SELECT ?, m.id, ?, ? FROM (" + q.sql()
                + ") m", args.toArray());
        memberRowsWritten.addAndGet(members);
        rebuilt(c, s.id(), members, now);
        return new Rebuild(members, members, 0);
    }

    /**
     * A segment's member count is its row's {@code member_count}, which a rebuild sets, plus its stripes in
     * {@code segment_count}, to which incremental evaluations add: lane {@code i} to stripe {@code i}. The segment's
     * row, which every evaluation reads, is then not rewritten at every batch, and a server's lanes do not queue at
     * one row to count (lanes of other servers, and evaluations outside lanes, which use stripe 0, may: the row lock
     * of the addition keeps it right). Made with the segment; on PostgreSQL an addition also makes a missing stripe.
     */
    static final int STRIPES = SegmentEvaluator.MAX_LANES;

    /** The count as a rebuild found it, under the segment's lock: the stripes start again from 0. */
    private static void rebuilt(Connection c, UUID id, long members, OffsetDateTime now) throws SQLException {
        Db.update(c, "UPDATE segment SET member_count = ?, rebuilt_at = ? WHERE id = ?", members, now, id);
        Db.update(c, "UPDATE segment_count SET members = 0 WHERE segment_id = ?", id);
    }

    /** Customers re-evaluated per transaction. */
    static final int IN_CHUNK = 500;

    /** A segment's condition as parsed, for one version of its definition, and what it reads. */
    record Compiled(UUID id, UUID tenantId, int version, Condition condition, SegmentEvaluator.References references) {
    }

    /** Parsed conditions by segment id; an entry serves only the version it was parsed from. */
    private final Map<UUID, Compiled> compiled = new ConcurrentHashMap<>();

    /** @return how many membership rows were inserted or deleted since start */
    long memberRowsWritten() {
        return memberRowsWritten.get();
    }

    /** @return how many of those builds, rebuilds and deletions of segments committed */
    long bulkRowsWritten() {
        return bulkRowsWritten.get();
    }

    /**
     * The customers of a time-dependent condition whose truth may have changed with time alone between {@code from} and
     * {@code to}: those whose event, or time field, crossed the edge of a window ("within D days") meanwhile. Events
     * and fields that move into a window arrive as changes of their own; these are the ones that leave it.
     */
    Set<UUID> crossing(UUID tenantId, Condition condition, OffsetDateTime from, OffsetDateTime to) {
        Set<UUID> out = new java.util.LinkedHashSet<>();
        db.read(c -> {
            crossing(c, tenantId, condition, from, to, out);
            return null;
        });
        return out;
    }

    private static void crossing(Connection c, UUID tenantId, Condition condition, OffsetDateTime from, OffsetDateTime to, Set<UUID> out)
            throws SQLException {
        if (condition instanceof Condition.All a) {
            for (Condition x : a.conditions()) {
                crossing(c, tenantId, x, from, to, out);
            }
        } else if (condition instanceof Condition.Any a) {
            for (Condition x : a.conditions()) {
                crossing(c, tenantId, x, from, to, out);
            }
        } else if (condition instanceof Condition.Not n) {
            crossing(c, tenantId, n.condition(), from, to, out);
        } else if (condition instanceof Condition.EventCount e && e.withinDays() != null) {
            events(c, tenantId, e.type(), e.withinDays(), from, to, out);
        } else if (condition instanceof Condition.EventAggregate e && e.withinDays() != null) {
            events(c, tenantId, e.type(), e.withinDays(), from, to, out);
        } else if (condition instanceof Condition.Profile p && p.op().relative()) {
            String col = p.field().column;
            OffsetDateTime since = from.minusDays(p.value().days());
            OffsetDateTime until = to.minusDays(p.value().days());
            List<Object> args = new ArrayList<>(List.of(tenantId));
            String days = "";
            if (p.field() == Condition.ProfileField.LAST_SEEN_AT) {
                // through the days' index (V16): last_seen_at has none, and scanning every customer each minute held up every evaluation meanwhile
                days = LAST_SEEN_DAY + " >= ? AND " + LAST_SEEN_DAY + " <= ? AND ";
                args.addAll(List.of(utcDay(since), utcDay(until)));
            }
            args.addAll(List.of(since, until));
            out.addAll(Db.list(c, "SELECT id FROM customer WHERE tenant_id = ? AND " + days + col + " >= ? AND " + col + " < ?", args,
                    rs -> rs.getObject(1, UUID.class)));
        } else if (condition instanceof Condition.Attribute a && a.op().relative()) {
            // dates are stored as ISO text, which sorts as the dates do
            out.addAll(Db.list(c, "SELECT customer_id FROM customer_attribute WHERE tenant_id = ? AND name = ? AND type = 'DATE' AND attr_value >= ? "
                    + "AND attr_value <= ?", List.of(tenantId, a.name(), from.minusDays(a.value().days()).toLocalDate().minusDays(1).toString(),
                    to.minusDays(a.value().days()).toLocalDate().plusDays(1).toString()), rs -> rs.getObject(1, UUID.class)));
        }
    }

    /** The UTC day of {@code last_seen_at}, generated by the database and indexed with the tenant (V16). */
    static final String LAST_SEEN_DAY = "last_seen_day";

    private static java.time.LocalDate utcDay(OffsetDateTime t) {
        return t.withOffsetSameInstant(java.time.ZoneOffset.UTC).toLocalDate();
    }

    private static void events(Connection c, UUID tenantId, String type, int days, OffsetDateTime from, OffsetDateTime to, Set<UUID> out)
            throws SQLException {
        out.addAll(Db.list(c, "SELECT DISTINCT customer_id FROM event WHERE tenant_id = ? AND type = ? AND occurred_at >= ? AND occurred_at < ? "
                + "AND customer_id IS NOT NULL", List.of(tenantId, type, from.minusDays(days), to.minusDays(days)), rs -> rs.getObject(1, UUID.class)));
    }

    /**
     * The tenant's segments with their parsed conditions. One light query reads their ids and versions; a
     * definition is read and parsed again only when its version is not the one cached (a new or edited segment,
     * here or on another server). Deleted segments leave the cache.
     */
    List<Compiled> active(UUID tenantId) {
        List<Compiled> read = db.read(c -> {
            List<Object[]> rows = Db.list(c, "SELECT id, version FROM segment WHERE tenant_id = ?", List.of(tenantId),
                    rs -> new Object[] {rs.getObject(1, UUID.class), rs.getInt(2)});
            List<Compiled> out = new ArrayList<>(rows.size());
            Set<UUID> ids = new HashSet<>();
            for (Object[] r : rows) {
                Compiled k = compiled(c, tenantId, (UUID) r[0], (Integer) r[1]);
                if (k != null) {
                    out.add(k);
                    ids.add(k.id());
                }
            }
            compiled.values().removeIf(k -> k.tenantId().equals(tenantId) && !ids.contains(k.id()));
            names.keySet().removeIf(id -> !compiled.containsKey(id));
            return List.copyOf(out);
        });
        lastActive.put(tenantId, read);
        return read;
    }

    /** Per tenant, its segments as {@link #active} last read them here. */
    private final Map<UUID, List<Compiled>> lastActive = new ConcurrentHashMap<>();

    /**
     * @return the tenant's segments as {@link #active} last read them on this server, without reading them again, or
     *         null if it has not yet; {@link #evaluateMany(UUID, Map, Timings, boolean, int, List)} tells when they changed since
     */
    List<Compiled> known(UUID tenantId) {
        return lastActive.get(tenantId);
    }

    /**
     * The tenant's segments were not, under the evaluation's locks, those it was given: one was made, edited or
     * deleted since (here or on another server). Nothing was written; evaluate again with {@link #active}.
     */
    static final class Stale extends RuntimeException {
        Stale() {
            super("The tenant's segments changed since they were read", null, false, false);
        }
    }

    /**
     * @return the segment's parsed condition at {@code version} from the cache, or else as stored now (which may be a
     *         later version); null if the segment is gone
     */
    private Compiled compiled(Connection c, UUID tenantId, UUID id, int version) throws SQLException {
        Compiled k = compiled.get(id);
        if (k != null && k.version() == version) {
            return k;
        }
        List<Object[]> row = Db.list(c, "SELECT version, definition FROM segment WHERE tenant_id = ? AND id = ?", List.of(tenantId, id),
                rs -> new Object[] {rs.getInt(1), rs.getString(2)});
        if (row.isEmpty()) {
            return null;
        }
        Condition condition = condition(Json.readObject((String) row.get(0)[1]));
        Compiled fresh = new Compiled(id, tenantId, (Integer) row.get(0)[0], condition, SegmentEvaluator.References.of(condition));
        compiled.merge(id, fresh, (old, now) -> now.version() >= old.version() ? now : old);
        return fresh;
    }

    /**
     * Re-evaluates several segments, each for some customers, in one transaction per chunk of customers. The
     * segments are locked exclusive, as a rebuild locks one (on PostgreSQL their advisory locks in key order, on H2
     * their rows in id order), and each is evaluated with the version of its condition found under the lock. Customers
     * whose changes concern the same segments are evaluated together by one query that computes all those conditions
     * for each of them ({@link SegmentSql#matches}); one more query reads their memberships. The entries and exits of all segments are written together with their events. A segment
     * deleted meanwhile is skipped.
     *
     * @return entries and exits per segment evaluated
     */
    public Map<UUID, Moves> evaluateMany(UUID tenantId, Map<UUID, List<UUID>> customersBySegment) {
        return evaluateMany(tenantId, customersBySegment, new Timings(), false, 0, null);
    }

    /**
     * Where incremental evaluations spent their time, in nanoseconds, for the evaluator's slow-batch log. The conditions
     * and the memberships are read together ({@code match}); on PostgreSQL, once the conditions are parsed, the lock
     * goes with them and counts there too.
     */
    static final class Timings {
        long connect;
        long lock;
        long match;
        long write;
        long commit;
        int customers;
        int segments;
        int queries;
        int moves;

        @Override
        public String toString() {
            return String.format("%d customers, %d segments, %d condition queries, %d moves; connection %.1f ms, lock %.1f, conditions and memberships "
                    + "%.1f, write %.1f, commit %.1f", customers, segments, queries, moves, connect / 1e6, lock / 1e6, match / 1e6, write / 1e6, commit / 1e6);
        }
    }

    /**
     * @param shared on PostgreSQL, take the segments' advisory locks ({@link #ADVISORY_CLASS}) shared instead of
     *               exclusive: several evaluations may then run at once, each for customers none of the others has (the
     *               caller's promise), while a rebuild, an edit, a deletion or an exclusive evaluation still excludes
     *               them all. (H2 locks the segments' rows {@code FOR UPDATE} either way.)
     * @param stripe the member counts' stripe this evaluation adds to, below {@link #STRIPES}: a lane's own, else 0
     * @param seen   the tenant's segments from which {@code customersBySegment} was worked out, or null: if given, the
     *               tenant's segments are read again under the locks, in the same round trip, and if one was made,
     *               edited or deleted since, the transaction is rolled back and {@link Stale} thrown. The caller then
     *               need not read them before every evaluation (one round trip less a batch) to be sure that no segment
     *               a change can affect, made meanwhile on another server, is left out
     * @throws Stale if {@code seen} is not what the tenant's segments are
     */
    Map<UUID, Moves> evaluateMany(UUID tenantId, Map<UUID, List<UUID>> customersBySegment, Timings timings, boolean shared, int stripe,
                                  List<Compiled> seen) {
        Map<UUID, Integer> seenVersions = seen == null ? null : seen.stream().collect(java.util.stream.Collectors.toMap(Compiled::id, Compiled::version));
        boolean postgres = db.dialect() == Db.Dialect.POSTGRESQL;
        Map<UUID, Moves> out = new LinkedHashMap<>();
        if (customersBySegment.isEmpty()) {
            return out;
        }
        // per customer, the segments its changes concern
        Map<UUID, Set<UUID>> segmentsByCustomer = new LinkedHashMap<>();
        customersBySegment.forEach((segment, customers) -> customers.forEach(u -> segmentsByCustomer.computeIfAbsent(u, x -> new TreeSet<>(ORDER))
                .add(segment)));
        for (List<UUID> chunk : Db.chunks(List.copyOf(segmentsByCustomer.keySet()), IN_CHUNK)) {
            Set<UUID> wanted = new TreeSet<>(ORDER);
            chunk.forEach(u -> wanted.addAll(segmentsByCustomer.get(u)));
            long[] mark = {System.nanoTime()};
            boolean moved = db.tx(c -> {
                mark[0] = lap(mark[0], x -> timings.connect += x);
                timings.customers += chunk.size();
                OffsetDateTime now = OffsetDateTime.now(clock);
                Db.OneOf segmentIds = db.oneOf("id", wanted);
                List<Object> readArgs = new ArrayList<>();
                readArgs.add(tenantId);
                readArgs.addAll(segmentIds.args());
                List<Object[]> rows = new ArrayList<>();
                // the tenant's segments and their versions, if the caller's are to be checked
                Map<UUID, Integer> versions = new HashMap<>();
                List<Db.Step> first = new ArrayList<>();
                if (postgres) {
                    // the session, the locks, then what they guard: every column of a fixed size, so that the driver
                    // sends them with what follows (a text column makes it wait for the results so far: a round trip
                    // more); the segments' names come from names(), by the time they last changed. To check the
                    // caller's segments, all the tenant's are read, and those not wanted are dropped below
                    first.add(INCREMENTAL_SESSION);
                    first.add(advisoryLocks(c, wanted, shared));
                    first.add(new Db.Step("SELECT id, version, updated_at FROM segment WHERE tenant_id = ?" + (seen == null ? " AND " + segmentIds.sql() : "")
                            + " ORDER BY id", seen == null ? readArgs : List.of(tenantId), rs -> {
                                UUID id = rs.getObject(1, UUID.class);
                                versions.put(id, rs.getInt(2));
                                if (wanted.contains(id)) {
                                    rows.add(new Object[] {id, null, rs.getInt(2), rs.getObject(3, OffsetDateTime.class)});
                                }
                            }));
                } else {
                    first.add(new Db.Step("SELECT id, name, version FROM segment WHERE tenant_id = ? AND " + segmentIds.sql() + " ORDER BY id FOR UPDATE",
                            readArgs, rs -> rows.add(new Object[] {rs.getObject(1, UUID.class), rs.getString(2), rs.getInt(3)})));
                    if (seen != null) {
                        first.add(new Db.Step("SELECT id, version FROM segment WHERE tenant_id = ?", List.of(tenantId),
                                rs -> versions.put(rs.getObject(1, UUID.class), rs.getInt(2))));
                    }
                }
                // the customers' memberships, an index-only scan of segment_member_by_customer (customer_id, segment_id);
                // a customer is one tenant's, and only pairs of the segments locked are compared below
                Db.OneOf customerIds = db.oneOf("customer_id", chunk);
                Set<Pair> held = new HashSet<>();
                Db.Step memberships = new Db.Step("SELECT segment_id, customer_id FROM segment_member WHERE " + customerIds.sql(), customerIds.args(),
                        rs -> held.add(new Pair(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class))));
                Set<Pair> match = new HashSet<>();
                // on PostgreSQL, the conditions of the versions parsed already go with the locks, the read and the
                // memberships: one round trip, right unless an edit or a deletion came in between
                Map<UUID, Compiled> guess = postgres ? parsed(wanted) : null;
                Map<List<UUID>, List<UUID>> groups = null;
                if (guess != null) {
                    Map<UUID, Condition> guessed = new HashMap<>();
                    guess.forEach((id, k) -> guessed.put(id, k.condition()));
                    groups = groups(chunk, segmentsByCustomer, guessed.keySet());
                    List<Db.Step> steps = new ArrayList<>(first);
                    steps.addAll(conditions(groups, guessed, tenantId, now, match, timings));
                    steps.add(memberships);
                    Db.pipeline(c, db.dialect(), steps);
                    mark[0] = lap(mark[0], x -> timings.match += x);
                } else {
                    Db.pipeline(c, db.dialect(), first);
                    mark[0] = lap(mark[0], x -> timings.lock += x);
                }
                if (seenVersions != null && !versions.equals(seenVersions)) {
                    throw new Stale();
                }
                if (postgres) {
                    names(c, rows);
                }
                Map<UUID, Target> locked = new HashMap<>();
                Map<UUID, Condition> conditions = new HashMap<>();
                boolean guessedRight = guess != null && rows.size() == guess.size();
                for (Object[] r : rows) {
                    Target t = new Target((UUID) r[0], tenantId, (String) r[1], (Integer) r[2]);
                    Compiled k = compiled(c, tenantId, t.id(), t.version());
                    if (k != null && k.version() == t.version()) {
                        locked.put(t.id(), t);
                        conditions.put(t.id(), k.condition());
                    }
                    guessedRight = guessedRight && k != null && guess.containsKey(t.id()) && guess.get(t.id()).version() == t.version();
                }
                timings.segments += rows.size();
                if (locked.isEmpty()) {
                    return false;
                }
                if (!guessedRight) {
                    // what is locked, at the versions locked; customers concerned by the same segments: one query each
                    // group (an event type's customers, in practice); memberships read after the lock are good as read
                    match.clear();
                    groups = groups(chunk, segmentsByCustomer, locked.keySet());
                    List<Db.Step> steps = new ArrayList<>(conditions(groups, conditions, tenantId, now, match, timings));
                    if (guess == null) {
                        steps.add(memberships);
                    }
                    Db.pipeline(c, db.dialect(), steps);
                    mark[0] = lap(mark[0], x -> timings.match += x);
                }
                Map<UUID, Diff> diffs = new LinkedHashMap<>();
                for (Object[] r : rows) {
                    Target t = locked.get((UUID) r[0]);
                    if (t != null) {
                        diffs.put(t.id(), new Diff(c, t, now, false));
                    }
                }
                for (Map.Entry<List<UUID>, List<UUID>> g : groups.entrySet()) {
                    for (UUID segment : g.getKey()) {
                        Diff diff = diffs.get(segment);
                        for (UUID u : g.getValue()) {
                            Pair p = new Pair(segment, u);
                            boolean in = match.contains(p);
                            if (in && !held.contains(p)) {
                                diff.enter(u);
                            } else if (!in && held.contains(p)) {
                                diff.exit(u);
                            }
                        }
                    }
                }
                List<Db.Step> writes = new ArrayList<>();
                List<UUID> counted = new ArrayList<>();
                List<Long> added = new ArrayList<>();
                Diff all = null;
                for (Object[] r : rows) {
                    Diff diff = diffs.get((UUID) r[0]);
                    if (diff == null) {
                        continue;
                    }
                    if (all == null) {
                        all = diff;
                    } else {
                        all.absorb(diff);
                    }
                    if (diff.entered + diff.exited > 0) {
                        if (postgres) {
                            counted.add(diff.s.id());
                            added.add(diff.entered - diff.exited);
                        } else {
                            writes.add(new Db.Step("UPDATE segment_count SET members = members + ? WHERE segment_id = ? AND stripe = ?",
                                    List.of(diff.entered - diff.exited, diff.s.id(), stripe), null));
                        }
                        timings.moves += (int) (diff.entered + diff.exited);
                    }
                    Moves before = out.get(diff.s.id());
                    out.put(diff.s.id(), new Moves(diff.entered + (before == null ? 0 : before.entered()), diff.exited + (before == null ? 0 : before.exited())));
                }
                if (!counted.isEmpty()) {
                    // one statement whatever the number of segments (in id order, as the rows were read): its text never
                    // changes, so the server parses and plans it once per connection
                    writes.add(new Db.Step(COUNT_STRIPES, List.of(stripe, counted.toArray(UUID[]::new), added.toArray(Long[]::new)), null));
                }
                // the memberships and their events before the counts, in one round trip on PostgreSQL
                int rowsWritten = all.in.size() + all.out.size();
                List<Db.Step> steps = new ArrayList<>(all.steps());
                steps.addAll(writes);
                if (postgres && !steps.isEmpty()) {
                    steps.add(Db.COMMIT); // nothing follows in this transaction: its commit goes with the writes
                }
                Db.pipeline(c, db.dialect(), steps);
                if (postgres) {
                    memberRowsWritten.addAndGet(rowsWritten);
                }
                mark[0] = lap(mark[0], x -> timings.write += x);
                return !writes.isEmpty();
            });
            lap(mark[0], x -> timings.commit += x);
            if (moved) {
                events.committed();
            }
        }
        return out;
    }

    /** @return the parsed conditions of {@code ids}, whatever their versions, or null if one is not parsed yet */
    private Map<UUID, Compiled> parsed(Set<UUID> ids) {
        Map<UUID, Compiled> out = new HashMap<>();
        for (UUID id : ids) {
            Compiled k = compiled.get(id);
            if (k == null) {
                return null;
            }
            out.put(id, k);
        }
        return out;
    }

    /** @return the customers of {@code chunk} grouped by the segments of {@code usable} that their changes concern */
    private static Map<List<UUID>, List<UUID>> groups(List<UUID> chunk, Map<UUID, Set<UUID>> segmentsByCustomer, Set<UUID> usable) {
        Map<List<UUID>, List<UUID>> groups = new LinkedHashMap<>();
        for (UUID u : chunk) {
            List<UUID> mine = segmentsByCustomer.get(u).stream().filter(usable::contains).toList();
            if (!mine.isEmpty()) {
                groups.computeIfAbsent(mine, x -> new ArrayList<>()).add(u);
            }
        }
        return groups;
    }

    /** @return per group, the query of its segments' conditions for its customers, adding the pairs that match to {@code match} */
    private List<Db.Step> conditions(Map<List<UUID>, List<UUID>> groups, Map<UUID, Condition> conditions, UUID tenantId, OffsetDateTime now,
                                     Set<Pair> match, Timings timings) {
        List<Db.Step> steps = new ArrayList<>(groups.size());
        for (Map.Entry<List<UUID>, List<UUID>> g : groups.entrySet()) {
            List<UUID> ids = g.getKey();
            // segments with the same condition (records compare by value) share its column
            Map<Condition, Integer> columns = new LinkedHashMap<>();
            int[] column = new int[ids.size()];
            for (int i = 0; i < ids.size(); i++) {
                column[i] = columns.computeIfAbsent(conditions.get(ids.get(i)), x -> columns.size());
            }
            timings.queries++;
            SegmentSql.Query q = SegmentSql.matches(List.copyOf(columns.keySet()), db.dialect(), tenantId, now, g.getValue());
            steps.add(new Db.Step(q.sql(), q.args(), rs -> {
                UUID u = rs.getObject(1, UUID.class);
                for (int i = 0; i < ids.size(); i++) {
                    if (rs.getInt(column[i] + 2) == 1) {
                        match.add(new Pair(ids.get(i), u));
                    }
                }
            }));
        }
        return steps;
    }

    /** A segment's name as of the last change of its row. */
    private record Named(int version, OffsetDateTime updatedAt, String name) {
    }

    /**
     * Segment names by id, each good while the row's version and {@code updated_at} are the ones it was read with (an
     * edit changes both, a rename the second); a rename or deletion here drops its entry at once.
     */
    private final Map<UUID, Named> names = new ConcurrentHashMap<>();

    /**
     * Fills in the names of {@code rows} ({id, null, version, updated_at}) from {@link #names}, reading those it lacks
     * or that changed since.
     */
    private void names(Connection c, List<Object[]> rows) throws SQLException {
        List<UUID> missing = new ArrayList<>();
        for (Object[] r : rows) {
            Named n = names.get((UUID) r[0]);
            if (n != null && n.version() == (Integer) r[2] && n.updatedAt().isEqual((OffsetDateTime) r[3])) {
                r[1] = n.name();
            } else {
                missing.add((UUID) r[0]);
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        Db.OneOf ids = db.oneOf("id", missing);
        Map<UUID, Named> read = new HashMap<>();
        Db.pipeline(c, db.dialect(), List.of(new Db.Step("SELECT id, name, version, updated_at FROM segment WHERE " + ids.sql(), ids.args(),
                rs -> read.put(rs.getObject(1, UUID.class), new Named(rs.getInt(3), rs.getObject(4, OffsetDateTime.class), rs.getString(2))))));
        for (Object[] r : rows) {
            Named n = read.get((UUID) r[0]);
            if (n != null) {
                r[1] = n.name();
                names.put((UUID) r[0], n);
            }
        }
    }

    /** Adds the time since {@code from} to a phase; @return now */
    private static long lap(long from, java.util.function.LongConsumer phase) {
        long now = System.nanoTime();
        phase.accept(now - from);
        return now;
    }

    /**
     * Sets up an incremental evaluation's transaction on PostgreSQL, as its first statement, in the round trip of the
     * rest: {@code set_config(…, true)} is {@code SET LOCAL}, in force to the end of the transaction. It returns one
     * number, so that the driver does not wait for it.
     * <ul>
     * <li>JIT compilation off: the conditions query of a batch has a subquery per condition and customer, so its
     * estimated cost passes {@code jit_above_cost} although it reads a few hundred index entries; compiling it took
     * 360 ms for a query that runs in 20 (measured on 200,000 profiles).</li>
     * <li>Asynchronous commit: the commit returns before its WAL reaches the disk, instead of waiting for an fsync
     * each batch. Memberships are derived from the events, which are committed synchronously before they reach the
     * evaluator. A crash of PostgreSQL itself can lose the last moments of membership changes (at most three times
     * {@code wal_writer_delay}, 600 ms by default), never half of one, which is less than what a crash of the server
     * loses already: the changes queued in memory for evaluation. Both are made good at the customer's next change
     * and by the rebuilds. The next synchronous commit of anything else (an ingest) flushes them too.</li>
     * <li>Generic plans: the driver prepares each statement whose text repeats, but with parameters PostgreSQL plans
     * it again for each set of values while it estimates the generic plan dearer, which it always did for the
     * conditions query: 0.96 ms of planning for 0.36 ms of execution, every batch (measured on 200,000 profiles).
     * Every query of a lane is a lookup by customer or segment id, which a custom plan does no better.</li>
     * </ul>
     */
    private static final Db.Step INCREMENTAL_SESSION = new Db.Step(
            "SELECT length(set_config('jit', 'off', true) || set_config('synchronous_commit', 'off', true) "
                    + "|| set_config('plan_cache_mode', 'force_generic_plan', true))", List.of(), null);

    /**
     * Adds to a lane's count stripes on PostgreSQL: the stripe, then the segments' ids and what to add to each (arrays
     * of one length, no id twice). A missing stripe is made.
     */
    private static final String COUNT_STRIPES = "INSERT INTO segment_count (segment_id, stripe, members) SELECT x.s, ?, x.n FROM unnest(?::uuid[], ?::int8[]) "
            + "AS x(s, n) ON CONFLICT (segment_id, stripe) DO UPDATE SET members = segment_count.members + EXCLUDED.members";

    /** A segment and a customer. */
    private record Pair(UUID segment, UUID customer) {
    }

    /** What a segment's events and rows need of it. */
    private record Target(UUID id, UUID tenantId, String name, int version) {
        static Target of(Segment s) {
            return new Target(s.id(), s.tenantId(), s.name(), s.version());
        }
    }

    /**
     * UUIDs in the order both databases sort them: by their bytes as unsigned numbers, most significant first (not
     * {@link UUID#compareTo}, which compares signed longs). Written out rather than composed with
     * {@code Comparator.comparing}, which boxes both halves at every comparison: the evaluator compares at every change.
     */
    static final Comparator<UUID> ORDER = (a, b) -> {
        int high = Long.compareUnsigned(a.getMostSignificantBits(), b.getMostSignificantBits());
        return high != 0 ? high : Long.compareUnsigned(a.getLeastSignificantBits(), b.getLeastSignificantBits());
    };

    /** Refuses a list that is not in {@link #ORDER}: the merge would write a wrong difference. */
    private static final class Ascending {
        private UUID last;

        UUID check(UUID u) {
            if (u != null && last != null && ORDER.compare(last, u) >= 0) {
                throw new IllegalStateException("the database does not sort UUIDs as SegmentStore.ORDER does (" + last + " before " + u + ")");
            }
            if (u != null) {
                last = u;
            }
            return u;
        }
    }

    /** The difference being written: entries and exits, in batches with their events. */
    private final class Diff {
        final Connection c;
        final Target s;
        final OffsetDateTime now;
        final List<Object[]> in = new ArrayList<>();
        final List<Object[]> out = new ArrayList<>();
        final List<EventStore.KernelEvent> happened = new ArrayList<>();
        long members;
        long entered;
        long exited;

        final boolean silent;

        Diff(Connection c, Target s, OffsetDateTime now, boolean silent) {
            this.c = c;
            this.s = s;
            this.now = now;
            this.silent = silent;
        }

        void enter(UUID customer) throws SQLException {
            in.add(new Object[] {s.id(), customer, s.tenantId(), now});
            if (!silent) {
                happened.add(event(s, customer, EventTypes.SEGMENT_ENTERED));
            }
            members++;
            entered++;
            flushIfFull();
        }

        void exit(UUID customer) throws SQLException {
            out.add(new Object[] {s.id(), customer});
            if (!silent) {
                happened.add(event(s, customer, EventTypes.SEGMENT_EXITED));
            }
            exited++;
            flushIfFull();
        }

        void stay() {
            members++;
        }

        /** Takes over another segment's pending writes, so that one flush writes both. */
        void absorb(Diff other) {
            in.addAll(other.in);
            out.addAll(other.out);
            happened.addAll(other.happened);
            other.in.clear();
            other.out.clear();
            other.happened.clear();
        }

        void flushIfFull() throws SQLException {
            if (in.size() + out.size() >= WRITE_BATCH) {
                flush();
            }
        }

        /**
         * On PostgreSQL, the pending writes as statements for one round trip with the caller's ({@link Db#pipeline}),
         * which counts their rows once they ran; elsewhere, written now ({@link #flush}) and none returned.
         */
        List<Db.Step> steps() throws SQLException {
            if (db.dialect() != Db.Dialect.POSTGRESQL) {
                flush();
                return List.of();
            }
            List<Db.Step> steps = new ArrayList<>(3);
            if (!in.isEmpty()) {
                steps.add(new Db.Step("INSERT INTO segment_member (segment_id, customer_id, tenant_id, since) SELECT x.s, x.u, ?::uuid, ?::timestamptz "
                        + "FROM unnest(?::uuid[], ?::uuid[]) AS x(s, u)", List.of(s.tenantId(), now, column(in, 0), column(in, 1)), null));
            }
            if (!out.isEmpty()) {
                steps.add(new Db.Step("DELETE FROM segment_member WHERE (segment_id, customer_id) IN (SELECT x.s, x.u FROM unnest(?::uuid[], ?::uuid[]) "
                        + "AS x(s, u))", List.of(column(out, 0), column(out, 1)), null));
            }
            if (!happened.isEmpty()) {
                steps.add(events.kernelEventsStep(c, happened));
            }
            in.clear();
            out.clear();
            happened.clear();
            return steps;
        }

        private java.sql.Array column(List<Object[]> rows, int at) throws SQLException {
            UUID[] values = new UUID[rows.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = (UUID) rows.get(i)[at];
            }
            return c.createArrayOf("uuid", values);
        }

        void flush() throws SQLException {
            Db.batch(c, "INSERT INTO segment_member (segment_id, customer_id, tenant_id, since) VALUES (?,?,?,?)", in);
            Db.batch(c, "DELETE FROM segment_member WHERE segment_id = ? AND customer_id = ?", out);
            memberRowsWritten.addAndGet(in.size() + out.size());
            events.appendKernelEvents(c, happened);
            in.clear();
            out.clear();
            happened.clear();
        }
    }

    private static UUID next(ResultSet rs) throws SQLException {
        return rs.next() ? rs.getObject(1, UUID.class) : null;
    }

    private static EventStore.KernelEvent event(Target s, UUID customer, String type) {
        Map<String, Object> props = new LinkedHashMap<>();
        props.put(EventTypes.PROPERTY_SEGMENT_ID, s.id().toString());
        props.put(EventTypes.PROPERTY_SEGMENT_NAME, s.name());
        props.put("version", s.version());
        return new EventStore.KernelEvent(s.tenantId(), customer, type, "segment", props);
    }

    private static final String SELECT = "SELECT id, tenant_id, name, description, definition, time_dependent, version, "
            + "member_count + (SELECT COALESCE(SUM(n.members), 0) FROM segment_count n WHERE n.segment_id = segment.id), rebuilt_at, "
            + "created_at, updated_at FROM segment";

    private static Segment segment(ResultSet rs) throws SQLException {
        return new Segment(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3), rs.getString(4), Json.readObject(rs.getString(5)),
                rs.getBoolean(6), rs.getInt(7), rs.getLong(8), rs.getObject(9, OffsetDateTime.class), rs.getObject(10, OffsetDateTime.class),
                rs.getObject(11, OffsetDateTime.class));
    }

    /**
     * The first key of the segments' transaction-level advisory locks on PostgreSQL; the second is {@link #advisoryKey}.
     * Incremental evaluations in lanes take them shared; a rebuild, an edit, a deletion and an evaluation outside lanes
     * take them exclusive, before any row lock. They stand in for row locks on {@code segment}: under 1,000 events/s,
     * two lanes' {@code FOR KEY SHARE} on the same few rows (and the foreign-key checks of every membership inserted,
     * which lock the same way) made PostgreSQL create and read a multixact at every lock: 0.96 ms a lane for ~30 rows
     * that take 0.2 ms alone (ADR 10).
     */
    static final int ADVISORY_CLASS = 0x5E6;

    /** A segment's second advisory-lock key: {@link UUID#hashCode}, the same in every JVM; two segments may share one. */
    static int advisoryKey(UUID segment) {
        return segment.hashCode();
    }

    /** On PostgreSQL, the statement that takes {@code segments}' advisory locks in key order, as every taker does (no cycle). */
    private static Db.Step advisoryLocks(Connection c, Set<UUID> segments, boolean shared) throws SQLException {
        Integer[] keys = segments.stream().map(SegmentStore::advisoryKey).distinct().sorted().toArray(Integer[]::new);
        // one row: a count has a fixed size, so the driver sends what follows in the same round trip
        return new Db.Step("SELECT count(" + (shared ? "pg_advisory_xact_lock_shared" : "pg_advisory_xact_lock") + "(?, k)) FROM unnest(?::int4[]) AS t(k)",
                List.of(ADVISORY_CLASS, c.createArrayOf("int4", keys)), null);
    }

    private Segment lock(Connection c, UUID tenantId, UUID id) throws SQLException {
        if (db.dialect() == Db.Dialect.POSTGRESQL) {
            Db.pipeline(c, db.dialect(), List.of(advisoryLocks(c, Set.of(id), false)));
        }
        List<Segment> s = Db.list(c, SELECT + " WHERE tenant_id = ? AND id = ? FOR UPDATE", List.of(tenantId, id), SegmentStore::segment);
        if (s.isEmpty()) {
            throw new NotFoundException("no segment " + id);
        }
        return s.get(0);
    }

    private static void requireSegment(Connection c, UUID tenantId, UUID id) throws SQLException {
        if (Db.list(c, "SELECT 1 FROM segment WHERE tenant_id = ? AND id = ?", List.of(tenantId, id), rs -> 1).isEmpty()) {
            throw new NotFoundException("no segment " + id);
        }
    }

    private static long count(Connection c, UUID tenantId) throws SQLException {
        return Db.list(c, "SELECT COUNT(*) FROM segment WHERE tenant_id = ?", List.of(tenantId), rs -> rs.getLong(1)).get(0);
    }

    private static void requireFreeName(Connection c, UUID tenantId, String name, UUID except) throws SQLException {
        List<UUID> same = Db.list(c, "SELECT id FROM segment WHERE tenant_id = ? AND name = ?", List.of(tenantId, name), rs -> rs.getObject(1, UUID.class));
        if (!same.isEmpty() && !same.get(0).equals(except)) {
            throw new ConflictException("/name", "the shop has a segment named '" + name + "' already");
        }
    }

    /** Checks a segment's name, description and definition; @return its condition */
    static Condition check(String name, String description, JsonObject definition) {
        if (name == null || name.isBlank() || name.length() > 200) {
            throw new InvalidInputException("/name", "a segment's name has 1 to 200 characters");
        }
        if (description != null && description.length() > 2000) {
            throw new InvalidInputException("/description", "has at most 2000 characters");
        }
        return condition(definition);
    }

    /** @return the condition of {@code {"condition": {...}}} */
    static Condition condition(JsonObject definition) {
        if (definition == null || !definition.containsKey("condition")) {
            throw new InvalidInputException("/condition", "is required");
        }
        for (String k : definition.keySet()) {
            if (!k.equals("condition")) {
                throw new InvalidInputException("/" + k, "is not a member of a segment's definition");
            }
        }
        return Conditions.parse(definition.get("condition"), "/condition");
    }
}
