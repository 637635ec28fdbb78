package io.rapport.core.segment;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.rapport.api.event.Event;
import io.rapport.api.event.EventTypes;
import io.rapport.core.db.Db;
import io.rapport.core.db.Vacuum;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps segments up to date as customers change, without rebuilding them: it takes each batch of events the relay
 * hands to the bus, whole ({@link #onEvents}), and the profile changes the kernel reports; what queued meanwhile joins
 * it; and it re-evaluates for those customers only the segments the change can affect, computing all of them for each
 * customer in one query ({@link SegmentStore#evaluateMany}). On PostgreSQL changes are split by customer over lanes
 * that evaluate at once, each on its own (see {@code lanes}). Segments whose truth changes with time alone ("no order within 30 days") are
 * re-evaluated every {@code recheck} for the customers whose events or dates left a window since the last check (the
 * moment their membership can change), and rebuilt at start and once a day.
 */
public final class SegmentEvaluator implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SegmentEvaluator.class);
    /** The most changes evaluated together. */
    static final int BATCH = 2_000;

    /** A customer changed: by an event of this type, or (type null) by a change of the profile itself. */
    record Change(UUID tenantId, UUID customerId, String type, long at) {
    }

    private final Db db;
    private final Clock clock;
    private final SegmentStore segments;
    private final Duration recheck;
    /**
     * Per lane, its customers' changes as they were handed over together (a relay batch, a profile update), each list
     * at most {@link #BATCH}.
     */
    private final List<BlockingQueue<List<Change>>> queues = new ArrayList<>();
    private final AtomicLong evaluated = new AtomicLong();
    private final AtomicLong moves = new AtomicLong();
    /** How many of the last changes the latency percentiles cover. */
    static final int LATENCY_RING = 1 << 16;
    private final Latencies latencies = new Latencies(LATENCY_RING);
    /** Changes handed over and not evaluated yet. */
    private final AtomicLong pending = new AtomicLong();
    /** Wakes a lane's thread to stop (no interrupt: H2 closes its file channel when a thread is interrupted inside I/O). */
    private static final List<Change> STOP = new ArrayList<>();
    private volatile boolean running;
    private final List<Thread> threads = new ArrayList<>();
    private volatile Thread maintenance;
    private volatile Thread vacuuming;
    /** {@link SegmentStore#bulkRowsWritten} at the last vacuum it called for. */
    private long bulkVacuumed;
    private final java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
    private long lastRecheck;

    public SegmentEvaluator(Db db, Clock clock, SegmentStore segments, Duration recheck) {
        this.db = db;
        this.clock = clock;
        this.segments = segments;
        this.recheck = recheck;
        this.vacuum = new Vacuum(db, "segment_member", VACUUM_AFTER_ROWS, VACUUM_EVERY, true, VACUUM_COST_DELAY_MILLIS);
        this.lanes = db.dialect() == Db.Dialect.POSTGRESQL
                ? Math.max(1, Math.min(MAX_LANES, Integer.getInteger(LANES_PROPERTY, Runtime.getRuntime().availableProcessors()))) : 1;
        for (int i = 0; i < lanes; i++) {
            queues.add(new LinkedBlockingQueue<>());
        }
    }

    public void start() {
        running = true;
        lastRecheck = clock.millis();
        for (int i = 0; i < lanes; i++) {
            int lane = i;
            Thread t = new Thread(() -> loop(lane), lane == 0 ? "rapport-segments" : "rapport-segments-lane-" + (lane + 1));
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        // time-dependent rechecks on their own thread: a recheck takes a second or more on a large shop, and the changes
        // arriving meanwhile must not wait for it; the vacuum on another, so that the recheck does not wait for it either
        maintenance = daemon(this::maintain, "rapport-segments-recheck");
        if (db.dialect() == Db.Dialect.POSTGRESQL) {
            vacuuming = daemon(this::tidy, "rapport-segments-vacuum");
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private void maintain() {
        repeat(() -> {
            if (!stopped.await(1, TimeUnit.SECONDS) && running && clock.millis() - lastRecheck >= recheck.toMillis()) {
                lastRecheck = clock.millis();
                recheckTimeDependent();
            }
        }, "Rechecking time-dependent segments failed; they are rechecked at the next minute");
    }

    private void tidy() {
        repeat(() -> {
            if (!stopped.await(1, TimeUnit.SECONDS)) {
                long bulk = segments.bulkRowsWritten();
                if (bulk - bulkVacuumed >= VACUUM_AFTER_BULK_ROWS) {
                    bulkVacuumed = bulk;
                    vacuum.runNow(segments.memberRowsWritten());
                } else {
                    vacuum.run(segments.memberRowsWritten());
                }
            }
        }, "Vacuuming segment_member failed; it is tried again later");
    }

    /** One turn of a thread's loop. */
    @FunctionalInterface
    private interface Turn {
        void run() throws InterruptedException;
    }

    /** Runs turns until {@link #close}; a turn that fails is logged with what follows from it, and the next one runs. */
    private void repeat(Turn turn, String onFailure) {
        while (running) {
            try {
                turn.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                LOG.error(onFailure, e);
            }
        }
    }

    /**
     * Takes a batch of events whole (the relay's, from {@link io.rapport.core.event.EventBus#subscribeBatches}): they
     * are evaluated together, where events arriving one at a time would be split over the batches under way.
     */
    public void onEvents(List<Event> events) {
        List<Change> changes = new ArrayList<>(events.size());
        long at = System.nanoTime();
        for (Event event : events) {
            if (event.customerId() != null && !event.type().startsWith("segment.")) {
                changes.add(new Change(event.tenantId(), event.customerId(), event.type(), at));
            }
        }
        hand(changes);
    }

    /** Profiles changed outside events (the API, an import): their segments are re-evaluated soon. */
    public void changed(UUID tenantId, List<UUID> customerIds) {
        long at = System.nanoTime();
        hand(customerIds.stream().map(id -> new Change(tenantId, id, null, at)).toList());
    }

    private void hand(List<Change> changes) {
        for (List<Change> chunk : Db.chunks(changes, BATCH)) {
            pending.addAndGet(chunk.size());
            if (lanes == 1) {
                queues.get(0).add(chunk);
                continue;
            }
            // by customer, so that no two lanes evaluate one customer, and a customer's changes keep their order
            List<List<Change>> parts = new ArrayList<>(lanes);
            for (int i = 0; i < lanes; i++) {
                parts.add(new ArrayList<>());
            }
            chunk.forEach(c -> parts.get(lane(c.customerId())).add(c));
            for (int i = 0; i < lanes; i++) {
                if (!parts.get(i).isEmpty()) {
                    queues.get(i).add(parts.get(i));
                }
            }
        }
    }

    /** How many (segment, customers) evaluations ran, and how many entries and exits they wrote. */
    public long evaluatedCount() {
        return evaluated.get();
    }

    public long movesCount() {
        return moves.get();
    }

    /** Time from a change to the end of its evaluation over the last 65,536 changes, in microseconds: {p50, p99, max}. */
    public long[] latencyMicros() {
        return latencies.percentiles();
    }

    /** The last N latencies, in a ring. */
    static final class Latencies {
        private final long[] ring;
        private long count;

        Latencies(int size) {
            ring = new long[size];
        }

        synchronized void record(long micros) {
            ring[(int) (count++ % ring.length)] = micros;
        }

        synchronized long[] percentiles() {
            int n = (int) Math.min(count, ring.length);
            if (n == 0) {
                return new long[] {0, 0, 0};
            }
            long[] v = java.util.Arrays.copyOf(ring, n);
            java.util.Arrays.sort(v);
            return new long[] {v[n / 2], v[Math.min(n - 1, (int) Math.ceil(n * 0.99) - 1)], v[n - 1]};
        }
    }

    /** @return how many changes wait to be evaluated, or are being evaluated */
    public long backlog() {
        return pending.get();
    }

    /** A lane's thread: it evaluates its changes as they come, whatever the other lanes are doing. */
    private void loop(int lane) {
        BlockingQueue<List<Change>> queue = queues.get(lane);
        List<Change> batch = new ArrayList<>();
        repeat(() -> {
            List<Change> first = queue.poll(1, TimeUnit.SECONDS);
            if (first != null && first != STOP) {
                batch.addAll(first);
                // what queued meanwhile goes with it, whole lists only: batches grow with the load, and a lone change
                // waits for nothing (this thread is the queue's only taker, so what it peeks is what it polls)
                for (List<Change> next = queue.peek(); next != null && next != STOP && batch.size() + next.size() <= BATCH; next = queue.peek()) {
                    batch.addAll(queue.poll());
                }
                try {
                    evaluateLane(batch, lanes > 1, lane);
                } finally {
                    pending.addAndGet(-batch.size());
                    batch.clear();
                }
            }
        }, "Evaluating segments failed; the customers concerned are evaluated again at the next change or rebuild");
    }

    private int lane(UUID customer) {
        return Math.floorMod(customer.hashCode(), lanes);
    }

    /**
     * On PostgreSQL, changes are split by customer over this many lanes, one a core (at most {@link #MAX_LANES}), each a
     * thread with its own queue that evaluates its changes in transactions of its own: an evaluation is mostly round
     * trips and work in the database, which then runs on every core, and a lane's changes wait for that lane only,
     * not for the slowest of a batch. On H2 (whose locks know no shared mode), one.
     */
    private final int lanes;
    static final int MAX_LANES = 4;
    /**
     * Lanes on PostgreSQL (system property, 1 to {@link #MAX_LANES}); by default one a core of this server, which
     * suits a database on the same machine.
     */
    static final String LANES_PROPERTY = "rapport.segments.lanes";

    /**
     * Evaluates a lane's changes; {@code shared}: beside other lanes, as {@link SegmentStore} describes it. The segments
     * a change concerns are worked out from the tenant's segments as last read here: {@link SegmentStore#evaluateMany}
     * checks them under its locks, in its first round trip, and they are read again only when one changed since (or when
     * none concerns the changes, lest a segment made on another server be missed).
     */
    private void evaluateLane(List<Change> changes, boolean shared, int lane) {
        long start = System.nanoTime();
        SegmentStore.Timings timings = new SegmentStore.Timings();
        // per tenant, its customers' changes; a customer's changes of one type count once
        Map<UUID, Set<Change>> byTenant = new LinkedHashMap<>();
        changes.forEach(c -> byTenant.computeIfAbsent(c.tenantId(), t -> new LinkedHashSet<>()).add(new Change(c.tenantId(), c.customerId(), c.type(), 0)));
        for (Map.Entry<UUID, Set<Change>> e : byTenant.entrySet()) {
            UUID tenant = e.getKey();
            List<SegmentStore.Compiled> seen = segments.known(tenant);
            boolean fresh = seen == null;
            for (int attempt = 1; ; attempt++) {
                if (seen == null) {
                    seen = segments.active(tenant);
                }
                Map<UUID, List<UUID>> concerned = concerned(seen, e.getValue());
                if (concerned.isEmpty() && !fresh) {
                    seen = null;
                    fresh = true;
                    continue;
                }
                try {
                    for (SegmentStore.Moves r : segments.evaluateMany(tenant, concerned, timings, shared, lane, seen).values()) {
                        evaluated.incrementAndGet();
                        moves.addAndGet(r.entered() + r.exited());
                    }
                    break;
                } catch (SegmentStore.Stale stale) {
                    if (attempt == STALE_ATTEMPTS) {
                        throw new IllegalStateException("The segments of tenant " + tenant + " changed " + attempt + " times during one evaluation", stale);
                    }
                    seen = null;
                    fresh = true;
                }
            }
        }
        long done = System.nanoTime();
        long oldest = 0;
        for (Change c : changes) {
            latencies.record((done - c.at()) / 1_000);
            oldest = Math.max(oldest, done - c.at());
        }
        if (done - start >= SLOW_BATCH_NANOS) {
            LOG.info("Slow segment evaluation (lane {}): {} changes in {} ms ({} ms since the oldest was heard): {}", lane + 1, changes.size(),
                    (done - start) / 1_000_000, oldest / 1_000_000, timings);
        }
    }

    /** How many times a lane reads the segments again when they keep changing under it, before it gives up. */
    static final int STALE_ATTEMPTS = 5;

    /** @return per segment of {@code segments}, the customers whose changes can affect it */
    private static Map<UUID, List<UUID>> concerned(List<SegmentStore.Compiled> segments, Set<Change> changes) {
        Map<UUID, List<UUID>> bySegment = new LinkedHashMap<>();
        for (SegmentStore.Compiled s : segments) {
            References refs = s.references();
            Set<UUID> mine = new LinkedHashSet<>();
            for (Change c : changes) {
                if (refs.affectedBy(c.type())) {
                    mine.add(c.customerId());
                }
            }
            if (!mine.isEmpty()) {
                bySegment.put(s.id(), List.copyOf(mine));
            }
        }
        return bySegment;
    }

    /** A batch that takes this long is logged with where its time went (system property {@value #SLOW_BATCH_PROPERTY}, ms). */
    static final String SLOW_BATCH_PROPERTY = "rapport.segments.slowBatchMillis";
    private static final long SLOW_BATCH_NANOS = TimeUnit.MILLISECONDS.toNanos(Long.getLong(SLOW_BATCH_PROPERTY, 100));

    /** Membership rows written since the last vacuum that call for the next one. */
    static final long VACUUM_AFTER_ROWS = 100_000;
    /** The least time between two vacuums, but for those after bulk writes. */
    static final Duration VACUUM_EVERY = Duration.ofMinutes(1);
    /** Membership rows committed by builds, rebuilds and deletions of segments that call for a vacuum at once. */
    static final long VACUUM_AFTER_BULK_ROWS = 10_000;
    /**
     * On PostgreSQL, {@code segment_member} is vacuumed in the background, on a thread of its own. Evaluating a
     * customer reads their memberships by an index-only scan of {@code (customer_id, segment_id)}, and only a vacuum
     * marks the pages it may trust without visiting the heap: until then, a customer's rows, scattered by the
     * segment-by-segment builds, cost a page read each (measured: 92 ms instead of 13 ms for 300 customers among
     * 3.2 million rows).
     * <ul>
     * <li>Once builds, rebuilds and deletions of segments have committed {@link #VACUUM_AFTER_BULK_ROWS} rows since the
     * last such vacuum, at once and without pauses ({@link Vacuum#runNow}): every evaluation of a customer with rows
     * on the pages they wrote pays until it has passed, so the sooner it ends the better; and where an edit's exits
     * leave enough dead rows for PostgreSQL to pass over both indexes (seconds at a million profiles), that is better
     * paid right after the edit than in a later minute of steady load.</li>
     * <li>Otherwise once {@link #VACUUM_AFTER_ROWS} rows were written (the evaluator's moves, a trickle), at most once
     * a minute, throttled as autovacuum is ({@link #VACUUM_COST_DELAY_MILLIS}): unthrottled at 1,000,000 profiles, one
     * took a core for 3.9 s while 1,000 events/s were evaluated on a 2-core machine, and the changes of those seconds
     * waited for the other core.</li>
     * </ul>
     */
    private final Vacuum vacuum;
    /** {@code segment_member}'s vacuum pauses this long after every {@code vacuum_cost_limit} of page costs: autovacuum's default. */
    static final int VACUUM_COST_DELAY_MILLIS = 2;

    /** RFM scores are recomputed once a day; the segments that read them are rebuilt with them. */
    static final Duration RFM_EVERY = Duration.ofDays(1);

    private void recheckTimeDependent() {
        java.time.OffsetDateTime stale = java.time.OffsetDateTime.now(clock).minus(RFM_EVERY);
        List<Object[]> runs = db.read(c -> Db.list(c, "SELECT tenant_id, window_days FROM rfm_run WHERE computed_at < ?", List.of(stale),
                rs -> new Object[] {rs.getObject(1, UUID.class), rs.getInt(2)}));
        for (Object[] r : runs) {
            try {
                segments.computeRfm((UUID) r[0], (Integer) r[1]);
            } catch (RuntimeException e) {
                LOG.warn("Recomputing the RFM scores of tenant {} failed; they are recomputed next time", r[0], e);
            }
        }
        java.time.OffsetDateTime now = java.time.OffsetDateTime.now(clock);
        boolean full = lastFullRecheck == null || lastFullRecheck.isBefore(now.minus(RFM_EVERY));
        List<Object[]> due = db.read(c -> Db.list(c, "SELECT tenant_id, id FROM segment WHERE time_dependent = ?", List.of(true),
                rs -> new Object[] {rs.getObject(1, UUID.class), rs.getObject(2, UUID.class)}));
        if (full) {
            // at start and once a day: every time-dependent segment rebuilt, whatever happened while the server was down
            long start = System.nanoTime();
            for (Object[] d : due) {
                try {
                    segments.rebuild((UUID) d[0], (UUID) d[1]);
                } catch (RuntimeException e) {
                    LOG.warn("Rechecking time-dependent segment {} failed; it is rechecked next time", d[1], e);
                }
            }
            if (!due.isEmpty()) {
                LOG.info("Rebuilt the {} time-dependent segments in {} ms", due.size(), (System.nanoTime() - start) / 1_000_000);
            }
            lastFullRecheck = now;
        } else {
            recheckCrossing(lastCrossingCheck, now);
        }
        lastCrossingCheck = now;
    }

    private java.time.OffsetDateTime lastFullRecheck;
    private java.time.OffsetDateTime lastCrossingCheck;

    /**
     * Re-evaluates the time-dependent segments for the customers whose events or time fields left a window between
     * {@code from} and {@code to}: the moment their membership can change with time alone. @return moves written
     */
    long recheckCrossing(java.time.OffsetDateTime from, java.time.OffsetDateTime to) {
        long moved = 0;
        long start = System.nanoTime();
        long finding = 0;
        int pairs = 0;
        Set<UUID> tenants = new LinkedHashSet<>(db.read(c -> Db.list(c, "SELECT DISTINCT tenant_id FROM segment WHERE time_dependent = ?", List.of(true),
                rs -> rs.getObject(1, UUID.class))));
        for (UUID tenant : tenants) {
            Map<UUID, List<UUID>> concerned = new LinkedHashMap<>();
            long f0 = System.nanoTime();
            for (SegmentStore.Compiled s : segments.active(tenant)) {
                if (s.condition().timeDependent()) {
                    Set<UUID> who = segments.crossing(tenant, s.condition(), from, to);
                    if (!who.isEmpty()) {
                        concerned.put(s.id(), List.copyOf(who));
                        pairs += who.size();
                    }
                }
            }
            finding += System.nanoTime() - f0;
            if (!concerned.isEmpty()) {
                for (SegmentStore.Moves r : segments.evaluateMany(tenant, concerned).values()) {
                    evaluated.incrementAndGet();
                    moves.addAndGet(r.entered() + r.exited());
                    moved += r.entered() + r.exited();
                }
            }
        }
        long took = System.nanoTime() - start;
        if (took >= SLOW_BATCH_NANOS) {
            LOG.info("Slow recheck of time-dependent segments: {} ms, of which {} ms finding the {} (segment, customer) pairs that crossed a window, "
                    + "{} moves", took / 1_000_000, finding / 1_000_000, pairs, moved);
        }
        return moved;
    }

    /** What a condition looks at, so that a change can tell whether it may affect it. */
    record References(Set<String> eventTypes, Set<Condition.ProfileField> fields, boolean attributes, boolean tags, boolean consents, boolean rfm,
                      boolean movedByEveryEvent, boolean movedByOrders) {

        References(Set<String> eventTypes, Set<Condition.ProfileField> fields, boolean attributes, boolean tags, boolean consents, boolean rfm) {
            this(Set.copyOf(eventTypes), fields, attributes, tags, consents, rfm, fields.stream().anyMatch(MOVED_BY_EVERY_EVENT::contains),
                    fields.stream().anyMatch(MOVED_BY_ORDERS::contains));
        }

        /** What projecting any event moves on the profile. */
        static final Set<Condition.ProfileField> MOVED_BY_EVERY_EVENT = Set.of(Condition.ProfileField.LAST_SEEN_AT, Condition.ProfileField.STAGE);
        /** What projecting an order moves besides. */
        static final Set<Condition.ProfileField> MOVED_BY_ORDERS = Set.of(Condition.ProfileField.ORDER_COUNT, Condition.ProfileField.REVENUE);

        static References of(Condition c) {
            Set<String> types = new LinkedHashSet<>();
            Set<Condition.ProfileField> fields = java.util.EnumSet.noneOf(Condition.ProfileField.class);
            boolean[] f = new boolean[4];
            walk(c, types, fields, f);
            return new References(types, fields, f[0], f[1], f[2], f[3]);
        }

        private static void walk(Condition c, Set<String> types, Set<Condition.ProfileField> fields, boolean[] f) {
            if (c instanceof Condition.All a) {
                a.conditions().forEach(x -> walk(x, types, fields, f));
            } else if (c instanceof Condition.Any a) {
                a.conditions().forEach(x -> walk(x, types, fields, f));
            } else if (c instanceof Condition.Not n) {
                walk(n.condition(), types, fields, f);
            } else if (c instanceof Condition.EventCount e) {
                types.add(e.type());
            } else if (c instanceof Condition.EventAggregate e) {
                types.add(e.type()); // a sum or average moves with its type's events, as a count does
            } else if (c instanceof Condition.Profile p) {
                fields.add(p.field());
            } else if (c instanceof Condition.Attribute) {
                f[0] = true;
            } else if (c instanceof Condition.Tag) {
                f[1] = true;
            } else if (c instanceof Condition.Consent) {
                f[2] = true;
            } else if (c instanceof Condition.RfmField) {
                f[3] = true;
            }
            // a score changes only when a KPI module writes the scores, which rebuilds the segments that read them
        }

        /**
         * @param type the event type of the change, or null for a change of the profile itself (the API, an import, the
         *             traits of an event, which the relay reports as such)
         */
        boolean affectedBy(String type) {
            if (type == null || EventTypes.CUSTOMER_CREATED.equals(type) || EventTypes.CUSTOMER_MERGED.equals(type)) {
                return true; // a new, changed or merged profile: anything may have changed
            }
            if (EventTypes.CONSENT_CHANGED.equals(type)) {
                return consents;
            }
            // an event adds to its type's counts, and its projection moves last seen and the stage (orders: counters too)
            if (eventTypes.contains(type) || movedByEveryEvent) {
                return true;
            }
            return movedByOrders && EventTypes.ORDER_COMPLETED.equals(type);
        }
    }

    @Override
    public void close() {
        running = false;
        queues.forEach(q -> q.add(STOP));
        stopped.countDown();
        vacuum.cancel();
        List<Thread> all = new ArrayList<>(threads);
        all.add(maintenance);
        all.add(vacuuming);
        for (Thread t : all) {
            if (t != null) {
                try {
                    t.join(TimeUnit.SECONDS.toMillis(10));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** @return whether every change handed over so far has been evaluated (for tests and health) */
    public boolean idle() {
        return pending.get() == 0;
    }
}
