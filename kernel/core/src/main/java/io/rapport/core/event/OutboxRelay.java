package io.rapport.core.event;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import io.rapport.api.event.Event;
import io.rapport.core.db.DataAccessException;
import io.rapport.core.db.Db;
import io.rapport.core.db.Vacuum;
import io.rapport.core.json.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves events from the outbox to profiles and to the bus, in the order they were stored. Each batch is projected
 * in one transaction that also marks its outbox rows as projected; the rows are deleted once the bus has delivered
 * the batch. After a crash, rows still waiting are projected on start and rows projected but not delivered are
 * delivered again, so nothing acknowledged is lost (listeners may see an event twice).
 */
public final class OutboxRelay implements AutoCloseable {

    static final int STATE_PENDING = 0;
    static final int STATE_PROJECTED = 1;
    static final int STATE_FAILED = 9;
    static final long IDLE_POLL_MS = 1_000;
    static final long DISPATCH_TIMEOUT_S = 60;
    /** Below this many events per run, the relay waits {@link #LINGER_NANOS} before the next run. */
    static final int LINGER_BELOW = 32;
    static final long RESCAN_NANOS = TimeUnit.SECONDS.toNanos(1);
    static final long FULL_SCAN_NANOS = TimeUnit.SECONDS.toNanos(60);
    static final long RESCAN_WINDOW = 10_000;
    static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    /**
     * On PostgreSQL the relay vacuums the outbox after this many rows done, at most every {@link #VACUUM_EVERY}: each
     * event leaves two dead rows there (its update to projected, its deletion), and with autovacuum off or behind, the
     * table was 44 MB of dead rows for 674 live ones after a few minutes at 1,000 events/s, its statistics still said
     * empty, and each poll read it whole (2.8 ms a poll, the database's costliest statement under that load).
     */
    static final long VACUUM_AFTER_ROWS = 10_000;
    static final Duration VACUUM_EVERY = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(OutboxRelay.class);
    /**
     * Outbox rows first, on their own: ordered by the whole index (state, id) so that H2 reads it in order instead of
     * sorting every pending row, and after the last row taken so that PostgreSQL does not walk the dead index entries
     * of rows already deleted. The events are then read by id: a join let PostgreSQL's planner scan the event table.
     */
    private static final String SELECT_OUTBOX = "SELECT id, event_id FROM outbox WHERE state = ? AND id > ? ORDER BY state, id LIMIT ?";
    private static final String SELECT_EVENTS = "SELECT id, tenant_id, customer_id, type, occurred_at, received_at, source, idempotency_key, "
            + "identity, properties FROM event WHERE id IN (";

    private final Db db;
    private final Projector projector;
    private final EventBus bus;
    private final int batchSize;
    private final Semaphore wake = new Semaphore(0);
    private final AtomicLong projected = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    /** Rows deleted from the outbox since the start. */
    private final AtomicLong done = new AtomicLong();
    private final Vacuum vacuum;
    /** Vacuums on its own thread, so that projection does not wait for it; null off PostgreSQL. */
    private final ExecutorService vacuumThread;
    private volatile boolean running;
    private volatile Thread thread;
    private volatile OffsetDateTime lastRun;
    /**
     * The last outbox id taken. A row below it can still appear (its transaction took its id earlier and committed
     * later): every second the relay looks {@link #RESCAN_WINDOW} ids back, and every minute from the start.
     */
    private long cursor;
    private long lastRescan = System.nanoTime();
    private long lastFullScan = System.nanoTime();

    OutboxRelay(Db db, Projector projector, EventBus bus, int batchSize) {
        this.db = db;
        this.projector = projector;
        this.bus = bus;
        this.batchSize = batchSize;
        this.vacuum = new Vacuum(db, "outbox", VACUUM_AFTER_ROWS, VACUUM_EVERY, false, 0);
        // one vacuum waiting at most (it looks again whether it is due when it runs); the others, and any after close, dropped
        this.vacuumThread = db.dialect() == Db.Dialect.POSTGRESQL ? new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1), r -> {
            Thread t = new Thread(r, "rapport-outbox-vacuum");
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.DiscardPolicy()) : null;
    }

    public void start() {
        running = true;
        thread = new Thread(this::loop, "rapport-outbox-relay");
        thread.setDaemon(true);
        thread.start();
    }

    /** Tells the relay that new rows are waiting; cheap, and safe from any thread. */
    public void wakeup() {
        if (wake.availablePermits() == 0) {
            wake.release();
        }
    }

    public boolean isRunning() {
        Thread t = thread;
        return running && t != null && t.isAlive();
    }

    public long projectedCount() {
        return projected.get();
    }

    public long failedCount() {
        return failed.get();
    }

    public OffsetDateTime lastRun() {
        return lastRun;
    }

    private void loop() {
        try {
            redeliverProjected();
        } catch (RuntimeException e) {
            LOG.error("Redelivering projected events failed; they stay in the outbox", e);
        }
        while (running) {
            try {
                int n = runOnce();
                lastRun = OffsetDateTime.now();
                if (n == 0) {
                    wake.tryAcquire(IDLE_POLL_MS, TimeUnit.MILLISECONDS);
                } else if (n < LINGER_BELOW) {
                    // a trickle of single events: let more arrive so one transaction projects several (visibility +20 ms at most)
                    LockSupport.parkNanos(LINGER_NANOS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                LOG.error("Outbox relay batch failed; retrying", e);
                try {
                    wake.tryAcquire(IDLE_POLL_MS, TimeUnit.MILLISECONDS);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Projects and delivers one batch; returns how many events it took. Visible for tests. */
    int runOnce() throws InterruptedException {
        List<Long> ids = new ArrayList<>();
        List<Event> events;
        // with nobody listening, the rows are done once projected: one transaction instead of two
        boolean deliver = bus.hasListeners();
        long now = System.nanoTime();
        if (now - lastFullScan > FULL_SCAN_NANOS) {
            cursor = 0;
            lastFullScan = now;
            lastRescan = now;
        } else if (now - lastRescan > RESCAN_NANOS) {
            cursor = Math.max(0, cursor - RESCAN_WINDOW);
            lastRescan = now;
        }
        long from = cursor;
        try {
            events = db.tx(c -> {
                ids.clear();
                List<Projector.Pending> pending = select(c, STATE_PENDING, from, batchSize);
                pending.forEach(p -> ids.add(p.outboxId()));
                if (pending.isEmpty()) {
                    return List.<Event>of();
                }
                List<Event> out = projector.project(c, pending);
                if (deliver) {
                    setState(c, ids, STATE_PROJECTED);
                } else {
                    delete(c, ids);
                }
                return out;
            });
            projector.committed();
            if (!deliver) {
                deleted(ids.size());
            }
        } catch (DataAccessException | IllegalStateException e) {
            projector.discarded();
            if (ids.size() <= 1) {
                if (ids.size() == 1) {
                    markFailed(ids.get(0), e);
                }
                return ids.size();
            }
            LOG.warn("Projecting a batch of {} events failed ({}); projecting them one by one", ids.size(), e.toString());
            return runOneByOne(ids.size());
        }
        if (ids.isEmpty()) {
            return 0;
        }
        cursor = ids.get(ids.size() - 1);
        if (deliver) {
            deliverAndDelete(ids, events);
        }
        projected.addAndGet(events.size());
        return ids.size();
    }

    private int runOneByOne(int count) throws InterruptedException {
        int done = 0;
        for (int i = 0; i < count; i++) {
            List<Long> ids = new ArrayList<>();
            try {
                List<Event> events = db.tx(c -> {
                    ids.clear();
                    List<Projector.Pending> pending = select(c, STATE_PENDING, 0, 1);
                    pending.forEach(p -> ids.add(p.outboxId()));
                    List<Event> out = pending.isEmpty() ? List.<Event>of() : projector.project(c, pending);
                    setState(c, ids, STATE_PROJECTED);
                    return out;
                });
                projector.committed();
                deliverAndDelete(ids, events);
                projected.addAndGet(events.size());
            } catch (DataAccessException | IllegalStateException e) {
                projector.discarded();
                if (!ids.isEmpty()) {
                    markFailed(ids.get(0), e);
                }
            }
            done += ids.size();
        }
        return done;
    }

    private void markFailed(long outboxId, RuntimeException cause) {
        failed.incrementAndGet();
        LOG.error("Event of outbox row {} cannot be projected; it is left in the outbox with state {} for an operator", outboxId, STATE_FAILED, cause);
        db.tx(c -> {
            setState(c, List.of(outboxId), STATE_FAILED);
            return null;
        });
    }

    private void redeliverProjected() {
        while (running) {
            List<Long> ids = new ArrayList<>();
            List<Event> events = db.read(c -> {
                List<Event> out = new ArrayList<>();
                for (Projector.Pending p : select(c, STATE_PROJECTED, 0, batchSize)) {
                    ids.add(p.outboxId());
                    if (p.customerId() != null) {
                        out.add(new Event(p.eventId(), p.tenantId(), p.customerId(), p.type(), p.occurredAt(), p.receivedAt(), p.source(),
                                Json.readMap(p.properties()), p.idempotencyKey()));
                    }
                }
                return out;
            });
            if (ids.isEmpty()) {
                return;
            }
            LOG.info("Delivering {} events that were projected before the last stop", ids.size());
            try {
                deliverAndDelete(ids, events);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void deliverAndDelete(List<Long> ids, List<Event> events) throws InterruptedException {
        if (!bus.dispatch(events, DISPATCH_TIMEOUT_S, TimeUnit.SECONDS)) {
            LOG.warn("Listeners took more than {} s over a batch of {} events; moving on", DISPATCH_TIMEOUT_S, events.size());
        }
        if (!ids.isEmpty()) {
            db.tx(c -> {
                delete(c, ids);
                return null;
            });
            deleted(ids.size());
        }
    }

    private void deleted(int rows) {
        long total = done.addAndGet(rows);
        if (vacuumThread != null && running && vacuum.due(total)) {
            vacuumThread.execute(() -> {
                if (running) { // not once the relay is closing: the database may close next
                    vacuum.run(total);
                }
            });
        }
    }

    /** Rows are named in chunks of an IN list: one statement per chunk, not one per row. */
    private static final int IN_CHUNK = 500;

    private static void delete(Connection c, List<Long> ids) throws SQLException {
        for (List<Long> chunk : Db.chunks(ids, IN_CHUNK)) {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM outbox WHERE id IN (" + Db.marks(chunk.size()) + ")")) {
                for (int i = 0; i < chunk.size(); i++) {
                    ps.setLong(i + 1, chunk.get(i));
                }
                ps.executeUpdate();
            }
        }
    }

    private List<Projector.Pending> select(Connection c, int state, long after, int limit) throws SQLException {
        String sql = SELECT_OUTBOX + (db.dialect() == Db.Dialect.POSTGRESQL ? " FOR UPDATE SKIP LOCKED" : "");
        List<Long> outboxIds = new ArrayList<>();
        List<UUID> eventIds = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setInt(1, state);
            ps.setLong(2, after);
            ps.setInt(3, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    outboxIds.add(rs.getLong(1));
                    eventIds.add(rs.getObject(2, UUID.class));
                }
            }
        }
        if (eventIds.isEmpty()) {
            return List.of();
        }
        java.util.Map<UUID, Projector.Pending> byId = new java.util.HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(SELECT_EVENTS + Db.marks(eventIds.size()) + ")")) {
            for (int i = 0; i < eventIds.size(); i++) {
                ps.setObject(i + 1, eventIds.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    UUID id = rs.getObject(1, UUID.class);
                    byId.put(id, new Projector.Pending(0, id, rs.getObject(2, UUID.class), rs.getObject(3, UUID.class), rs.getString(4),
                            rs.getObject(5, OffsetDateTime.class), rs.getObject(6, OffsetDateTime.class), rs.getString(7), rs.getString(8),
                            rs.getString(9), rs.getString(10)));
                }
            }
        }
        List<Projector.Pending> out = new ArrayList<>(eventIds.size());
        for (int i = 0; i < eventIds.size(); i++) {
            Projector.Pending p = byId.get(eventIds.get(i));
            if (p != null) {
                out.add(new Projector.Pending(outboxIds.get(i), p.eventId(), p.tenantId(), p.customerId(), p.type(), p.occurredAt(), p.receivedAt(),
                        p.source(), p.idempotencyKey(), p.identity(), p.properties()));
            }
        }
        return out;
    }

    private static void setState(Connection c, List<Long> ids, int state) throws SQLException {
        for (List<Long> chunk : Db.chunks(ids, IN_CHUNK)) {
            try (PreparedStatement ps = c.prepareStatement("UPDATE outbox SET state = ? WHERE id IN (" + Db.marks(chunk.size()) + ")")) {
                ps.setInt(1, state);
                for (int i = 0; i < chunk.size(); i++) {
                    ps.setLong(i + 2, chunk.get(i));
                }
                ps.executeUpdate();
            }
        }
    }

    @Override
    public void close() {
        running = false;
        Thread t = thread;
        if (t != null) {
            // no interrupt: H2 closes its file channel when a thread is interrupted inside I/O
            wake.release();
            try {
                t.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (vacuumThread != null) {
            // a vacuum under way is cancelled, and its thread ends before the database may close
            vacuum.cancel();
            vacuumThread.shutdown();
            try {
                vacuumThread.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
